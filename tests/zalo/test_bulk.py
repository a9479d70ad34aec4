"""Bulk uploads: every row checked before anything is sent, quota holds rows instead of dropping them, and no
customer gets a ZNS twice for one upload even when eTelecom's answers are lost."""

import csv
import io
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shops import syncing
from shops.roles import SUPPORT
from zalo import bulk, services
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


def csv_file(rows, header=("phone", "customer_name", "order_code")) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile("khach-hang.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


def upload(client, template, rows, **extra):
    data = {"template": template.pk, "file": csv_file(rows), **extra}
    return client.post(reverse("admin:zalo_bulkjob_add") + "?kind=zns", data, follow=True)


def run(job):
    run = bulk.bulk_start(job=job, user=None)
    return syncing.execute(run.pk, bulk.bulk_work)


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


def test_rows_beyond_the_quota_are_held_and_sent_when_it_renews(support_client, template, sandbox):
    sandbox.control.update_oa(template.oa.oa_id, remaining_quota=3)
    upload(support_client, template, phones(5))
    job = BulkJob.objects.get()
    page = support_client.post(reverse("admin:zalo_bulkjob_start", args=[job.pk]), follow=True)
    assert "Sending started" in page.content.decode()
    syncing.execute(BulkJob.objects.get().run_id, bulk.bulk_work)
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
