"""The call-permission report: requests per day by outcome with the acceptance rate, by reason and by call type."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shops import formats
from zalo.models import Consent, ConsentDaily, OfficialAccount
from zalo.selectors import consent_report

from .charts import Part, day_label, since, stacked
from .tables import table

Outcome = ConsentDaily.Outcome
OUTCOME_PARTS = [Part(value, label, lambda row, value=value: row[value]) for value, label in Outcome.choices]
OUTCOME_FIGURES = [
    ("count", gettext_lazy("requests")),
    *((value, label) for value, label in Outcome.choices),
    ("acceptance_rate", gettext_lazy("acceptance rate"), "percent"),
]


def build(form, start, end) -> dict:
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
                    label=day_label,
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
