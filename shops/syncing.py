"""The one wrapper around every background job: queue, serialise per (shop, kind), record, keep alive, reap.

A run is created `queued` when it is asked for (so an admin message can link to it), becomes `running` only if no
other run of its kind for its shop is running (a partial unique index decides, across processes), and ends
`succeeded`, `failed` or `skipped`. django-q2 delivers at least once: a run that is no longer queued is not run again.

While a run's work goes on, a thread of its worker stamps `heartbeat_at` every JOB_HEARTBEAT_SECONDS. A run is dead
when it is running and its worker has been silent for STALE_BEATS heartbeats (SIGKILL, a crashed host), or has run
longer than the task time limit (django-q2 kills the worker by then), or is queued while no broker queue holds its
task any more (lost with a Redis broker, or given up after its attempts). `reap` fails dead runs and hands each to
its job's `on_abandon` (a bulk upload resumes). It runs on a schedule of its own, in every fan-out and before a run
starts, never only inside the task that died: a task redelivered after a SIGKILL finds its run no longer queued.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from django_q.tasks import async_task
from redis.exceptions import RedisError

from etelecom import AuthenticationError, EtelecomError

from . import jobs
from .common.people import person
from .common.refusals import describe_error
from .models import Shop, SyncRun
from .services import shop_credential_record

logger = logging.getLogger(__name__)

# Heartbeats a running run may miss before it counts as dead: slack for a busy machine and for a write that waits
# on SQLite's lock (up to its 20 s timeout).
STALE_BEATS = 8

Work = Callable[[SyncRun], dict | None]


def _new_run(kind: str, shop: Shop | None, user) -> SyncRun:
    return SyncRun.objects.create(kind=kind, shop=shop, triggered_by=person(user))


def task_name(run: SyncRun) -> str:
    """The name a run's django-q2 task carries: how the reaper finds it in a broker queue."""
    return f"{run.kind}-{run.pk}"


def enqueue(kind: str, *, shop: Shop | None = None, user=None) -> SyncRun:
    """Record a queued run and hand it to the cluster (`shops.tasks.run_job`) once the surrounding transaction
    commits."""
    if kind not in jobs.JOBS:
        raise ValueError(f"unknown sync kind {kind!r}")
    run = _new_run(kind, shop, user)
    # The SyncRun is the record of a run: django-q2 keeps only the tasks that fail. Each success it keeps makes it
    # read every kept success again to prune them (60 ms a task at the default 5,000 kept, measured).
    transaction.on_commit(lambda: async_task(jobs.RUN_TASK, run.pk, task_name=task_name(run), save=False))
    return run


def enqueue_again(run: SyncRun) -> SyncRun | None:
    """Queue another run of `run`'s kind for its shop (work that stopped part-way, to go on behind the
    runs queued meanwhile); None when one is already queued or running (a fan-out got there first)."""
    try:
        with transaction.atomic():
            return enqueue(run.kind, shop=run.shop)
    except IntegrityError:
        return None


def enqueue_for_shops(kind: str, shops) -> int:
    """Queue one run per shop, leaving out shops that already have a run of this kind queued or running (a slow
    cycle is not piled on by the next). Dead runs are reaped first, so a killed run holds up one cycle at most.
    The cluster's workers bound how many shops sync at once."""
    reap(kind=kind)
    pending = SyncRun.objects.filter(
        kind=kind, shop__isnull=False, status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]
    ).values("shop_id")
    count = 0
    # A list, not a server-side cursor: the ORM broker closes a connection past CONN_MAX_AGE before each enqueue.
    for shop in list(shops.exclude(pk__in=pending)):
        enqueue(kind, shop=shop)
        count += 1
    return count


def execute(run_id: int, work: Work) -> SyncRun:
    """Run `work(run)` for a queued run; it returns the counts to record. Never raises for eTelecom errors."""
    run = SyncRun.objects.select_related("shop").get(pk=run_id)
    if run.status != SyncRun.Status.QUEUED:
        return run  # a redelivered task whose run already happened, or was reaped
    try:
        # One transaction (one turn at SQLite's write lock): a dead run of this kind for this shop is failed first,
        # or the unique index would skip this one.
        with transaction.atomic():
            reaped = _fail_dead(SyncRun.objects.filter(kind=run.kind, shop=run.shop), timezone.now())
            started = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).update(
                status=SyncRun.Status.RUNNING, worker=_worker()
            )
            # The start is read from the clock once the slot is held, so it comes after the previous run's end: a
            # worker that read the clock, then waited (for the index, or for a CPU on a busy host), and took the
            # slot after the other run ended would otherwise be recorded as overlapping it (bench/scale_out.py).
            now = timezone.now()
            if started:
                SyncRun.objects.filter(pk=run.pk).update(started_at=now, heartbeat_at=now)
    except IntegrityError:
        _finish(run, SyncRun.Status.SKIPPED, error=_("Another run of this kind for this shop was still running."))
        return run
    _hand_over(reaped)
    if not started:
        run.refresh_from_db()
        return run
    run.status, run.started_at = SyncRun.Status.RUNNING, now
    try:
        with Heartbeat(run):
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


def run_now(kind: str, work: Work | None = None, *, shop: Shop | None = None, user=None) -> SyncRun:
    """Create and execute a run in this process (scheduled jobs that already run in a worker, the demo); the
    work is the job's unless given."""
    return execute(_new_run(kind, shop, user).pk, work or jobs.get(kind).work)


