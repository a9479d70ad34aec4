"""The directory and call-history syncs against the sandbox: complete, incremental, resumable, idempotent."""

import os
import subprocess
import threading
import time

from django.db.models import Sum

from etelecom import pbx as pbx_api
from etelecom.client import Client
from pbx import calls, directory, fetcher
from pbx.models import CallDaily, CallRecord, CallSyncState, Extension, Hotline, PbxUser, Tenant
from shops.models import ApiCall

from .conftest import PBX_SHOP, sync_calls


def sandbox_call_ids(sandbox, name=PBX_SHOP) -> set[str]:
    client = Client(sandbox.partner_base_url, sandbox.shop(name)["shop_key"])
    return {call["id"] for page, _ in pbx_api.iter_call_log_pages(client) for call in page}


def test_the_directory_sync_mirrors_tenant_hotlines_users_and_extensions(pbx_shop, sandbox):
    tenant = Tenant.objects.get(shop=pbx_shop)
    assert tenant.status == "P" and tenant.owner_id and tenant.connection_id and tenant.domain
    assert Hotline.objects.filter(shop=pbx_shop).count() == 2
    assert PbxUser.objects.filter(shop=pbx_shop).count() == 3
    remote = {e["id"]: e for e in sandbox.control.pbx()["extensions"][sandbox.shop(PBX_SHOP)["id"]]}
    extensions = Extension.objects.filter(shop=pbx_shop).select_related("hotline", "user")
    assert {e.etelecom_id for e in extensions} == set(remote)
    for extension in extensions:
        password = remote[extension.etelecom_id]["extension_password"]
        assert password not in extension.password_ciphertext and extension.password == password
        assert extension.password_hint == "…" + password[-4:]
        assert extension.hotline.etelecom_id == remote[extension.etelecom_id]["hotline_id"]
    assert sum(1 for e in extensions if e.user is None) == 1


def test_a_first_sync_stores_exactly_the_sandbox_calls_and_their_rollups(pbx_shop, sandbox):
    run = sync_calls(pbx_shop)
    assert run.status == "succeeded", run.error
    assert run.counts == {"calls": 2400, "new": 2400, "resumed": 0}
    stored = set(CallRecord.objects.filter(shop=pbx_shop).values_list("etelecom_id", flat=True))
    assert stored == sandbox_call_ids(sandbox)
    daily = CallDaily.objects.filter(shop=pbx_shop)
    assert daily.aggregate(n=Sum("calls"))["n"] == 2400
    assert daily.aggregate(s=Sum("total_duration"))["s"] == CallRecord.objects.aggregate(s=Sum("duration"))["s"]
    call = CallRecord.objects.filter(shop=pbx_shop, extension__isnull=False).select_related("extension").first()
    assert call.hotline_id == call.extension.hotline_id and call.hotline_etelecom_id
    assert ApiCall.objects.filter(shop=pbx_shop, method="Etelecom/ListCallLogs").count() == 3


def test_the_next_sync_reads_only_the_overlap_and_adds_new_calls(pbx_shop, sandbox):
    sync_calls(pbx_shop)
    added = sandbox.control.add_calls(sandbox.shop(PBX_SHOP)["id"], 7)
    sandbox.control.clear_requests()
    run = sync_calls(pbx_shop)
    assert run.counts["new"] == 7 and run.counts["calls"] < 100  # only the overlap window is listed again
    assert sandbox.control.received("Etelecom/ListCallLogs") == 1
    assert set(added) <= set(CallRecord.objects.values_list("etelecom_id", flat=True))
    assert CallDaily.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"] == 2407
    assert sync_calls(pbx_shop).counts["new"] == 0


def test_a_sync_that_dies_half_way_resumes_and_ends_with_exactly_the_sandbox_calls(
    pbx_shop, sandbox, settings, monkeypatch
):
    # A transaction every 5 pages of this 13-page history; pages 6 on are listed by the fetcher process.
    monkeypatch.setattr(calls, "CALL_BATCH", 5000)
    shop_id = sandbox.shop(PBX_SHOP)["id"]
    sandbox.control.set_call_history(shop_id, 12_345, days=400)
    settings.ETELECOM_MAX_RETRIES = 0
    # Pages 1-5 are stored in one transaction with their cursor; page 6 is read, page 7 fails: the run dies.
    sandbox.control.faults(next=["ok"] * 6 + ["5xx"], methods=["Etelecom/ListCallLogs"])
    failed = sync_calls(pbx_shop)
    assert failed.status == "failed" and "503" in failed.error
    assert CallRecord.objects.filter(shop=pbx_shop).count() == 5000
    assert CallSyncState.objects.get(shop=pbx_shop).pass_cursor

    sandbox.control.add_calls(shop_id, 3)  # calls keep coming in between
    sandbox.control.clear_requests()
    resumed = sync_calls(pbx_shop)
    assert resumed.status == "succeeded" and resumed.counts["resumed"] == 1
    assert sandbox.control.received("Etelecom/ListCallLogs") == 8  # pages 6 to 13, not the stored ones again
    again = sync_calls(pbx_shop)  # the next pass picks up the calls that arrived during the resumed one
    assert again.counts["new"] == 3
    stored = list(CallRecord.objects.filter(shop=pbx_shop).values_list("etelecom_id", flat=True))
    assert len(stored) == len(set(stored)) == 12_348
    assert set(stored) == sandbox_call_ids(sandbox)
    assert CallDaily.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"] == 12_348


