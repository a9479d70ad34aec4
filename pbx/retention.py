"""Retention (PBX_CALL_RETENTION_DAYS): the daily job deleting whole local days of calls, and their rollups, from
before the window; the call sync asks `retention_start` not to fetch what it would delete."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shops import jobs
from shops.models import Shop, SyncRun

from .call_rows import LOCAL
from .models import CallRecord
from .rollups import rollups_prune

RETENTION_BATCH = 5000  # calls a transaction: each deletes in a few tens of milliseconds and locks only its rows
# Seconds the job rests after a batch per second the batch took. Its batches lock nothing the sync or the admin
# wait for, but they share the database's cores and disk: run flat out, a year of 10M calls added a second to the
# slowest sync batch; resting as long as it works halves its share (docs/design.md, bench/call_retention.py).
RETENTION_PAUSE = 1.0


def retention_start(now: datetime | None = None) -> datetime | None:
    """The start (local midnight) of the first day whose calls are kept, or None when every call is kept
    (PBX_CALL_RETENTION_DAYS is 0). Whole local days go, so a day's rollups never count calls that are gone."""
    days = settings.PBX_CALL_RETENTION_DAYS
    if days <= 0:
        return None
    today = timezone.localtime(now or timezone.now(), LOCAL).date()
    return datetime.combine(today - timedelta(days=days), datetime.min.time(), LOCAL)


def calls_prune(shop: Shop, before: datetime, *, batch: int = RETENTION_BATCH, pause: float = RETENTION_PAUSE) -> int:
    """Delete `shop`'s calls started before `before` (a local midnight), oldest first, `batch` a transaction, then
    the daily and hourly rollups of the days before it. Each batch starts where the last one ended: deleted rows
    stay in the index until a vacuum, and a batch that looked for the oldest call again would walk past them all.
    After each batch the job sleeps `pause` times what the batch took, outside any transaction."""
    deleted, since = 0, None
    while True:
        started = time.monotonic()
        doomed = CallRecord.objects.filter(shop=shop, started_at__lt=before)
        if since is not None:
            doomed = doomed.filter(started_at__gte=since)
        chunk = list(doomed.order_by("started_at", "id").values_list("pk", "started_at")[:batch])
        if not chunk:
            break
        with transaction.atomic():
            deleted += CallRecord.objects.filter(pk__in=[pk for pk, _ in chunk]).delete()[0]
        since = chunk[-1][1]
        time.sleep((time.monotonic() - started) * pause)
    day = before.astimezone(LOCAL).date()
    with transaction.atomic():
        rollups_prune(shop, day)
    return deleted


def calls_retention_work(run: SyncRun) -> dict:
    """Sync-run work (daily): every shop's calls from before the retention window, and their rollups, deleted."""
    before = retention_start()
    if before is None:
        return {"calls": 0}
    deleted = sum(
        calls_prune(shop, before, batch=RETENTION_BATCH, pause=RETENTION_PAUSE)
        for shop in Shop.objects.order_by("pk").iterator()
    )
    return {"calls": deleted}


class CallRetention(jobs.Job):
    """Daily: calls older than PBX_CALL_RETENTION_DAYS and their rollups deleted (nothing when it is 0)."""

    kind, label = "call_retention", _("Deletion of calls past their retention")
    schedule_name, schedule_type = "pbx: delete calls past their retention", jobs.DAILY

    @classmethod
    def work(cls, run):
        return calls_retention_work(run)