def _finish(run: SyncRun, status: str, *, counts: dict | None = None, error: str = "") -> None:
    """Record how the run ended, unless the reaper ended it first (it was taken for dead: its verdict stands)."""
    finished = timezone.now()
    ended = SyncRun.objects.filter(pk=run.pk, status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]).update(
        status=status, finished_at=finished, counts=counts or {}, error=error
    )
    if ended:
        run.status, run.finished_at, run.counts, run.error = status, finished, counts or {}, error
    else:
        run.refresh_from_db()


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


class Heartbeat:
    """While a run's work goes on, a thread of its worker stamps the run every JOB_HEARTBEAT_SECONDS, whatever the
    work is doing (waiting 30 s on eTelecom, writing 20,000 rows); a SIGKILL stops it with the worker."""

    def __init__(self, run: SyncRun):
        self.run_id = run.pk
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{run.pk}")

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    SyncRun.objects.filter(pk=self.run_id, status=SyncRun.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:  # the next beat tries again; STALE_BEATS leaves room for a few misses
                    logger.warning("run %s: heartbeat not written", self.run_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


# --- reaping dead runs ---------------------------------------------------------------------------------------


def _dead(now) -> Q:
    """Running runs whose worker is gone: silent for STALE_BEATS heartbeats, or past the task time limit (the only
    rule for a run without a heartbeat, started by a worker from before heartbeats)."""
    silent = now - timedelta(seconds=settings.JOB_HEARTBEAT_SECONDS * STALE_BEATS)
    too_old = now - timedelta(seconds=settings.Q_CLUSTER["timeout"])
    return Q(status=SyncRun.Status.RUNNING) & (Q(heartbeat_at__lt=silent) | Q(started_at__lt=too_old))


def alive(run: SyncRun) -> bool:
    """Whether a run is queued, or running with a worker that shows signs of life: what `reap` leaves alone (a
    queued run whose task was lost is found only by `reap`, which reads the broker)."""
    if run.status != SyncRun.Status.RUNNING:
        return run.status == SyncRun.Status.QUEUED
    return not SyncRun.objects.filter(_dead(timezone.now()), pk=run.pk).exists()


def _fail_dead(runs, now) -> list[int]:
    """Fail the dead running runs among `runs`; returns the ids this call failed (a concurrent reaper takes the
    others), for `_hand_over`."""
    failed = []
    for pk in runs.filter(_dead(now)).values_list("pk", flat=True):
        if runs.filter(_dead(now), pk=pk).update(
            status=SyncRun.Status.FAILED, finished_at=now, error=_("Abandoned: the worker stopped.")
        ):
            failed.append(pk)
    return failed


def _fail_lost(runs, now) -> list[int]:
    """Fail the queued runs whose task no broker queue holds any more. A task waits in its queue until a worker
    acknowledges it (ORM broker), or until a cluster takes it (Redis), so a queued run is only suspected after
    Q_CLUSTER["retry"] seconds, which must exceed the task time limit plus the wait in the queue."""
    since = now - timedelta(seconds=settings.Q_CLUSTER["retry"])
    suspects = list(runs.filter(status=SyncRun.Status.QUEUED, queued_at__lt=since))
    if not suspects:
        return []
    waiting = waiting_task_names()
    if waiting is None:
        return []
    failed = []
    for run in suspects:
        if task_name(run) not in waiting and runs.filter(pk=run.pk, status=SyncRun.Status.QUEUED).update(
            status=SyncRun.Status.FAILED, finished_at=now, error=_("Abandoned: its task was lost before it ran.")
        ):
            failed.append(run.pk)
    return failed


def waiting_task_names() -> set[str] | None:
    """The names of the tasks the cluster's broker still holds, or None when its queue cannot be read (another kind
    of broker, or the broker is down: nothing is taken for lost then)."""
    broker = get_broker()
    try:
        if isinstance(broker, ORM):
            payloads = list(OrmQ.objects.using(Conf.ORM).filter(key=broker.list_key).values_list("payload", flat=True))
        elif isinstance(broker, Redis):
            payloads = broker.connection.lrange(broker.list_key, 0, -1)
        else:
            return None
    except (DatabaseError, RedisError):
        logger.warning("the broker's queue could not be read", exc_info=True)
        return None
    names = set()
    for payload in payloads:
        try:
            names.add(SignedPackage.loads(payload).get("name"))
        except Exception:  # a package signed with another key or from another version: not one of ours
            continue
    return names


def _hand_over(failed: list[int]) -> None:
    """Give each run just failed as dead to its job's `on_abandon`; one that fails does not stop the others."""
    for run in SyncRun.objects.filter(pk__in=failed).select_related("shop"):
        if run.kind not in jobs.JOBS:
            continue
        try:
            jobs.JOBS[run.kind].on_abandon(run)
        except Exception:
            logger.exception("run %s (%s): its kind's on_abandon failed", run.pk, run.kind)


def reap(*, kind: str | None = None) -> int:
    """Fail every dead run (of `kind`, or of every kind) and hand each to its kind's `on_abandon`; returns how
    many. Scheduled every minute (the `reaper` job) and called by every fan-out."""
    now = timezone.now()
    runs = SyncRun.objects.filter(status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING])
    if kind is not None:
        runs = runs.filter(kind=kind)
    failed = _fail_dead(runs, now) + _fail_lost(runs, now)
    _hand_over(failed)
    return len(failed)
