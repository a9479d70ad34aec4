"""Credential checks, the sync-run helper and the API-call audit log."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Task
from django_q.monitor import save_task
from django_q.signing import SignedPackage

from shops import services, syncing, tasks
from shops.models import ApiCall, Shop, SyncRun

from .factories import make_shop


def imported(sandbox) -> list[Shop]:
    syncing.run_now("shop_import", services.import_partner_shops_work)
    return list(Shop.objects.order_by("name"))


def run_queued(kind="credential_check"):
    for run in SyncRun.objects.filter(kind=kind, status=SyncRun.Status.QUEUED).order_by("pk"):
        tasks.run_job(run.pk)


def test_a_revoked_key_marks_its_shop_invalid_and_the_others_carry_on(db, sandbox, settings):
    settings.ETELECOM_MAX_RETRIES = 0
    shops = imported(sandbox)
    revoked = shops[3]
    sandbox.control.shop_action(revoked.etelecom_id, "revoke")
    sandbox.control.faults(next=["5xx"], methods=["Shop/CurrentShop"])
    assert tasks.run_schedule("credential_check") == len(shops)
    run_queued()
    revoked.refresh_from_db()
    assert revoked.credential_status == Shop.CredentialStatus.INVALID
    assert "Shop/CurrentShop 401" in revoked.credential_error
    runs = SyncRun.objects.filter(kind="credential_check").order_by("pk")
    statuses = dict(runs.values_list("shop__name", "status"))
    assert statuses.pop(revoked.name) == "failed"
    unlucky = runs.first()  # the first check met the injected 5xx
    assert unlucky.status == "failed" and "503" in unlucky.error
    statuses.pop(unlucky.shop.name)
    assert set(statuses.values()) == {"succeeded"}
    assert Shop.objects.filter(credential_status="valid").count() == len(shops) - 1


def test_a_server_error_says_nothing_about_the_key(db, sandbox, settings):
    settings.ETELECOM_MAX_RETRIES = 0
    shop = imported(sandbox)[0]
    sandbox.control.faults(rates={"5xx": 1.0}, methods=["Shop/CurrentShop"])
    run = syncing.run_now("credential_check", services.check_credential_work, shop=shop)
    shop.refresh_from_db()
    assert run.status == "failed" and "503" in run.error
    assert shop.credential_status == Shop.CredentialStatus.VALID and "503" in shop.credential_error


def test_the_admin_action_queues_one_run_per_shop_and_links_to_them(
    admin_client, sandbox, django_capture_on_commit_callbacks
):
    shops = imported(sandbox)[:3]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            reverse("admin:shops_shop_changelist"),
            {"action": "check_credentials", "_selected_action": [s.pk for s in shops]},
            follow=True,
        )
    assert len(callbacks) == 3
    assert SyncRun.objects.filter(kind="credential_check", status="queued").count() == 3
    assert reverse("admin:shops_syncrun_changelist") + "?kind=credential_check" in response.content.decode()
    run_queued()
    assert SyncRun.objects.filter(kind="credential_check", status="succeeded").count() == 3


def test_the_hourly_job_does_not_queue_a_shop_twice(db, sandbox):
    shops = imported(sandbox)
    assert tasks.run_schedule("credential_check") == len(shops)
    assert tasks.run_schedule("credential_check") == 0
    run_queued()
    assert tasks.run_schedule("credential_check") == len(shops)


def test_the_invalid_shops_are_visible_and_filterable(admin_client, sandbox):
    shops = imported(sandbox)
    sandbox.control.shop_action(shops[1].etelecom_id, "revoke")
    syncing.run_now("credential_check", services.check_credential_work, shop=shops[1])
    page = admin_client.get(reverse("admin:shops_shop_changelist"), {"credential_status__exact": "invalid"})
    assert [s.name for s in page.context["cl"].result_list] == [shops[1].name]
    assert 'class="badge badge-bad"' in page.content.decode()


# --- the sync-run helper -------------------------------------------------------------------------------------


def test_a_second_run_while_one_is_running_is_skipped(db):
    shop = make_shop("A")
    seen = []

    def outer(run):
        inner = syncing.run_now("credential_check", lambda r: seen.append("inner ran"), shop=shop)
        seen.append(inner.status)
        return {"done": 1}

    run = syncing.run_now("credential_check", outer, shop=shop)
    assert run.status == "succeeded" and run.counts == {"done": 1}
    assert seen == ["skipped"]
    assert "still running" in SyncRun.objects.get(status="skipped").error


def test_runs_for_other_shops_or_kinds_do_not_block_each_other(db):
    a, b = make_shop("A"), make_shop("B")

    def outer(run):
        return {
            "other_shop": syncing.run_now("credential_check", lambda r: None, shop=b).status,
            "other_kind": syncing.run_now("shop_import", lambda r: None).status,
        }

    assert syncing.run_now("credential_check", outer, shop=a).counts == {
        "other_shop": "succeeded",
        "other_kind": "succeeded",
    }


def test_a_redelivered_task_does_not_run_again(db):
    shop = make_shop("A")
    calls = []
    run = syncing.run_now("credential_check", lambda r: calls.append(1), shop=shop)
    syncing.execute(run.pk, lambda r: calls.append(2))
    assert calls == [1]


def test_a_run_left_running_by_a_dead_worker_is_abandoned(db, settings):
    shop = make_shop("A")
    stale = SyncRun.objects.create(
        shop=shop, kind="credential_check", status="running", started_at=timezone.now() - timedelta(hours=2)
    )
    run = syncing.run_now("credential_check", lambda r: {"ok": 1}, shop=shop)
    stale.refresh_from_db()
    assert run.status == "succeeded" and stale.status == "failed" and "Abandoned" in stale.error


def test_an_unexpected_error_fails_the_run_without_details(db):
    def broken(run):
        raise KeyError("secret detail")

    run = syncing.run_now("credential_check", broken, shop=make_shop("A"))
    assert run.status == "failed" and "KeyError" in run.error and "secret detail" not in run.error


@pytest.mark.django_db(transaction=True)
def test_a_queued_run_is_recorded_by_its_sync_run_and_by_django_q_only_if_the_task_fails():
    broker = get_broker()
    broker.purge_queue()
    try:
        run = syncing.enqueue("credential_check", shop=make_shop("A"))
        [(ack_id, package)] = broker.dequeue()
        broker.acknowledge(ack_id)
    finally:
        broker.purge_queue()
    task = SignedPackage.loads(package)
    assert (task["func"], task["args"]) == ("shops.tasks.run_job", (run.pk,))
    now = timezone.now()
    ended = {**task, "started": now, "stopped": now}
    save_task({**ended, "success": True, "result": None}, broker)  # as the cluster's monitor saves a result
    assert not Task.objects.exists()
    save_task({**ended, "success": False, "result": "KeyError"}, broker)
    assert list(Task.objects.values_list("name", "success")) == [(f"credential_check-{run.pk}", False)]


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(ValueError):
        syncing.enqueue("nonsense")


# --- the audit log -------------------------------------------------------------------------------------------


def test_every_call_is_audited_without_the_key(db, sandbox):
    shop = imported(sandbox)[0]
    key = shop.credential
    sandbox.control.shop_action(shop.etelecom_id, "revoke")
    syncing.run_now("credential_check", services.check_credential_work, shop=shop)
    call = ApiCall.objects.filter(shop=shop).latest("pk")
    assert (call.method, call.status, call.error_code, call.job) == (
        "Shop/CurrentShop",
        401,
        "unauthenticated",
        "credential_check",
    )
    assert call.error and call.duration_ms >= 0
    secret = key.split(":")[1]
    for row in ApiCall.objects.values_list("error", "error_code", "method"):
        assert all(secret not in str(value) for value in row)
    for run in SyncRun.objects.values_list("error", "counts"):
        assert all(secret not in str(value) for value in run)


def test_the_audit_admin_filters_and_cannot_be_edited(admin_client, sandbox):
    imported(sandbox)
    url = reverse("admin:shops_apicall_changelist")
    page = admin_client.get(url, {"method": "Shop/GetShops", "status_class": "2", "within": "1h"})
    assert {c.method for c in page.context["cl"].result_list} == {"Shop/GetShops"}
    call = ApiCall.objects.first()
    assert admin_client.post(reverse("admin:shops_apicall_change", args=[call.pk]), {}).status_code == 403
    assert admin_client.get(reverse("admin:shops_apicall_add")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_fan_out_queues_every_shop_when_the_broker_recycles_an_old_connection_on_the_way():
    """The ORM broker closes a connection past CONN_MAX_AGE before each enqueue: a fan-out that read the shops
    through a server-side cursor (PostgreSQL) lost it after the first shop."""
    from django.db import connection

    shops = [make_shop(f"Cửa hàng {n}") for n in range(3)]
    broker = get_broker()
    broker.purge_queue()
    try:
        connection.ensure_connection()
        connection.close_at = 0  # older than CONN_MAX_AGE: the next close_old_connections() closes it
        assert tasks.run_schedule("credential_check") == 3
        assert broker.queue_size() == 3
    finally:
        broker.purge_queue()
    assert set(SyncRun.objects.filter(kind="credential_check").values_list("shop", flat=True)) == {
        shop.pk for shop in shops
    }