class Fetchers(list):
    """Every process started while it is installed, with what it was started with."""

    def install(self, monkeypatch):
        started = self

        class Recorded(subprocess.Popen):
            def __init__(self, args, **kwargs):
                super().__init__(args, **kwargs)
                started.append((self, args, kwargs.get("env") or dict(os.environ)))

        monkeypatch.setattr(fetcher.subprocess, "Popen", Recorded)
        return self


def test_a_pass_past_its_first_batch_is_listed_by_a_fetcher_process_and_loses_nothing(pbx_shop, sandbox, monkeypatch):
    monkeypatch.setattr(calls, "CALL_PAGE", 100)
    monkeypatch.setattr(calls, "CALL_BATCH", 500)  # pages 1-5 here, pages 6-24 in the fetcher
    started = Fetchers().install(monkeypatch)
    run = sync_calls(pbx_shop)
    assert run.status == "succeeded", run.error
    assert run.counts == {"calls": 2400, "new": 2400, "resumed": 0}
    [(process, args, env)] = started
    assert args[-2:] == ["-m", "pbx.fetcher"] and process.returncode is not None
    key = pbx_shop.credential
    assert key not in " ".join(args) and all(key not in value for value in env.values())
    stored = list(CallRecord.objects.filter(shop=pbx_shop).values_list("etelecom_id", flat=True))
    assert len(stored) == len(set(stored)) and set(stored) == sandbox_call_ids(sandbox)
    assert CallDaily.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"] == 2400
    # The fetcher's calls are audited like the others: one row a page, written by the sync.
    assert ApiCall.objects.filter(shop=pbx_shop, method="Etelecom/ListCallLogs", job="call_sync").count() == 24


def test_a_fetcher_killed_mid_pass_fails_the_run_and_the_next_run_ends_with_exactly_the_sandbox_calls(
    pbx_shop, sandbox, monkeypatch
):
    monkeypatch.setattr(calls, "CALL_PAGE", 100)
    monkeypatch.setattr(calls, "CALL_BATCH", 500)
    started = Fetchers().install(monkeypatch)
    sandbox.control.faults(next=["ok"] * 9 + ["hang"], methods=["Etelecom/ListCallLogs"], hang_seconds=5)

    def kill_the_fetcher_in_its_hanging_call():
        while not started or sandbox.control.received("Etelecom/ListCallLogs") < 10:
            time.sleep(0.02)
        started[0][0].kill()

    killer = threading.Thread(target=kill_the_fetcher_in_its_hanging_call, daemon=True)
    killer.start()
    failed = sync_calls(pbx_shop)
    killer.join(timeout=5)
    assert failed.status == "failed" and "FetcherStopped" in failed.error
    assert CallRecord.objects.filter(shop=pbx_shop).count() == 500  # the first batch; pages 6-9 were not stored
    assert CallSyncState.objects.get(shop=pbx_shop).pass_cursor

    sandbox.control.faults()
    resumed = sync_calls(pbx_shop)
    assert resumed.status == "succeeded" and resumed.counts["resumed"] == 1
    stored = list(CallRecord.objects.filter(shop=pbx_shop).values_list("etelecom_id", flat=True))
    assert len(stored) == len(set(stored)) == 2400 and set(stored) == sandbox_call_ids(sandbox)
    assert CallDaily.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"] == 2400


def test_a_shop_without_a_tenant_syncs_nothing_and_succeeds(shops):
    from shops import syncing

    run = syncing.run_now("pbx_sync", directory.directory_sync_work, shop=shops["Phở Hà Nội 36"])
    assert run.status == "succeeded" and run.counts["tenant"] == 0


def test_a_call_log_webhook_stores_the_call_and_counts_it_at_once(pbx_shop, sandbox, client):
    from django.urls import reverse

    sync_calls(pbx_shop)
    shop_id = sandbox.shop(PBX_SHOP)["id"]
    new_id = sandbox.control.add_calls(shop_id, 1)[0]
    record = next(
        c
        for page, _ in pbx_api.iter_call_log_pages(
            Client(sandbox.partner_base_url, sandbox.shop(PBX_SHOP)["shop_key"]), filter={}, limit=1
        )
        for c in page
    )
    assert record["id"] == new_id
    url = reverse("etelecom_webhook", args=[pbx_shop.webhook_secret])
    event = {"id": "evt-call-1", "entity": "call_log", "type": "call_log_created", "data": record}
    for _ in range(2):  # a repeat is stored once
        answer = client.post(url, event, content_type="application/json")
        assert answer.status_code == 200
    assert answer.json()["duplicate"] is True
    call = CallRecord.objects.get(etelecom_id=new_id)
    assert call.extension is not None and call.hotline is not None
    assert CallDaily.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"] == 2401
    assert sync_calls(pbx_shop).counts["new"] == 0  # the next sync finds it already stored


