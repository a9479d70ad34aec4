"""Bulk uploads: every row checked before anything is sent, quota holds rows instead of dropping them, and no
customer gets a ZNS twice for one upload even when eTelecom's answers are lost."""

import contextlib
import csv
import io
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, CHANGE
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from shops import syncing, tasks, uploads
from shops.models import SyncRun
from shops.roles import SUPPORT
from tests.history import assert_no_secret_in_history, history
from zalo import bulk, bulk_run, services
from zalo.models import BulkJob, BulkRow, Consent, Message, OfficialAccount, ZnsTemplate

SHOP = "Nhà thuốc An Khang Quận 1"


@pytest.fixture
def template(shops, sandbox):
    sandbox.control.zns(consent_reply_seconds=60, delivery_seconds=60)
    shop = shops[SHOP]
    syncing.run_now("oa_sync", services.oa_sync_work, shop=shop)
    syncing.run_now("template_sync", services.templates_sync_work, shop=shop)
    oa = OfficialAccount.objects.get(shop=shop, name__endswith="Chăm sóc khách hàng")
    return ZnsTemplate.objects.get(oa=oa, template_id=410001)


@pytest.fixture
def support_client(client, make_user, template):
    client.force_login(make_user("hotro-bulk", SUPPORT, shops=[template.oa.shop]))
    return client


