"""Runs whose worker died: a heartbeat while a run works, and a reaper, independent of the task that died, that fails
dead runs so the next cycle runs them again (tests/security/test_kills.py kills real workers)."""

import os
import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule

from pbx.models import Tenant
from shops import jobs, syncing, tasks
from shops.models import SyncRun

from .factories import make_shop


def dead_run(shop, kind="credential_check", **fields) -> SyncRun:
    """A run as a SIGKILLed worker leaves it: running, its last heartbeat long ago."""
    long_ago = timezone.now() - timedelta(hours=1)
    return SyncRun.objects.create(
        shop=shop, kind=kind, status="running", started_at=long_ago, heartbeat_at=long_ago, **fields
    )


@pytest.mark.django_db(transaction=True)
def test_a_long_run_shows_signs_of_life_and_is_not_reaped(settings):
    """The heartbeat is written by a thread with a connection of its own: outside a test transaction here, as in a
    worker (SQLite's shared in-memory test database would lock it out of one)."""
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    shop = make_shop("A")
    seen = []

    def work(run):
        time.sleep(0.6)  # twelve heartbeats: only the heartbeat keeps the run from looking dead
        seen.append((SyncRun.objects.get(pk=run.pk), syncing.reap()))
        return {}

    run = syncing.run_now("credential_check", work, shop=shop)
    during, reaped = seen[0]
    assert run.status == "succeeded" and reaped == 0 and syncing.alive(during) is True
    assert during.heartbeat_at > during.started_at + timedelta(seconds=0.3)
    assert during.worker == f"{socket.gethostname()}:{os.getpid()}"


def test_the_reaper_fails_silent_runs_and_runs_past_the_time_limit_and_no_others(db, settings):
    a, b, c = make_shop("A"), make_shop("B"), make_shop("C")
    silent = dead_run(a)
    now = timezone.now()
    overdue = SyncRun.objects.create(
        shop=b,
        kind="credential_check",
        status="running",
        heartbeat_at=now,
        started_at=now - timedelta(seconds=settings.Q_CLUSTER["timeout"] + 1),
    )
    alive = SyncRun.objects.create(shop=c, kind="credential_check", status="running", started_at=now, heartbeat_at=now)
    # Started by a worker from before heartbeats: only the task time limit says it is dead.
    legacy = SyncRun.objects.create(
        shop=make_shop("D"), kind="credential_check", status="running", started_at=now - timedelta(minutes=5)
    )
    assert tasks.run_schedule("reaper") == 2
    for run in (silent, overdue, alive, legacy):
        run.refresh_from_db()
    assert (silent.status, overdue.status, alive.status, legacy.status) == ("failed", "failed", "running", "running")
    assert "Abandoned" in silent.error and silent.finished_at is not None
    assert not syncing.alive(silent) and syncing.alive(alive)


def test_the_reaper_runs_every_minute():
    assert {
        "name": "shops: reap runs whose worker died",
        "func": "shops.tasks.run_schedule",
        "args": "'reaper'",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    } in jobs.schedules()


def test_after_a_killed_call_sync_the_next_scheduled_cycle_syncs_that_shop(db):
    shop = make_shop("A")
    Tenant.objects.create(shop=shop, etelecom_id="900001", owner_id="1", status="P")
    killed = dead_run(shop, kind="call_sync")
    assert tasks.run_schedule("call_sync") == 1  # the fan-out reaps first; before, it skipped the shop forever
    killed.refresh_from_db()
    assert killed.status == "failed"
    assert SyncRun.objects.filter(shop=shop, kind="call_sync", status="queued").count() == 1


def test_a_run_that_is_still_alive_holds_the_fan_out_back(db):
    shop = make_shop("A")
    Tenant.objects.create(shop=shop, etelecom_id="900002", owner_id="1", status="P")
    now = timezone.now()
    SyncRun.objects.create(shop=shop, kind="call_sync", status="running", started_at=now, heartbeat_at=now)
    assert tasks.run_schedule("call_sync") == 0


def test_a_run_taken_for_dead_keeps_the_reapers_verdict_when_its_worker_ends_it(db):
    shop = make_shop("A")

    def work(run):
        SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
        assert syncing.reap() == 1  # the run is taken for dead while its worker still runs
        return {"done": 1}

    run = syncing.run_now("credential_check", work, shop=shop)
    assert run.status == "failed" and "Abandoned" in run.error and run.counts == {}


def test_a_redelivered_task_of_a_reaped_run_does_nothing(db):
    shop = make_shop("A")
    run = dead_run(shop)
    syncing.reap()
    calls = []
    syncing.execute(run.pk, lambda r: calls.append(1))
    assert calls == [] and SyncRun.objects.get(pk=run.pk).status == "failed"


def test_a_dead_run_is_handed_to_its_kind_once_and_a_failing_hand_over_stops_no_other(db, monkeypatch):
    handed = []
    monkeypatch.setattr(jobs.get("credential_check"), "on_abandon", classmethod(lambda cls, run: handed.append(run.pk)))
    monkeypatch.setattr(jobs.get("shop_import"), "on_abandon", classmethod(lambda cls, run: 1 / 0))
    broken = dead_run(None, kind="shop_import")
    dead = dead_run(make_shop("A"))
    assert syncing.reap() == 2
    assert syncing.reap() == 0
    assert handed == [dead.pk] and SyncRun.objects.get(pk=broken.pk).status == "failed"


def test_a_queued_run_whose_task_was_lost_is_reaped_and_one_whose_task_waits_is_not(
    db, settings, django_capture_on_commit_callbacks
):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "retry": 60}
    broker = get_broker()
    broker.purge_queue()
    try:
        lost = SyncRun.objects.create(shop=make_shop("A"), kind="credential_check")
        with django_capture_on_commit_callbacks(execute=True):
            waiting = syncing.enqueue("credential_check", shop=make_shop("B"))
        fresh = SyncRun.objects.create(shop=make_shop("C"), kind="credential_check")
        long_ago = timezone.now() - timedelta(minutes=5)
        SyncRun.objects.filter(pk__in=[lost.pk, waiting.pk]).update(queued_at=long_ago)
        assert syncing.waiting_task_names() == {syncing.task_name(waiting)}
        assert syncing.reap() == 1
    finally:
        broker.purge_queue()
    statuses = dict(SyncRun.objects.values_list("pk", "status"))
    assert (statuses[lost.pk], statuses[waiting.pk], statuses[fresh.pk]) == ("failed", "queued", "queued")
    assert "lost" in SyncRun.objects.get(pk=lost.pk).error
