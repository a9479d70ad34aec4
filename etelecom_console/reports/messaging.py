"""The messaging report: ZNS and SMS side by side, per day, per shop and per template, with what they cost."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shops import formats
from shops.models import Shop
from sms.models import SmsMessage
from sms.selectors import SMS_FIGURES, sms_report
from zalo.models import ZnsDaily
from zalo.selectors import ZNS_FIGURES as ZNS_TOTALS

from .charts import Part, day_label, since, stacked
from .tables import table

MESSAGING_PARTS = [
    Part("delivered", gettext_lazy("ZNS"), lambda row: row["sent"]),
    Part("sent", gettext_lazy("SMS"), lambda row: row["sms_sent"] - row["fallbacks"]),
    Part("medium", gettext_lazy("SMS after a failed ZNS"), lambda row: row["fallbacks"]),
]
ZNS_COLUMNS = [
    ("sent", gettext_lazy("ZNS sent")),
    ("delivered", gettext_lazy("ZNS delivered")),
    ("failed", gettext_lazy("ZNS failed")),
    ("fees", gettext_lazy("ZNS fees"), "money"),
]
SMS_COLUMNS = [
    ("sms_sent", gettext_lazy("SMS sent")),
    ("sms_delivered", gettext_lazy("SMS delivered")),
    ("sms_failed", gettext_lazy("SMS failed")),
    ("fallbacks", gettext_lazy("SMS after a failed ZNS")),
    ("segments", gettext_lazy("SMS segments")),
    ("sms_cost", gettext_lazy("SMS cost"), "money"),
]


def build(form, start, end) -> dict:
    """ZNS (from the daily rollups) and SMS side by side: per day, per template and per shop, with what they cost
    where it is known (a ZNS's fee as eTelecom reports it, an SMS's segments times its template's price)."""
    shops = form.scope() if form else Shop.objects.none()
    sms = sms_report(shops, start, end)
    zns = ZnsDaily.objects.filter(oa__shop__in=shops, day__gte=start, day__lte=end)
    zns_days = {row["day"]: row for row in zns.values("day").annotate(**ZNS_TOTALS).order_by()}
    blank = {**dict.fromkeys(ZNS_TOTALS, 0), **dict.fromkeys(SMS_FIGURES, 0)}
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        row = {**blank, "day": day}
        row.update({k: v or 0 for k, v in zns_days.get(day, {}).items() if k != "day"})
        row.update({k: v or 0 for k, v in sms["days"].get(day, {}).items() if k != "day"})
        days.append(row)
    # The shops' ZNS and the template rows from one read of the rollup, by shop and template.
    shop_names = list(shops.order_by("name").values_list("pk", "name"))
    names = dict(shop_names)
    zns_shops, zns_templates = {}, []
    for r in zns.values("oa__shop", "template_id").annotate(**ZNS_TOTALS).order_by():
        figures = {name: r[name] or 0 for name in ZNS_TOTALS}
        sums = zns_shops.setdefault(r["oa__shop"], dict.fromkeys(ZNS_TOTALS, 0))
        for name, value in figures.items():
            sums[name] += value
        zns_templates.append({"shop": names[r["oa__shop"]], "channel": "ZNS", "template": r["template_id"], **figures})
    zns_templates.sort(key=lambda row: (-row["sent"], row["shop"], row["template"]))
    per_shop = []
    for pk, name in shop_names:
        if pk not in zns_shops and pk not in sms["shops"]:
            continue
        row = {**blank, "shop": name, **zns_shops.get(pk, {})}
        row.update({k: v or 0 for k, v in sms["shops"].get(pk, {}).items() if k != "shop"})
        per_shop.append(row)
    templates = zns_templates + [
        {"shop": r["shop__name"], "channel": "SMS", "template": r["template_code"], **r} for r in sms["templates"]
    ]
    total = {name: sum(row[name] or 0 for row in days) for name in blank}
    # The history starts with whichever channel the console holds first.
    held = [day for day in (since(ZnsDaily, form, oas=True), since(SmsMessage, form)) if day]
    return {
        "summary": _("%(zns)s ZNS (%(fees)s), %(sms)s SMS (%(cost)s), of which %(fallbacks)s after a failed ZNS.")
        % {
            "zns": formats.number(total["sent"]),
            "fees": formats.money(total["fees"]),
            "sms": formats.number(total["sms_sent"]),
            "cost": formats.money(total["sms_cost"]),
            "fallbacks": formats.number(total["fallbacks"]),
        },
        "charts": [
            (
                _("Messages per day"),
                stacked(days, MESSAGING_PARTS, label=day_label, axis=_("messages"), since=min(held, default=None)),
            ),
        ],
        "tables": [
            table("days", _("Messages per day"), [("day", _("day")), *ZNS_COLUMNS, *SMS_COLUMNS], days),
            table("shops", _("Messages per shop"), [("shop", _("shop")), *ZNS_COLUMNS, *SMS_COLUMNS], per_shop),
            table(
                "templates",
                _("Messages per template"),
                [
                    ("shop", _("shop")),
                    ("channel", _("channel")),
                    ("template", _("template"), "id"),
                    ("sent", _("ZNS sent")),
                    ("fees", _("ZNS fees"), "money"),
                    *SMS_COLUMNS,
                ],
                templates,
            ),
        ],
        "raw": {"days": days, "shops": per_shop, "templates": templates, "total": total},
    }