def csv_file(rows, header=("phone", "customer_name", "order_code"), delimiter=",") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile("khach-hang.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


def upload(client, template, rows, **extra):
    data = {"template": template.pk, "file": csv_file(rows), **extra}
    return client.post(reverse("admin:zalo_bulkjob_add") + "?kind=zns", data, follow=True)


def run(job):
    run = bulk.bulk_start(job=job, user=None)
    return syncing.execute(run.pk, bulk_run.bulk_work)


def phones(n, start=0):
    return [(f"09120{start + i:05d}", f"Khách {i}", f"DH-{i}") for i in range(n)]


def test_every_row_is_checked_and_nothing_is_sent_until_started(support_client, template, sandbox):
    sandbox.control.clear_requests()
    rows = [
        ("0912000001", "An", "DH-1"),
        ("12345", "Bình", "DH-2"),
        ("0912000003", "", "DH-3"),
        ("0912000004", "Cường", "X" * 21),
        ("84912000001", "An lần hai", "DH-5"),
    ]
    page = upload(support_client, template, rows)
    job = BulkJob.objects.get()
    assert bulk.counts(job)["pending"] == 1 and bulk.counts(job)["invalid"] == 4
    errors = dict(job.rows.values_list("line", "error"))
    assert "Vietnamese phone number" in errors[3] and "customer_name" in errors[4]
    assert "order_code" in errors[5] and "earlier line" in errors[6]
    assert sandbox.control.received("Zalo/SendZNS") == 0
    assert "Rows not sent" in page.content.decode()


def test_a_file_that_cannot_be_used_is_a_form_error(support_client, template):
    bad = SimpleUploadedFile("x.csv", "số,điện thoại".encode("utf-16"), content_type="text/csv")
    page = support_client.post(reverse("admin:zalo_bulkjob_add") + "?kind=zns", {"template": template.pk, "file": bad})
    assert "UTF-8" in page.context["form"].errors["file"][0]
    no_phone = csv_file([("An", "DH-1")], header=("customer_name", "order_code"))
    page = support_client.post(
        reverse("admin:zalo_bulkjob_add") + "?kind=zns", {"template": template.pk, "file": no_phone}
    )
    assert "phone" in page.context["form"].errors["file"][0] and not BulkJob.objects.exists()


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_semicolon_or_tab_separated_file_is_read_like_a_comma_separated_one(support_client, template, delimiter):
    # What Excel writes as "CSV" in a Vietnamese locale: semicolons, and a comma inside a value.
    rows = [("0912000001", "Nguyễn, Văn An", "DH-1"), ("0912000002", "Bình", "DH-2")]
    data = {"template": template.pk, "file": csv_file(rows, delimiter=delimiter)}
    support_client.post(reverse("admin:zalo_bulkjob_add") + "?kind=zns", data, follow=True)
    job = BulkJob.objects.get()
    assert bulk.counts(job)["pending"] == 2
    assert job.rows.get(line=2).data["customer_name"] == "Nguyễn, Văn An"


def test_a_hostile_header_line_is_still_read_with_a_known_separator():
    # A header that would make the sniffer pick a letter or a quote: only , ; and tab are ever taken.
    for header in ("phoneXnameXcode", 'phone"name"code', "phone|name|code"):
        assert uploads.dialect(header + "\n1|2|3\n").delimiter in ",;\t"


def test_rows_beyond_the_quota_are_held_and_sent_when_it_renews(support_client, template, sandbox):
    sandbox.control.update_oa(template.oa.oa_id, remaining_quota=3)
    upload(support_client, template, phones(5))
    job = BulkJob.objects.get()
    page = support_client.post(reverse("admin:zalo_bulkjob_start", args=[job.pk]), follow=True)
    assert "Sending started" in page.content.decode()
    syncing.execute(BulkJob.objects.get().run_id, bulk_run.bulk_work)
    job.refresh_from_db()
    assert job.status == "held" and bulk.counts(job)["sent"] == 3 and bulk.counts(job)["held"] == 2
    sandbox.control.update_oa(template.oa.oa_id, remaining_quota=10)
    run(job)
    job.refresh_from_db()
    assert job.status == "done" and bulk.counts(job)["sent"] == 5
    sent = Counter(m["phone"] for m in sandbox.control.zns()["messages"])
    assert len(sent) == 5 and set(sent.values()) == {1}


def test_lost_answers_never_message_anyone_twice(support_client, template, sandbox, settings):
    settings.ETELECOM_TIMEOUT = (2, 0.3)
    upload(support_client, template, phones(60))
    job = BulkJob.objects.get()
    # One send in five fails after eTelecom acted on it: a 5xx or an answer that never comes.
    sandbox.control.faults(
        rates={"5xx": 0.1, "hang": 0.1}, phase="after", methods=["Zalo/SendZNS"], hang_seconds=0.5, seed=3
    )
    run(job)
    sandbox.control.faults()
    assert bulk.counts(job)["sent"] == 60
    sent = Counter(m["phone"] for m in sandbox.control.zns()["messages"])
    assert len(sent) == 60 and max(sent.values()) == 1
    assert sandbox.control.received("Zalo/SendZNS") == 60


def test_sends_etelecom_never_got_are_sent_once_after_they_are_settled(support_client, template, sandbox, settings):
    settings.ETELECOM_TIMEOUT = (2, 0.3)
    upload(support_client, template, phones(30))
    job = BulkJob.objects.get()
    sandbox.control.faults(
        rates={"5xx": 0.1, "hang": 0.1}, phase="before", methods=["Zalo/SendZNS"], hang_seconds=0.5, seed=5
    )
    run(job)
    sandbox.control.faults()
    unconfirmed = bulk.counts(job)["unconfirmed"]
    assert unconfirmed > 0 and bulk.counts(job)["sent"] == 30 - unconfirmed
    run(job)  # too early: eTelecom has not listed them, and they are not settled yet: nothing is sent again
    assert bulk.counts(job)["unconfirmed"] == unconfirmed
    Message.objects.filter(send_state="unconfirmed").update(created_at=job.created_at - services.UNCONFIRMED_AFTER)
    syncing.run_now("message_sync", services.messages_sync_work, shop=template.oa.shop)
    run(job)
    assert bulk.counts(job)["sent"] == 30
    sent = Counter(m["phone"] for m in sandbox.control.zns()["messages"])
    assert len(sent) == 30 and max(sent.values()) == 1


def test_the_results_download_lists_every_row(support_client, template):
    upload(support_client, template, [*phones(2), ("12345", "X", "Y")])
    job = BulkJob.objects.get()
    run(job)
    response = support_client.get(reverse("admin:zalo_bulkjob_results", args=[job.pk]))
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert lines[0][:3] == ["line", "phone", "state"] and len(lines) == 4
    assert [line[2] for line in lines[1:]] == ["Sent", "Sent", "Invalid"]
    assert lines[0][4:] == ["tracking id", "eTelecom id", "delivery or reply"]


def test_consents_are_requested_from_a_file(support_client, template, sandbox):
    rows = [("0912000001", "", ""), ("0912000002", "video", ""), ("0912000003", "fax", "")]
    data = {
        "oa": template.oa.pk,
        "call_type": "audio",
        "reason_code": "update_order",
        "file": csv_file(rows, header=("phone", "call_type", "reason_code")),
    }
    support_client.post(reverse("admin:zalo_bulkjob_add") + "?kind=consent", data, follow=True)
    job = BulkJob.objects.get()
    assert job.kind == "consent" and bulk.counts(job)["invalid"] == 1
    run(job)
    assert bulk.counts(job)["sent"] == 2
    assert dict(Consent.objects.values_list("phone", "call_type")) == {"0912000001": "audio", "0912000002": "video"}
    assert BulkRow.objects.filter(consent__isnull=False).count() == 2


# --- over-long fields ----------------------------------------------------------------------------------------


def test_a_field_longer_than_the_csv_limit_is_an_error_of_its_row(support_client, template, sandbox):
    rows = [*phones(1), ("0912000002", "X" * 131_073, "DH-2"), *phones(1, start=3)]
    page = upload(support_client, template, rows)
    assert page.status_code == 200
    job = BulkJob.objects.get()
    assert dict(job.rows.values_list("line", "state")) == {2: "pending", 3: "invalid", 4: "pending"}
    error = job.rows.get(line=3).error
    assert "customer_name" in error and "131,072" in error and "XXXX" not in error
    run(job)
    assert bulk.counts(job)["sent"] == 2


def test_an_over_long_value_in_a_consent_file_is_an_error_of_its_row(support_client, template):
    rows = [("0912000001", "audio"), ("0912000002", "v" * 200_000), ("0912000003", "")]
    data = {
        "oa": template.oa.pk,
        "call_type": "audio",
        "reason_code": "update_order",
        "file": csv_file(rows, header=("phone", "call_type")),
    }
    page = support_client.post(reverse("admin:zalo_bulkjob_add") + "?kind=consent", data, follow=True)
    assert page.status_code == 200
    job = BulkJob.objects.get()
    assert dict(job.rows.values_list("line", "state")) == {2: "pending", 3: "invalid", 4: "pending"}
    assert len(job.rows.get(line=3).error) < 200


# --- what eTelecom answers decides a row ----------------------------------------------------------------------


def sent_once(sandbox, count):
    sent = Counter(m["phone"] for m in sandbox.control.zns()["messages"])
    return len(sent) == count and set(sent.values()) == {1}


def test_an_error_in_a_200_after_the_send_happened_is_read_back_not_taken_for_a_refusal(
    support_client, template, sandbox
):
    upload(support_client, template, phones(40))
    job = BulkJob.objects.get()
    sandbox.control.faults(rates={"error200": 0.25}, phase="after", methods=["Zalo/SendZNS"], seed=11)
    run(job)
    sandbox.control.faults()
    assert bulk.counts(job)["sent"] == 40 and bulk.counts(job)["failed"] == 0
    assert sent_once(sandbox, 40) and sandbox.control.received("Zalo/SendZNS") == 40


def test_rate_limited_sends_wait_for_retry_after_and_go(support_client, template, sandbox):
    upload(support_client, template, phones(30))
    job = BulkJob.objects.get()
    sandbox.control.faults(rates={"429": 0.3}, methods=["Zalo/SendZNS"], retry_after=0.01, seed=2)
    run(job)
    sandbox.control.faults()
    assert bulk.counts(job)["sent"] == 30 and sent_once(sandbox, 30)
    assert sandbox.control.received("Zalo/SendZNS") > 30  # some were refused with 429 first


def test_a_rate_limit_that_lasts_holds_the_rows_until_they_are_sent_later(support_client, template, sandbox):
    upload(support_client, template, phones(12))
    job = BulkJob.objects.get()
    sandbox.control.faults(rates={"429": 1.0}, methods=["Zalo/SendZNS"], retry_after=0.01)
    run(job)
    sandbox.control.faults()
    job.refresh_from_db()
    assert job.status == "held" and bulk.counts(job)["held"] == 12 and bulk.counts(job)["failed"] == 0
    assert "slow down" in job.rows.first().error and not Message.objects.exists()
    page = support_client.get(reverse("admin:zalo_bulkjob_change", args=[job.pk]))
    assert "Send the rows left" in page.content.decode()
    support_client.post(reverse("admin:zalo_bulkjob_start", args=[job.pk]))
    syncing.execute(BulkJob.objects.get().run_id, bulk_run.bulk_work)
    assert bulk.counts(job)["sent"] == 12 and sent_once(sandbox, 12)


def test_a_retry_after_longer_than_a_run_waits_holds_the_rows_at_once(support_client, template, sandbox):
    upload(support_client, template, phones(4))
    job = BulkJob.objects.get()
    sandbox.control.faults(next=["ok", "429"], methods=["Zalo/SendZNS"], retry_after=3600)
    started = time.monotonic()
    run(job)
    assert time.monotonic() - started < 30  # an hour's Retry-After is not slept in a worker
    assert (bulk.counts(job)["sent"], bulk.counts(job)["held"]) == (1, 3)
    assert sandbox.control.received("Zalo/SendZNS") == 2


def test_a_send_etelecom_never_got_goes_again_once_it_is_known_not_sent(support_client, template, sandbox):
    upload(support_client, template, phones(20))
    job = BulkJob.objects.get()
    sandbox.control.faults(rates={"error200": 0.3}, methods=["Zalo/SendZNS"], seed=4)
    run(job)
    sandbox.control.faults()
    unconfirmed = bulk.counts(job)["unconfirmed"]
    assert unconfirmed > 0 and bulk.counts(job)["failed"] == 0
    Message.objects.filter(send_state="unconfirmed").update(created_at=job.created_at - services.UNCONFIRMED_AFTER)
    run(job)  # no message sync needed: the run reads them back itself and sends what never went
    assert bulk.counts(job)["sent"] == 20 and sent_once(sandbox, 20)


def test_a_rejected_key_stops_the_run_and_leaves_the_rows_to_send(support_client, template, sandbox):
    upload(support_client, template, phones(5), development="on")
    job = BulkJob.objects.get()
    sandbox.control.shop_action(template.oa.shop.etelecom_id, "revoke")
    finished = run(job)
    job.refresh_from_db()
    template.oa.shop.refresh_from_db()
    assert finished.status == "failed" and job.status == "failed" and "rejected the key" in job.error
    assert bulk.counts(job)["pending"] == 5 and not Message.objects.exists()
    assert template.oa.shop.credential_status == "invalid"


def consent_upload(client, template, count):
    data = {"oa": template.oa.pk, "call_type": "audio", "reason_code": "update_order"}
    data["file"] = csv_file([(f"09120{n:05d}",) for n in range(count)], header=("phone",))
    client.post(reverse("admin:zalo_bulkjob_add") + "?kind=consent", data, follow=True)
    return BulkJob.objects.get()


def asked_once(sandbox, count):
    asked = Counter(c["phone"] for c in sandbox.control.zns()["consents"])
    return len(asked) == count and set(asked.values()) == {1}


def test_consent_requests_whose_answers_are_lost_are_read_back_not_sent_again(support_client, template, sandbox):
    job = consent_upload(support_client, template, 30)
    sandbox.control.faults(
        rates={"5xx": 0.2, "error200": 0.2, "malformed": 0.1}, phase="after", methods=["Zalo/RequestConsent"], seed=9
    )
    run(job)
    sandbox.control.faults()
    assert bulk.counts(job)["sent"] == 30 and asked_once(sandbox, 30)


def test_rate_limited_consent_requests_wait_and_go(support_client, template, sandbox):
    job = consent_upload(support_client, template, 20)
    sandbox.control.faults(rates={"429": 0.3}, methods=["Zalo/RequestConsent"], retry_after=0.01, seed=3)
    run(job)
    sandbox.control.faults()
    assert bulk.counts(job)["sent"] == 20 and asked_once(sandbox, 20)
    assert sandbox.control.received("Zalo/RequestConsent") > 20


# --- a run whose worker died ------------------------------------------------------------------------------------


class Killed(BaseException):
    """Stands for a SIGKILL at a chosen point (tests/security/test_kills.py sends real ones)."""


@contextlib.contextmanager
def killed_after(model, sends, *, when=lambda instance: True):
    """Raise Killed right after the `sends`-th save of `model` that `when` accepts: the write is committed, the
    row's outcome is not, as when a worker dies between eTelecom's answer and the next commit."""
    saves = []

    def receiver(sender, instance, **kwargs):
        if when(instance):
            saves.append(instance.pk)
            if len(saves) == sends:
                raise Killed

    post_save.connect(receiver, sender=model, weak=False)
    try:
        yield
    finally:
        post_save.disconnect(receiver, sender=model)


def long_ago(run_id):
    """Time passes: the dead run's last heartbeat is far behind."""
    SyncRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now() - timedelta(hours=1))


