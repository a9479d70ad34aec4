"""The calls report: per day, weekday, hour of day, extension, user and hotline, from the call rollups."""

from __future__ import annotations

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pbx.selectors import call_report, first_call_day
from shops import formats
from shops.models import Shop

from .charts import Part, day_label, stacked
from .tables import table

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


def build(form, start, end) -> dict:
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
                stacked(
                    report["days"],
                    ANSWERED_PARTS,
                    label=day_label,
                    axis=_("calls"),
                    since=first_call_day(form.scope()) if form else None,
                ),
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
