"""Manager reports: a date range (local days), a shop filter, tables that export to CSV with the same rows and
columns as the screen, and charts drawn by the theme's Chart.js from JSON in the page (nothing is fetched from the
internet).

Who reads them: Managers and superusers. Support works on shops but does not read reports (403).
Every report reads rollups and OA rows, never the calls, ZNS or requests themselves (see the selectors); the SMS
figures are counted from the SMS by shop and day, an indexed read (sms.selectors says why)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Min
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from pbx.models import CallDaily
from pbx.selectors import call_report
from shops import formats
from shops.common.exports import csv_download
from shops.models import Shop
from shops.roles import MANAGER
from shops.scoping import user_shops
from sms.selectors import SMS_FIGURES, sms_report
from zalo.models import Consent, ConsentDaily, OADaily, OfficialAccount, ZnsDaily
from zalo.selectors import ZNS_FIGURES as ZNS_TOTALS
from zalo.selectors import consent_report, zalo_report

MAX_DAYS = 366


def can_read_reports(user) -> bool:
    return user.is_active and (user.is_superuser or user.groups.filter(name=MANAGER).exists())


class RangeForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    shop = forms.ModelChoiceField(label=gettext_lazy("Shop"), queryset=Shop.objects.none(), required=False)

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The range ends before it starts."))
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(_("A report covers %(days)d days at most.") % {"days": MAX_DAYS})
        return data

    def scope(self):
        """The shops the report covers: the chosen one, or all the user's."""
        shops = self.fields["shop"].queryset
        chosen = self.cleaned_data["shop"]
        return shops.filter(pk=chosen.pk) if chosen else shops


class OARangeForm(RangeForm):
    oa = forms.ModelChoiceField(label=gettext_lazy("OA"), queryset=OfficialAccount.objects.none(), required=False)

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, shops=shops, **kwargs)
        self.fields["oa"].queryset = OfficialAccount.objects.filter(shop__in=shops).order_by("name")

    def scope(self):
        """The OAs the report covers: the chosen one (if it is in the chosen shop), or all the shops'."""
        oas = OfficialAccount.objects.filter(shop__in=super().scope())
        chosen = self.cleaned_data["oa"]
        return oas.filter(pk=chosen.pk) if chosen else oas


# --- charts -------------------------------------------------------------------------------------------------


@dataclass
class Part:
    """One series of a stacked bar chart: its key (which picks its colour in static/console/charts.js), legend,
    and value for a row."""

    key: str
    label: str
    value: Callable[[dict], int]


def stacked(rows, parts: list[Part], *, label: Callable[[dict], str], axis: str, line=None, since=None) -> dict:
    """A stacked bar chart as data for Chart.js (static/console/charts.js draws it): one bar per row, one series
    per part, the y axis titled `axis`. `line`, a (legend, row -> percent or None) pair, adds a 0-100 % line on
    a scale of its own. `since`, the first day the console holds for the chart, adds a note when the range starts
    before it."""
    rows = list(rows)
    chart = {
        "labels": [label(row) for row in rows],
        "axis": str(axis),
        "series": [
            {"key": part.key, "label": str(part.label), "values": [max(part.value(row) or 0, 0) for row in rows]}
            for part in parts
        ],
        "line": None,
        "note": "",
    }
    if line is not None:
        chart["line"] = {"label": str(line[0]), "values": [line[1](row) for row in rows]}
    if since is not None and rows and "day" in rows[0] and since > rows[0]["day"]:
        chart["note"] = _("Nothing before %(day)s: the history starts when the console first synced.") % {
            "day": formats.day(since)
        }
    return chart


def since(model, form):
    """The first day the console holds in `model` (a daily rollup) for the form's shops or OAs, or None."""
    if form is None:
        return None
    scope = form.scope()
    within = {"shop__in": scope} if scope.model is Shop else {"oa__in": scope}
    return model.objects.filter(**within).aggregate(first=Min("day"))["first"]


def _day(row) -> str:
    return formats.day(row["day"])


# --- tables -------------------------------------------------------------------------------------------------

# What a column holds, for the screen (shops.formats) and for the CSV's header (its unit).
UNITS = {"duration": gettext_lazy("s"), "money": "VND", "percent": "%"}