def test_a_dead_run_is_resumed_by_the_reaper_and_sends_each_row_once(support_client, template, sandbox):
    upload(support_client, template, phones(120))
    job = BulkJob.objects.get()
    first = bulk.bulk_start(job=job, user=None)
    with pytest.raises(Killed), killed_after(Message, 70, when=lambda m: m.send_state == "sent"):
        syncing.execute(first.pk, bulk_run.bulk_work)
    job.refresh_from_db()
    assert (job.status, job.run.status) == ("running", "running") and bulk.counts(job)["sending"] > 0
    assert bulk.in_progress(job) and tasks.run_schedule("reaper") == 0  # its last heartbeat is recent: not dead yet
    long_ago(first.pk)
    job.refresh_from_db()
    assert not bulk.in_progress(job)
    assert tasks.run_schedule("reaper") == 1  # the schedule's reaper, not the task that died
    job.refresh_from_db()
    assert job.status == "queued" and job.run_id != first.pk and job.resumes == 1
    assert "Abandoned" in SyncRun.objects.get(pk=first.pk).error
    syncing.execute(job.run_id, bulk_run.bulk_work)
    job.refresh_from_db()
    assert job.status == "done" and bulk.counts(job)["sent"] == 120
    assert sent_once(sandbox, 120) and sandbox.control.received("Zalo/SendZNS") == 120
    assert syncing.execute(first.pk, bulk_run.bulk_work).status == "failed"  # its redelivered task does nothing


