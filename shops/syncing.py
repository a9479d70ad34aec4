"""The one wrapper around every background sync: queue, serialise per (shop, kind), record, map errors.

A run is created `queued` when it is asked for (so an admin message can link to it), becomes `running` only if no
other run of its kind for its shop is running (a partial unique index decides, across processes), and ends
`succeeded`, `failed` or `skipped`. django-q2 delivers at least once: a run that is no longer queued is not run again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.tasks import async_task

from etelecom import AuthenticationError, EtelecomError

from .messages import describe_error
from .models import Shop, SyncRun
from .services import shop_credential_record

logger = logging.getLogger(__name__)

# kind -> label; apps register theirs in their AppConfig.ready().
KINDS: dict[str, str] = {}


def register_kind(kind: str, label) -> None:
    KINDS[kind] = label


register_kind("credential_check", gettext_lazy("Credential check"))
register_kind("shop_import", gettext_lazy("Import partner shops"))

Work = Callable[[SyncRun], dict | None]


def _new_run(kind: str, shop: Shop | None, user) -> SyncRun:
    return SyncRun.objects.create(kind=kind, shop=shop, triggered_by=user if user and user.is_authenticated else None)


def enqueue(kind: str, task: str, *, shop: Shop | None = None, user=None) -> SyncRun:
    """Record a queued run and hand `task(run_id)` to the cluster once the surrounding transaction commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown sync kind {kind!r}")
    run = _new_run(kind, shop, user)
    # The SyncRun is the record of a run: django-q2 keeps only the tasks that fail. Each success it keeps makes it
    # read every kept success again to prune them (60 ms a task at the default 5,000 kept, measured).
    transaction.on_commit(lambda: async_task(task, run.pk, task_name=f"{kind}-{run.pk}", save=False))
    return run


def enqueue_for_shops(kind: str, task: str, shops) -> int:
    """Queue one run per shop, leaving out shops that already have a run of this kind queued or running (a slow
    cycle is not piled on by the next). The cluster's workers bound how many shops sync at once."""
    pending = SyncRun.objects.filter(
        kind=kind, shop__isnull=False, status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]
    ).values("shop_id")
    count = 0
    for shop in shops.exclude(pk__in=pending).iterator():
        enqueue(kind, task, shop=shop)
        count += 1
    return count


def execute(run_id: int, work: Work) -> SyncRun:
    """Run `work(run)` for a queued run; it returns the counts to record. Never raises for eTelecom errors."""
    run = SyncRun.objects.select_related("shop").get(pk=run_id)
    if run.status != SyncRun.Status.QUEUED:
        return run  # a redelivered task whose run already happened
    now = timezone.now()
    try:
        with transaction.atomic():
            _abandon_stale(run, now)
            started = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).update(
                status=SyncRun.Status.RUNNING, started_at=now
            )
    except IntegrityError:
        _finish(run, SyncRun.Status.SKIPPED, error=_("Another run of this kind for this shop was still running."))
        return run
    if not started:
        run.refresh_from_db()
        return run
    run.status, run.started_at = SyncRun.Status.RUNNING, now
    try:
        counts = work(run) or {}
    except AuthenticationError as exc:
        if run.shop is not None:
            shop_credential_record(shop=run.shop, error=exc)
        _finish(run, SyncRun.Status.FAILED, error=describe_error(exc))
    except EtelecomError as exc:
        _finish(run, SyncRun.Status.FAILED, error=describe_error(exc))
    except Exception as exc:
        logger.exception("sync run %s (%s) failed", run.pk, run.kind)
        _finish(
            run,
            SyncRun.Status.FAILED,
            error=_("Internal error (%(kind)s); see the server log.") % {"kind": type(exc).__name__},
        )
    else:
        _finish(run, SyncRun.Status.SUCCEEDED, counts=counts)
    return run


def run_now(kind: str, work: Work, *, shop: Shop | None = None, user=None) -> SyncRun:
    """Create and execute a run in this process (scheduled jobs that already run in a worker, the demo)."""
    return execute(_new_run(kind, shop, user).pk, work)


def _finish(run: SyncRun, status: str, *, counts: dict | None = None, error: str = "") -> None:
    run.status, run.finished_at, run.counts, run.error = status, timezone.now(), counts or {}, error
    run.save(update_fields=["status", "finished_at", "counts", "error"])


def _abandon_stale(run: SyncRun, now) -> None:
    """A worker killed mid-run leaves its run `running`: past the task time limit it cannot still be alive."""
    cutoff = now - timedelta(seconds=settings.Q_CLUSTER["timeout"])
    SyncRun.objects.filter(kind=run.kind, shop=run.shop, status=SyncRun.Status.RUNNING, started_at__lt=cutoff).update(
        status=SyncRun.Status.FAILED, finished_at=now, error=_("Abandoned: the worker stopped.")
    )