def table(name: str, title, columns: list[tuple], rows, *, empty=None) -> dict:
    """A report table: `rows` are the values the CSV holds (numbers as numbers, days as ISO dates), `shown` the
    same cells as the screen shows them; a column is (key, label) or (key, label, kind) with kind one of
    `UNITS`'s keys."""
    columns = [(column + ("",))[:3] for column in columns]
    rows = [[(row.get(key), kind) for key, _label, kind in columns] for row in rows]
    return {
        "name": name,
        "title": title,
        "headers": [f"{label} ({UNITS[kind]})" if kind in UNITS else label for _key, label, kind in columns],
        "screen_headers": [label for _key, label, _kind in columns],
        "rows": [[_cell(value) for value, _kind in row] for row in rows],
        # (text, numeric) per cell: numbers align right.
        "shown": [[(_show(value, kind), _numeric(value, kind)) for value, kind in row] for row in rows],
        "empty": empty or _("Nothing in this range."),
    }


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return formats.clock(value)
    return value.isoformat() if isinstance(value, date) else value


def _numeric(value, kind: str) -> bool:
    return kind in UNITS or (isinstance(value, (int, float)) and not isinstance(value, bool) and kind != "id")


def _show(value, kind: str):
    if kind == "duration":
        return formats.duration(value)
    if kind == "money":
        return formats.money(value)
    if kind == "percent":
        return formats.percent(value)
    if isinstance(value, datetime):
        return formats.clock(value)
    if isinstance(value, date):
        return formats.day(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return formats.number(value)
    return "-" if value is None else value


# --- the reports --------------------------------------------------------------------------------------------

CALL_FIGURES = [
    ("count", gettext_lazy("calls")),
    ("inbound", gettext_lazy("inbound")),
    ("outbound", gettext_lazy("outbound")),
    ("answered", gettext_lazy("answered")),
    ("answer_rate", gettext_lazy("answer rate"), "percent"),
    ("duration", gettext_lazy("talk time"), "duration"),
    ("average_duration", gettext_lazy("average talk"), "duration"),
]
ANSWERED_PARTS = [
    Part("answered", gettext_lazy("answered"), lambda row: row["answered"]),
    Part("other", gettext_lazy("not answered"), lambda row: (row["count"] or 0) - (row["answered"] or 0)),
]


def calls(form, start, end) -> dict:
    report = call_report(form.scope() if form else Shop.objects.none(), start, end)
    for row in report["weekdays"]:
        row["label"] = WEEKDAYS[row["weekday"]]
    for row in report["hours"]:
        row["label"] = f"{row['hour']:02d}:00"
    total = report["total"]
    return {
        "summary": _("%(calls)s calls, %(answered)s answered (%(rate)s), %(duration)s of talk.")
        % {
            "calls": formats.number(total["count"]),
            "answered": formats.number(total["answered"]),
            "rate": formats.percent(total["answer_rate"]),
            "duration": formats.duration(total["duration"]),
        },
        "charts": [
            (
                _("Calls per day"),
                stacked(report["days"], ANSWERED_PARTS, label=_day, axis=_("calls"), since=since(CallDaily, form)),
            ),
            (
                _("Calls by hour of day"),
                stacked(report["hours"], ANSWERED_PARTS, label=lambda row: row["label"], axis=_("calls")),
            ),
        ],
        "tables": [
            table("days", _("Calls per day"), [("day", _("day")), *CALL_FIGURES], report["days"]),
            table("weekdays", _("Calls by weekday"), [("label", _("weekday")), *CALL_FIGURES], report["weekdays"]),
            table("hours", _("Calls by hour of day"), [("label", _("hour")), *CALL_FIGURES], report["hours"]),
            *(
                table(name, title, [("shop", _("shop")), ("label", label), *CALL_FIGURES], report[name])
                for name, title, label in (
                    ("extensions", _("Calls per extension"), _("extension")),
                    ("users", _("Calls per user"), _("user")),
                    ("hotlines", _("Calls per hotline"), _("hotline")),
                )
            ),
        ],
        "raw": report,
    }


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


def zalo(form, start, end) -> dict:
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
                stacked(report["quota_days"], QUOTA_PARTS, label=_day, axis=_("ZNS"), since=since(OADaily, form)),
            ),
            (
                _("OA quality per day (number of OAs)"),
                stacked(report["quota_days"], QUALITY_PARTS, label=_day, axis=_("OAs"), since=since(OADaily, form)),
            ),
            (
                _("ZNS per day"),
                stacked(report["zns_days"], ZNS_PARTS, label=_day, axis=_("ZNS"), since=since(ZnsDaily, form)),
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


Outcome = ConsentDaily.Outcome
OUTCOME_PARTS = [Part(value, label, lambda row, value=value: row[value]) for value, label in Outcome.choices]
OUTCOME_FIGURES = [
    ("count", gettext_lazy("requests")),
    *((value, label) for value, label in Outcome.choices),
    ("acceptance_rate", gettext_lazy("acceptance rate"), "percent"),
]


def consents(form, start, end) -> dict:
    report = consent_report(form.scope() if form else OfficialAccount.objects.none(), start, end)
    reasons, call_types = dict(Consent.Reason.choices), dict(Consent.CallType.choices)
    for row in report["reasons"]:
        row["label"] = reasons.get(row["reason_code"], row["reason_code"])
    for row in report["call_types"]:
        row["label"] = call_types.get(row["call_type"], row["call_type"])
    total = report["total"]
    return {
        "summary": _("%(requests)s requests, %(accepted)s accepted (%(rate)s of those answered or lapsed).")
        % {
            "requests": formats.number(total["count"]),
            "accepted": formats.number(total["accepted"]),
            "rate": formats.percent(total["acceptance_rate"]),
        },
        "charts": [
            (
                _("Requests per day by outcome, and the acceptance rate"),
                stacked(
                    report["days"],
                    OUTCOME_PARTS,
                    label=_day,
                    axis=_("requests"),
                    line=(_("acceptance rate (%)"), lambda row: row["acceptance_rate"]),
                    since=since(ConsentDaily, form),
                ),
            )
        ],
        "tables": [
            table("days", _("Requests per day"), [("day", _("day")), *OUTCOME_FIGURES], report["days"]),
            table("reasons", _("Requests by reason"), [("label", _("reason")), *OUTCOME_FIGURES], report["reasons"]),
            table(
                "call_types",
                _("Requests by call type"),
                [("label", _("call type")), *OUTCOME_FIGURES],
                report["call_types"],
            ),
        ],
        "raw": report,
    }


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


def messaging(form, start, end) -> dict:
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
    zns_shops = {row["oa__shop"]: row for row in zns.values("oa__shop").annotate(**ZNS_TOTALS).order_by()}
    per_shop = []
    for shop in shops.order_by("name"):
        if shop.pk not in zns_shops and shop.pk not in sms["shops"]:
            continue
        row = {**blank, "shop": shop.name}
        row.update({k: v or 0 for k, v in zns_shops.get(shop.pk, {}).items() if k != "oa__shop"})
        row.update({k: v or 0 for k, v in sms["shops"].get(shop.pk, {}).items() if k != "shop"})
        per_shop.append(row)
    templates = [
        {"shop": r["oa__shop__name"], "channel": "ZNS", "template": r["template_id"], **r}
        for r in zns.values("oa__shop__name", "template_id").annotate(**ZNS_TOTALS).order_by("-sent")
    ] + [{"shop": r["shop__name"], "channel": "SMS", "template": r["template_code"], **r} for r in sms["templates"]]
    total = {name: sum(row[name] or 0 for row in days) for name in blank}
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
            (_("Messages per day"), stacked(days, MESSAGING_PARTS, label=_day, axis=_("messages"))),
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


REPORTS = {
    "calls": (gettext_lazy("Calls"), RangeForm, calls),
    "zalo": (gettext_lazy("Zalo OAs and ZNS"), OARangeForm, zalo),
    "consents": (gettext_lazy("Call permissions"), OARangeForm, consents),
    "messaging": (gettext_lazy("ZNS and SMS"), RangeForm, messaging),
}


def page(request, admin_site, name: str):
    """One report: the range form, the figures for the user's shops, and `?export=<table>` as CSV."""
    if not can_read_reports(request.user):
        raise PermissionDenied
    title, form_class, build = REPORTS[name]
    today = timezone.localdate()
    initial = {"start": (today - timedelta(days=29)).isoformat(), "end": today.isoformat()}
    form = form_class({**initial, **request.GET.dict()}, shops=user_shops(request.user).order_by("name"))
    valid = form.is_valid()
    start = form.cleaned_data["start"] if valid else today - timedelta(days=29)
    end = form.cleaned_data["end"] if valid else today
    report = build(form if valid else None, start, end)
    for n, (_title, chart) in enumerate(report["charts"], 1):
        chart["id"] = f"chart-data-{n}"
    export = request.GET.get("export")
    if export:
        found = next((t for t in report["tables"] if t["name"] == export), None)
        if found is None:
            return HttpResponse(_("Unknown table."), status=400, content_type="text/plain; charset=utf-8")
        return csv_download(f"{name}-{export}-{start:%Y%m%d}-{end:%Y%m%d}.csv", found["headers"], found["rows"])
    context = {
        **admin_site.each_context(request),
        **report,
        "title": title,
        "form": form,
        "query": request.GET.urlencode(),
        "reports": [(key, label, reverse(f"admin:report_{key}")) for key, (label, *_rest) in REPORTS.items()],
        "report": name,
    }
    return TemplateResponse(request, "console/reports/report.html", context)