def test_a_dead_runs_row_in_flight_that_etelecom_never_got_waits_and_the_rest_go(
    support_client, template, sandbox, settings
):
    settings.ETELECOM_TIMEOUT = (2, 0.3)
    upload(support_client, template, phones(30))
    job = BulkJob.objects.get()
    first = bulk.bulk_start(job=job, user=None)
    # The 11th send never reaches eTelecom, and the worker dies before its outcome is committed.
    sandbox.control.faults(next=["ok"] * 10 + ["hang"], methods=["Zalo/SendZNS"], hang_seconds=0.5)
    with pytest.raises(Killed), killed_after(BulkRow, 1, when=lambda row: row.state == "unconfirmed"):
        syncing.execute(first.pk, bulk_run.bulk_work)
    assert bulk.counts(job)["sending"] == 20
    long_ago(first.pk)
    tasks.run_schedule("reaper")
    syncing.execute(BulkJob.objects.get().run_id, bulk_run.bulk_work)
    tally = bulk.counts(job)
    assert (tally["sent"], tally["unconfirmed"]) == (29, 1) and sent_once(sandbox, 29)
    assert job.rows.get(state="unconfirmed").line == 12  # the row in flight: it may have gone, so it waits
    assert sandbox.control.received("Zalo/SendZNS") == 30


