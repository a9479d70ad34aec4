"""PBX_CALL_RETENTION_DAYS: the daily job deletes whole local days of calls and their rollups; syncs stop fetching
what it would delete; 0 keeps everything."""

from datetime import date, datetime, timedelta
from itertools import count
from types import SimpleNamespace

from django.db import connection
from django.db.models import Min, Sum
from django.utils import timezone

from pbx import retention, rollups
from pbx.call_rows import LOCAL
from pbx.models import CallDaily, CallHourly, CallMonthly, CallMonthlyHour, CallRecord, CallSyncState
from shops import tasks
from shops.models import SyncRun

from .conftest import PBX_SHOP, sync_calls
from .test_sync import sandbox_call_ids


def _rollups(shop) -> tuple:
    return (
        sorted(CallDaily.objects.filter(shop=shop).values_list("day", "direction", "call_state", "calls")),
        sorted(CallHourly.objects.filter(shop=shop).values_list("day", "hour", "calls")),
        sorted(CallMonthly.objects.filter(shop=shop).values_list("month", "direction", "call_state", "calls")),
        sorted(CallMonthlyHour.objects.filter(shop=shop).values_list("month", "hour", "calls")),
    )


def rollups_match_calls(shop) -> bool:
    """The rollups left, daily, hourly and monthly, are exactly what a recount of the calls left gives."""
    before = _rollups(shop)
    rollups.rollups_refresh(shop, date(2000, 1, 1), date(2100, 1, 1))
    return before == _rollups(shop)


def test_zero_keeps_every_call(pbx_shop, settings):
    settings.PBX_CALL_RETENTION_DAYS = 0
    sync_calls(pbx_shop)
    tasks.run_schedule("call_retention")
    run = SyncRun.objects.get(kind="call_retention")
    assert run.status == "succeeded" and run.counts == {"calls": 0}
    assert CallRecord.objects.filter(shop=pbx_shop).count() == 2400


def test_the_job_deletes_whole_local_days_and_their_rollups_oldest_first_in_batches(pbx_shop, settings, monkeypatch):
    sync_calls(pbx_shop)
    oldest = CallRecord.objects.filter(shop=pbx_shop).aggregate(d=Min("started_day"))["d"]
    today = timezone.localdate()
    settings.PBX_CALL_RETENTION_DAYS = (today - oldest).days // 2
    before = retention.retention_start()
    assert before.hour == 0 and before.minute == 0 and before.tzinfo == LOCAL
    doomed = CallRecord.objects.filter(shop=pbx_shop, started_at__lt=before).count()
    # Calls that share a start time straddle a batch boundary: none is skipped, none is left.
    first = CallRecord.objects.filter(shop=pbx_shop).order_by("started_at", "id")[:12]
    CallRecord.objects.filter(pk__in=[call.pk for call in first]).update(started_at=first[0].started_at)
    monkeypatch.setattr(retention, "RETENTION_BATCH", 7)
    assert 0 < doomed < 2400

    tasks.run_schedule("call_retention")

    run = SyncRun.objects.get(kind="call_retention")
    assert run.status == "succeeded" and run.counts == {"calls": doomed}
    left = CallRecord.objects.filter(shop=pbx_shop)
    assert left.count() == 2400 - doomed
    assert not left.filter(started_at__lt=before).exists()
    assert not CallDaily.objects.filter(shop=pbx_shop, day__lt=before.date()).exists()
    assert not CallHourly.objects.filter(shop=pbx_shop, day__lt=before.date()).exists()
    assert not CallMonthly.objects.filter(shop=pbx_shop, month__lt=before.date().replace(day=1)).exists()
    assert CallDaily.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"] == 2400 - doomed
    assert CallMonthly.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"] == 2400 - doomed
    assert rollups_match_calls(pbx_shop)


def test_the_job_rests_after_each_batch_in_proportion_to_it_outside_any_transaction(pbx_shop, monkeypatch):
    sync_calls(pbx_shop)
    oldest = CallRecord.objects.filter(shop=pbx_shop).aggregate(d=Min("started_day"))["d"]
    before = datetime.combine(oldest + timedelta(days=30), datetime.min.time(), LOCAL)
    doomed = CallRecord.objects.filter(shop=pbx_shop, started_at__lt=before).count()
    readings, rests = count(), []
    clock = SimpleNamespace(
        monotonic=lambda: float(next(readings)),  # each batch reads the clock twice: it takes a second
        sleep=lambda seconds: rests.append((seconds, len(connection.atomic_blocks))),
    )
    monkeypatch.setattr(retention, "time", clock)
    outside = len(connection.atomic_blocks)  # the test's own transaction

    assert retention.calls_prune(pbx_shop, before, batch=10, pause=2.0) == doomed > 10

    assert rests == [(2.0, outside)] * -(-doomed // 10)
    assert not CallRecord.objects.filter(shop=pbx_shop, started_at__lt=before).exists()


def test_a_sync_does_not_fetch_calls_the_job_would_delete(pbx_shop, sandbox, settings):
    settings.PBX_CALL_RETENTION_DAYS = 30
    before = retention.retention_start()
    run = sync_calls(pbx_shop)
    assert run.status == "succeeded", run.error
    stored = set(CallRecord.objects.filter(shop=pbx_shop).values_list("etelecom_id", flat=True))
    assert stored and not CallRecord.objects.filter(shop=pbx_shop, started_at__lt=before).exists()
    everything = sandbox_call_ids(sandbox, PBX_SHOP)
    assert stored < everything
    # Every sandbox call since the retention start is there: the window is cut, not sampled.
    settings.PBX_CALL_RETENTION_DAYS = 0
    CallRecord.objects.filter(shop=pbx_shop).delete()
    CallSyncState.objects.filter(shop=pbx_shop).delete()
    sync_calls(pbx_shop)
    assert stored == set(
        CallRecord.objects.filter(shop=pbx_shop, started_at__gte=before).values_list("etelecom_id", flat=True)
    )
    assert before - timedelta(days=1) > CallRecord.objects.aggregate(m=Min("started_at"))["m"]
