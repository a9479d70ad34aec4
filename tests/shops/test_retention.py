"""What is kept how long: the daily pruning job deletes rows past their retention, in short batches, and never a
run still going, the latest run of a kind, or a webhook event that was not dealt with. Runs on SQLite and, with
DATABASE_URL, on PostgreSQL."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import Schedule

from shops import retention, tasks
from shops.models import ApiCall, SyncRun, WebhookEvent

from .factories import make_shop

pytestmark = pytest.mark.django_db


def _run(shop, days_ago, status="succeeded", kind="oa_sync"):
    at = timezone.now() - timedelta(days=days_ago)
    run = SyncRun.objects.create(shop=shop, kind=kind, status=status, started_at=at)
    finished = None if status in ("queued", "running") else at
    SyncRun.objects.filter(pk=run.pk).update(queued_at=at, finished_at=finished)
    return run


def _event(shop, days_ago, status, key):
    event = WebhookEvent.objects.create(shop=shop, kind="x", dedupe_key=key, body={}, status=status)
    WebhookEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(days=days_ago))
    return event


def test_old_runs_go_but_running_ones_and_the_latest_of_each_kind_stay(settings):
    settings.RETENTION_SYNC_RUNS_DAYS = 30
    a, b = make_shop("A"), make_shop("B")
    old = [_run(a, 60), _run(a, 50, "failed"), _run(a, 40, "skipped")]
    running = _run(a, 45, "running")
    queued = _run(a, 45, "queued", kind="consent_sync")
    recent = _run(a, 5)
    only_one_of_its_kind = _run(b, 90, kind="call_sync")
    global_old, global_latest = _run(None, 90, kind="shop_import"), _run(None, 80, kind="shop_import")

    counts = tasks.run_schedule("retention")

    kept = set(SyncRun.objects.exclude(kind="retention").values_list("pk", flat=True))
    assert kept == {running.pk, queued.pk, recent.pk, only_one_of_its_kind.pk, global_latest.pk}
    assert counts["sync_runs"] == len(old) + 1 and not kept & {run.pk for run in [*old, global_old]}
    assert SyncRun.objects.get(kind="retention").status == "succeeded"


def test_only_webhook_events_dealt_with_go(settings):
    settings.RETENTION_WEBHOOK_EVENTS_DAYS = 30
    shop = make_shop("A")
    gone = [_event(shop, 31, "processed", "1"), _event(shop, 400, "skipped", "2")]
    kept = [
        _event(shop, 400, "failed", "3"),
        _event(shop, 400, "unknown", "4"),
        _event(shop, 29, "processed", "5"),
    ]
    assert retention.prune()["webhook_events"] == len(gone)
    assert set(WebhookEvent.objects.values_list("pk", flat=True)) == {event.pk for event in kept}


def test_api_calls_login_records_and_expired_sessions_go(settings):
    settings.API_CALL_RETENTION_DAYS, settings.RETENTION_AXES_DAYS = 30, 90
    now = timezone.now()
    for days in (1, 29, 31, 400):
        ApiCall.objects.create(method="Shop/CurrentShop", duration_ms=1, created_at=now - timedelta(days=days))
    for days in (1, 100):
        log = AccessLog.objects.create(user_agent="x", ip_address="10.0.0.1", username="u", http_accept="*/*")
        attempt = AccessAttempt.objects.create(
            user_agent="x", ip_address="10.0.0.1", username=f"u{days}", http_accept="*/*", failures_since_start=1
        )
        for model, row in ((AccessLog, log), (AccessAttempt, attempt)):
            model.objects.filter(pk=row.pk).update(attempt_time=now - timedelta(days=days))
    live = SessionStore()
    live.create()
    expired = SessionStore()
    expired.set_expiry(-10)
    expired.create()

    counts = retention.prune()

    assert counts["api_calls"] == 2 and ApiCall.objects.count() == 2
    assert counts["login_attempts"] == 2 and AccessLog.objects.count() == AccessAttempt.objects.count() == 1
    assert counts["sessions"] == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_rows_go_in_short_batches_by_primary_key_range(settings):
    """Each batch is its own DELETE over a range of primary keys (no statement covers the whole table), and a long
    gap in the keys costs one query, not one per empty range."""
    shop = make_shop("A")
    first = [_event(shop, 100, "processed", f"a{n}") for n in range(5)]
    WebhookEvent.objects.filter(pk=first[-1].pk).update(id=first[-1].pk + 10_000)
    with CaptureQueriesContext(connection) as queries:
        deleted = retention.delete_in_batches(retention.old_webhook_events(), batch=2)
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert deleted == 5 and not WebhookEvent.objects.exists()
    assert len(deletes) == 3  # pks {1,2}, {3,4}, {last}: the 5,000 empty ranges between were skipped
    assert all('"id" >=' in sql or '"id" IN' in sql for sql in deletes)


def test_setup_schedules_declares_the_pruning_job_and_drops_the_one_it_replaced(capsys):
    Schedule.objects.create(name="shops: prune the API-call log", func="shops.tasks.prune_api_calls")
    Schedule.objects.create(name="an operator's own", func="somewhere.else.job")
    call_command("setup_schedules")
    names = set(Schedule.objects.values_list("name", flat=True))
    assert "shops: delete rows past their retention" in names and "an operator's own" in names
    assert "shops: prune the API-call log" not in names
    assert "removed: shops: prune the API-call log" in capsys.readouterr().out