def test_a_consent_run_that_died_is_resumed_and_asks_each_customer_once(support_client, template, sandbox):
    job = consent_upload(support_client, template, 30)
    first = bulk.bulk_start(job=job, user=None)
    with pytest.raises(Killed), killed_after(Consent, 12):
        syncing.execute(first.pk, bulk_run.bulk_work)
    long_ago(first.pk)
    tasks.run_schedule("reaper")
    syncing.execute(BulkJob.objects.get().run_id, bulk_run.bulk_work)
    assert bulk.counts(job)["sent"] == 30 and asked_once(sandbox, 30)
    assert sandbox.control.received("Zalo/RequestConsent") == 30


def test_a_run_taken_for_dead_that_wakes_up_stops_before_its_next_send(support_client, template, sandbox):
    upload(support_client, template, phones(40))
    job = BulkJob.objects.get()
    first = bulk.bulk_start(job=job, user=None)
    sends = []

    def taken_for_dead(sender, instance, **kwargs):
        if instance.send_state == "sent":
            sends.append(instance.pk)
            if len(sends) == 5:  # the worker stalls: the reaper takes its run for dead and resumes the upload
                long_ago(first.pk)
                tasks.run_schedule("reaper")

    post_save.connect(taken_for_dead, sender=Message, weak=False)
    try:
        syncing.execute(first.pk, bulk_run.bulk_work)
    finally:
        post_save.disconnect(taken_for_dead, sender=Message)
    assert sandbox.control.received("Zalo/SendZNS") == 5
    assert SyncRun.objects.get(pk=first.pk).status == "failed"
    syncing.execute(BulkJob.objects.get().run_id, bulk_run.bulk_work)
    assert bulk.counts(job)["sent"] == 40 and sent_once(sandbox, 40)
    assert sandbox.control.received("Zalo/SendZNS") == 40


