"""The Zalo report: each OA's quota today and when it runs out, quota and quality per day, ZNS per day and per
template."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from shops import formats
from zalo.models import OADaily, OfficialAccount, ZnsDaily
from zalo.selectors import zalo_report

from .charts import Part, day_label, since, stacked
from .tables import table

QUALITY_PARTS = [
    Part("high", gettext_lazy("High"), lambda row: row["high"]),
    Part("medium", gettext_lazy("Medium"), lambda row: row["medium"]),
    Part("low", gettext_lazy("Low"), lambda row: row["low"]),
    Part("undefined", gettext_lazy("No rating"), lambda row: row["other"]),
]
QUOTA_PARTS = [
    Part("used", gettext_lazy("used"), lambda row: row["used"]),
    Part("left", gettext_lazy("left"), lambda row: (row["quota"] or 0) - (row["used"] or 0)),
]
ZNS_PARTS = [
    Part("delivered", pgettext_lazy("count", "delivered"), lambda row: row["delivered"]),
    Part("sent", gettext_lazy("sent, not delivered"), lambda row: row["sent"] - row["delivered"]),
    Part("failed", pgettext_lazy("count", "failed"), lambda row: row["failed"]),
]
ZNS_FIGURES = [
    ("sent", pgettext_lazy("count", "sent")),
    ("delivered", pgettext_lazy("count", "delivered")),
    ("failed", pgettext_lazy("count", "failed")),
    ("fees", gettext_lazy("fees"), "money"),
]


def build(form, start, end) -> dict:
    report = zalo_report(form.scope() if form else OfficialAccount.objects.none(), start, end)
    qualities = dict(OfficialAccount.Quality.choices)
    for oa in report["accounts"]:
        for key in ("current_quality", "last_week_quality"):
            oa[key] = qualities.get(oa[key], oa[key] or None)
        if oa["runs_out"] == "spent":
            oa["runs_out"] = _("spent")
        elif oa["runs_out"] == "overdue":
            oa["runs_out"] = _("by now, at today's rate")
        elif oa["runs_out"] is None:
            oa["runs_out"] = _("not today")
    total = report["total"]
    oa_days_since = since(OADaily, form)
    return {
        "summary": _("%(sent)s ZNS sent, %(delivered)s delivered, %(failed)s failed, %(fees)s in fees.")
        % {
            "sent": formats.number(total["sent"]),
            "delivered": formats.number(total["delivered"]),
            "failed": formats.number(total["failed"]),
            "fees": formats.money(total["fees"] or 0),
        },
        "charts": [
            (
                _("ZNS quota per day (all chosen OAs)"),
                stacked(report["quota_days"], QUOTA_PARTS, label=day_label, axis=_("ZNS"), since=oa_days_since),
            ),
            (
                _("OA quality per day (number of OAs)"),
                stacked(report["quota_days"], QUALITY_PARTS, label=day_label, axis=_("OAs"), since=oa_days_since),
            ),
            (
                _("ZNS per day"),
                stacked(report["zns_days"], ZNS_PARTS, label=day_label, axis=_("ZNS"), since=since(ZnsDaily, form)),
            ),
        ],
        "tables": [
            table(
                "oas",
                _("Each OA's quota today, and when it runs out at today's rate"),
                [
                    ("shop__name", _("shop")),
                    ("name", _("OA")),
                    ("daily_quota", _("daily quota")),
                    ("used", _("used today")),
                    ("remaining_quota", _("left")),
                    ("current_quality", _("quality (48 h)")),
                    ("last_week_quality", _("quality (7 days)")),
                    ("runs_out", _("runs out at")),
                ],
                report["accounts"],
            ),
            table(
                "quota",
                _("Quota and quality per day"),
                [
                    ("day", _("day")),
                    ("oas", _("OAs")),
                    ("quota", _("daily quota")),
                    ("used", _("used")),
                    ("left", _("left at the day's last sync")),
                    ("high", _("High")),
                    ("medium", _("Medium")),
                    ("low", _("Low")),
                ],
                report["quota_days"],
            ),
            table("zns", _("ZNS per day"), [("day", _("day")), *ZNS_FIGURES], report["zns_days"]),
            table(
                "templates",
                _("ZNS per template"),
                [
                    ("oa__shop__name", _("shop")),
                    ("oa__name", _("OA")),
                    ("template_id", _("template id"), "id"),
                    ("name", _("template")),
                    *ZNS_FIGURES,
                ],
                report["templates"],
            ),
        ],
        "raw": report,
    }
