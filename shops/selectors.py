"""Reads of the shops app that are more than one ORM line: the runs and failures the dashboard shows per shop."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Max
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


def shops_failing(shops) -> int:
    """How many of `shops` have a kind of run whose latest run failed."""
    latest = SyncRun.objects.filter(shop__in=shops).values("shop_id", "kind").annotate(last=Max("pk")).values("last")
    return SyncRun.objects.filter(pk__in=latest, status=SyncRun.Status.FAILED).values("shop_id").distinct().count()


def invalid_credentials(shops) -> int:
    return shops.filter(credential_status=Shop.CredentialStatus.INVALID).count()