def test_the_page_offers_to_resume_an_upload_whose_run_died(support_client, template, sandbox):
    upload(support_client, template, phones(3))
    job = BulkJob.objects.get()
    first = bulk.bulk_start(job=job, user=None)
    url = reverse("admin:zalo_bulkjob_change", args=[job.pk])
    page = support_client.get(url).content.decode()
    assert 'id="bulk-start"' not in page and "bulk-stopped" not in page  # queued: a live run has it
    SyncRun.objects.filter(pk=first.pk).update(status="running", started_at=timezone.now())
    long_ago(first.pk)
    page = support_client.get(url).content.decode()
    assert 'id="bulk-start"' in page and "bulk-stopped" in page
    support_client.post(reverse("admin:zalo_bulkjob_start", args=[job.pk]))
    job.refresh_from_db()
    assert job.run_id != first.pk and job.status == "queued"
    again = support_client.post(reverse("admin:zalo_bulkjob_start", args=[job.pk]), follow=True)
    assert "already being sent" in again.content.decode()
    syncing.execute(job.run_id, bulk_run.bulk_work)
    assert bulk.counts(job)["sent"] == 3 and sent_once(sandbox, 3)


def test_an_upload_whose_worker_keeps_dying_waits_for_a_person(support_client, template):
    upload(support_client, template, phones(3))
    job = BulkJob.objects.get()
    first = bulk.bulk_start(job=job, user=None)
    BulkJob.objects.filter(pk=job.pk).update(resumes=bulk.AUTO_RESUMES)
    SyncRun.objects.filter(pk=first.pk).update(status="running", started_at=timezone.now())
    long_ago(first.pk)
    tasks.run_schedule("reaper")
    job.refresh_from_db()
    assert job.status == "failed" and job.run_id == first.pk and "4 times" in job.error
    page = support_client.get(reverse("admin:zalo_bulkjob_change", args=[job.pk])).content.decode()
    assert "Send the rows left" in page


def test_the_upload_form_shows_the_templates_columns_and_offers_a_sample(support_client, template):
    page = support_client.get(reverse("admin:zalo_bulkjob_add") + "?kind=zns")
    columns = page.context["columns"][str(template.pk)]
    assert [name for name, _rule in columns["columns"]] == ["phone", "customer_name", "order_code", "note"]
    assert f'data-columns-for="{template.pk}"' in page.content.decode()
    sample = support_client.get(columns["sample"])
    lines = list(csv.reader(io.StringIO(sample.content.decode("utf-8-sig"))))
    assert lines[0] == ["phone", "customer_name", "order_code", "note"] and len(lines) == 2
    # The sample, filled in as it is, is a file the upload accepts.
    data = {"template": template.pk, "file": SimpleUploadedFile("mau.csv", sample.content, content_type="text/csv")}
    support_client.post(reverse("admin:zalo_bulkjob_add") + "?kind=zns", data, follow=True)
    assert bulk.counts(BulkJob.objects.get())["pending"] == 1


def test_no_sample_for_a_template_the_user_cannot_send(support_client, template):
    other = ZnsTemplate.objects.exclude(oa__shop=template.oa.shop).first() or template
    for template_id in (str(other.pk) if other != template else "999999", "abc", "-1"):
        response = support_client.get(reverse("admin:zalo_bulkjob_sample", args=[template_id]))
        assert response.status_code == 403


def test_an_upload_and_its_start_are_in_its_history(support_client, template, django_capture_on_commit_callbacks):
    upload(support_client, template, phones(2))
    job = BulkJob.objects.get()
    with django_capture_on_commit_callbacks():  # the run is queued, not run, here
        support_client.post(reverse("admin:zalo_bulkjob_start", args=[job.pk]))
    support_client.post(reverse("admin:zalo_bulkjob_start", args=[job.pk]))  # already going: nothing more
    assert history(job) == [
        (ADDITION, "The file is checked. Review the rows, then start sending.", "hotro-bulk"),
        (CHANGE, "Sending started; this page shows the progress.", "hotro-bulk"),
    ]
    assert_no_secret_in_history(template.oa.shop.credential, template.oa.shop.webhook_secret)
