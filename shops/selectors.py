"""Reads of the shops app that are more than one ORM line: the runs and failures the dashboard shows per shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Shop, SyncRun


def last_runs_by_shop(shop_ids) -> dict[int, list[SyncRun]]:
    """Per shop, the latest run of each kind (two queries whatever the history's size)."""
    latest = (
        SyncRun.objects.filter(shop_id__in=shop_ids).values("shop_id", "kind").annotate(last=Max("pk")).values("last")
    )
    runs: dict[int, list[SyncRun]] = {}
    for run in SyncRun.objects.filter(pk__in=latest).order_by("kind"):
        runs.setdefault(run.shop_id, []).append(run)
    return runs


def failures_by_shop(shop_ids, *, hours: int = 24) -> dict[int, int]:
    since = timezone.now() - timedelta(hours=hours)
    failed = SyncRun.objects.filter(shop_id__in=shop_ids, status=SyncRun.Status.FAILED, queued_at__gte=since)
    return dict(failed.values("shop_id").annotate(n=Count("pk")).values_list("shop_id", "n"))


@dataclass(frozen=True)
class FailingSync:
    shop_id: int
    kind: str
    failures: int  # runs failed since the last one that succeeded


def failing_syncs(shops, *, consecutive: int = 1) -> list[FailingSync]:
    """The (shop, kind) pairs among `shops` (a queryset or ids) whose last `consecutive` finished runs failed: the
    failed runs after the latest success, counted (runs queued, running or skipped do not break a streak). One
    query."""
    last_success = (
        SyncRun.objects.filter(shop_id=OuterRef("shop_id"), kind=OuterRef("kind"), status=SyncRun.Status.SUCCEEDED)
        .order_by("-pk")
        .values("pk")[:1]
    )
    streaks = (
        SyncRun.objects.filter(shop_id__in=shops, status=SyncRun.Status.FAILED)
        .alias(after=Coalesce(Subquery(last_success), 0))
        .filter(pk__gt=F("after"))
        .values("shop_id", "kind")
        .annotate(failures=Count("pk"))
        .filter(failures__gte=consecutive)
        .order_by("shop_id", "kind")
    )
    return [FailingSync(**row) for row in streaks]


def shops_failing(shops) -> int:
    """How many of `shops` have a kind of run whose latest finished run failed."""
    return len({failing.shop_id for failing in failing_syncs(shops.values("pk"))})


def invalid_credential_shops(shops):
    """The shops of `shops` whose key eTelecom rejected (a 401)."""
    return shops.filter(credential_status=Shop.CredentialStatus.INVALID)


def syncable_shops():
    """The shops a scheduled sync runs for: active, with a key not known to be invalid."""
    return Shop.objects.filter(is_active=True).exclude(credential_status=Shop.CredentialStatus.INVALID)