def test_a_call_log_event_without_a_call_is_kept_as_failed(pbx_shop, client):
    from django.urls import reverse

    url = reverse("etelecom_webhook", args=[pbx_shop.webhook_secret])
    answer = client.post(url, {"id": "bad", "entity": "call_log", "data": {"id": "1"}}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "failed"
    assert not CallRecord.objects.exists()


def test_a_long_pass_stops_after_its_time_and_goes_on_in_a_run_queued_behind_the_others(
    pbx_shop, sandbox, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from shops import syncing, tasks
    from shops.models import SyncRun

    monkeypatch.setattr(calls, "CALL_PAGE", 100)
    monkeypatch.setattr(calls, "CALL_BATCH", 500)
    settings.PBX_CALL_SYNC_RUN_SECONDS = 1e-6  # every run stops after its first batch
    run = syncing.enqueue("call_sync", shop=pbx_shop)
    runs = 0
    with django_capture_on_commit_callbacks() as handed_to_the_broker:
        while run is not None:
            tasks.run_job(run.pk)
            run.refresh_from_db()
            runs += 1
            assert run.status == "succeeded", run.error
            run = SyncRun.objects.filter(shop=pbx_shop, kind="call_sync", status="queued").first()
            assert (run is None) == (not CallSyncState.objects.get(shop=pbx_shop).pass_to)
    assert runs == 5  # 2,400 calls, 500 a run
    assert len(handed_to_the_broker) == 4  # each continuation is a task queued behind the others
    stored = list(CallRecord.objects.filter(shop=pbx_shop).values_list("etelecom_id", flat=True))
    assert len(stored) == len(set(stored)) == 2400 and set(stored) == sandbox_call_ids(sandbox)
    assert CallDaily.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"] == 2400
    assert SyncRun.objects.filter(shop=pbx_shop, kind="call_sync").count() == 5


def test_a_first_pass_over_calls_a_webhook_stored_already_stores_each_once(pbx_shop, sandbox, monkeypatch):
    """A first pass copies its batches straight in; the batches holding calls stored before it (the newest, in
    this process, and the oldest, listed by the fetcher) are upserted instead."""
    monkeypatch.setattr(calls, "CALL_PAGE", 100)
    monkeypatch.setattr(calls, "CALL_BATCH", 500)
    client = Client(sandbox.partner_base_url, sandbox.shop(PBX_SHOP)["shop_key"])
    listed = [call for page, _ in pbx_api.iter_call_log_pages(client) for call in page]
    for record in listed[:3] + listed[-3:]:
        calls.call_event(pbx_shop, {"data": dict(record, note="from the webhook")})
    run = sync_calls(pbx_shop)
    assert run.status == "succeeded", run.error
    assert run.counts == {"calls": 2400, "new": 2394, "resumed": 0}
    stored = list(CallRecord.objects.filter(shop=pbx_shop).values_list("etelecom_id", flat=True))
    assert len(stored) == len(set(stored)) == 2400 and set(stored) == sandbox_call_ids(sandbox)
    assert not CallRecord.objects.filter(note="from the webhook").exists()  # the listing's version won
    assert CallDaily.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"] == 2400


def test_a_crash_between_a_batchs_copy_and_its_commit_loses_the_batch_and_its_cursor_together(
    pbx_shop, sandbox, monkeypatch
):
    monkeypatch.setattr(calls, "CALL_PAGE", 100)
    monkeypatch.setattr(calls, "CALL_BATCH", 500)
    recount, batches = calls.rollups_refresh, []

    def crash_in_the_third_batch(*args):
        batches.append(args)
        if len(batches) == 3:
            raise RuntimeError("worker killed")
        recount(*args)

    monkeypatch.setattr(calls, "rollups_refresh", crash_in_the_third_batch)
    failed = sync_calls(pbx_shop)
    assert failed.status == "failed" and "RuntimeError" in failed.error
    assert CallRecord.objects.filter(shop=pbx_shop).count() == 1000  # two batches; the third's COPY undone
    cursor = CallSyncState.objects.get(shop=pbx_shop).pass_cursor
    assert cursor

    resumed = sync_calls(pbx_shop)
    assert resumed.status == "succeeded" and resumed.counts["resumed"] == 1
    stored = list(CallRecord.objects.filter(shop=pbx_shop).values_list("etelecom_id", flat=True))
    assert len(stored) == len(set(stored)) == 2400 and set(stored) == sandbox_call_ids(sandbox)
    assert CallDaily.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"] == 2400
