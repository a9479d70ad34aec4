"""The OA conditions the alert digest mails (shops.alerts), from the same definitions as the dashboard's OA alerts
and the Zalo report: quality dropped, today's ZNS quota running out today, an authorization expiring soon."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shops import formats
from shops.alerts import Alert

from .models import OfficialAccount
from .selectors import LIVE, health_label, health_q, run_out

SPENT = _("%(oa)s: today's ZNS quota is spent")
RUNS_OUT = _("%(oa)s: today's ZNS quota runs out at about %(when)s at today's rate")
OVERDUE = _("%(oa)s: at today's rate, today's ZNS quota has run out since the last sync")


def _change(oa_id: int) -> str:
    return reverse("admin:zalo_officialaccount_change", args=[oa_id])


def oa_alerts(shop_ids: list[int]) -> Iterable[Alert]:
    oas = OfficialAccount.objects.filter(shop_id__in=shop_ids).filter(LIVE)
    for oa in oas.filter(health_q("quality_dropped")):
        yield Alert(
            oa.shop_id,
            "quality_dropped",
            f"oa:{oa.pk}",
            f"{oa.last_week_quality}>{oa.current_quality}",
            _("%(oa)s: %(problem)s (%(before)s → %(now)s)"),
            _change(oa.pk),
            {
                "oa": oa.name,
                "problem": health_label("quality_dropped"),
                "before": _Words(OfficialAccount.Quality, oa.last_week_quality),
                "now": _Words(OfficialAccount.Quality, oa.current_quality),
            },
        )
    for oa in oas.filter(health_q("token_expiring")):
        yield Alert(
            oa.shop_id,
            "token_expiring",
            f"oa:{oa.pk}",
            oa.expires_at.isoformat(),  # authorized again, with another date still close: another alert
            _("%(oa)s: %(problem)s (%(when)s)"),
            _change(oa.pk),
            {"oa": oa.name, "problem": health_label("token_expiring"), "when": _Shown(formats.moment, oa.expires_at)},
        )
    now = timezone.now()
    midnight = datetime.combine(timezone.localdate(now), time.min, timezone.get_default_timezone())
    today = oas.filter(synced_at__gte=midnight, daily_quota__gt=0, remaining_quota__isnull=False)
    for oa in today.values("pk", "shop_id", "name", "synced_at", "daily_quota", "remaining_quota"):
        moment = run_out(oa, now)
        if moment is None:
            continue
        if moment == "spent":
            text, params = SPENT, {"oa": oa["name"]}
        elif moment == "overdue":  # the run-out time has passed: never shown as a time to come
            text, params = OVERDUE, {"oa": oa["name"]}
        else:
            text, params = RUNS_OUT, {"oa": oa["name"], "when": _Shown(formats.clock, moment)}
        # Once a day: the quota is renewed at local midnight.
        day = timezone.localdate(now).isoformat()
        yield Alert(oa["shop_id"], "quota_runs_out", f"oa:{oa['pk']}", day, text, _change(oa["pk"]), params)


class _Shown:
    """A figure shown as shops.formats shows it (a moment in Asia/Ho_Chi_Minh), formatted when the digest is: in
    the reader's language."""

    def __init__(self, show, value):
        self.show, self.value = show, value

    def __str__(self) -> str:
        return self.show(self.value)


class _Words(_Shown):
    """A code (an OA's quality) in the reader's words."""

    def __init__(self, labels, code):
        super().__init__(lambda value: formats.coded(labels, value), code)
