"""Call-permission requests and ZNS templates in the admin: forms that call eTelecom, replies by webhook and by
sync, the permission check, filters, and template registration and sync."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from etelecom import zalo as zalo_api
from etelecom import zns as zns_api
from etelecom.client import Client
from shops import syncing
from shops.roles import SUPPORT
from zalo import services
from zalo.models import Consent, ConsentDaily, OfficialAccount, ZnsTemplate

SHOP = "Nhà thuốc An Khang Quận 1"


@pytest.fixture
def oa(shops, sandbox):
    sandbox.control.zns(consent_reply_seconds=0.05, delivery_seconds=0.05)
    shop = shops[SHOP]
    syncing.run_now("oa_sync", services.oa_sync_work, shop=shop)
    return OfficialAccount.objects.get(shop=shop, name__endswith="Chăm sóc khách hàng")


@pytest.fixture
def support_client(client, make_user, oa):
    client.force_login(make_user("hotro-zns", SUPPORT, shops=[oa.shop]))
    return client


def wait_for_replies(sandbox, count):
    deadline = time.monotonic() + 5
    while sum(c["reply_status"] != "S" for c in sandbox.control.zns()["consents"]) < count:
        assert time.monotonic() < deadline, "the sandbox's customers did not answer"
        time.sleep(0.02)


def request(client, oa, phone, **extra):
    data = {"oa": oa.pk, "phone": phone, "call_type": "audio", "reason_code": "delivery_notification", **extra}
    return client.post(reverse("admin:zalo_consent_add"), data, follow=True)


def test_a_consent_is_requested_from_the_form_and_its_reply_synced(support_client, oa, sandbox):
    page = request(support_client, oa, "+84 912 345 671")
    consent = Consent.objects.get()
    assert (consent.phone, consent.reply_status, consent.requested_by.username) == ("0912345671", "S", "hotro-zns")
    assert "0912345671" in str(list(page.context["messages"])[0])
    wait_for_replies(sandbox, 1)
    run = syncing.run_now("consent_sync", services.consents_sync_work, shop=oa.shop)
    assert run.status == "succeeded" and run.counts["consents"] == 1
    consent.refresh_from_db()
    assert consent.reply_status == "P" and consent.delivery_status == "seen"


def test_a_bad_phone_is_a_form_error_and_nothing_is_sent(support_client, oa, sandbox):
    sandbox.control.clear_requests()
    page = request(support_client, oa, "0812")
    assert "Vietnamese phone number" in page.context["form"].errors["phone"][0]
    assert sandbox.control.received("Zalo/RequestConsent") == 0 and not Consent.objects.exists()


def test_a_refused_request_is_shown_in_words(support_client, oa, sandbox):
    sandbox.control.update_oa(oa.oa_id, status="N")
    page = request(support_client, oa, "0912345671")
    error = page.context["form"].non_field_errors()[0]
    assert error.startswith("eTelecom") and "[Zalo/RequestConsent" in error
    assert not Consent.objects.exists()


@pytest.mark.parametrize("fault", ["5xx", "error200", "malformed"])
def test_a_request_whose_answer_was_lost_is_found_by_reading_back(support_client, oa, sandbox, fault):
    sandbox.control.faults(next=[fault], phase="after", methods=["Zalo/RequestConsent"])
    page = request(support_client, oa, "0912345671")
    consent = Consent.objects.get()
    assert consent.phone == "0912345671" and "0912345671" in str(list(page.context["messages"])[0])
    assert len(sandbox.control.zns()["consents"]) == 1


def test_a_request_whose_answer_was_lost_and_is_not_listed_says_not_to_ask_again(support_client, oa, sandbox):
    sandbox.control.faults(next=["5xx"], methods=["Zalo/RequestConsent"])
    page = request(support_client, oa, "0912345671")
    assert "may still have gone" in page.context["form"].non_field_errors()[0]
    assert not Consent.objects.exists() and sandbox.control.zns()["consents"] == []


def test_a_reply_by_webhook_updates_the_row_at_once(support_client, oa, sandbox, client):
    shop_client = Client(sandbox.partner_base_url, oa.shop.credential)
    zalo_api.update_shop_oa(shop_client, oa_id=oa.oa_id, webhook_url=f"{sandbox.url}/_sandbox/health")
    request(support_client, oa, "0912345676")
    [sent] = sandbox.control.posted("oa_send_consent")
    [reply] = sandbox.control.posted("user_reply_consent")
    url = reverse("etelecom_webhook", args=[oa.shop.webhook_secret])
    assert client.post(url, sent, content_type="application/json").json()["status"] == "processed"
    answer = client.post(url, reply, content_type="application/json")
    assert answer.json()["status"] == "processed"
    consent = Consent.objects.get()
    assert (consent.reply_status, consent.delivery_status, consent.permission_until) == ("N", "seen", None)
    assert ConsentDaily.objects.get(oa=oa).outcome == "refused"


def test_the_check_action_asks_etelecom_who_may_be_called(support_client, oa, sandbox):
    for phone in ("0912345671", "0912345676"):
        request(support_client, oa, phone)
    wait_for_replies(sandbox, 2)
    syncing.run_now("consent_sync", services.consents_sync_work, shop=oa.shop)
    ids = list(Consent.objects.values_list("pk", flat=True))
    page = support_client.post(
        reverse("admin:zalo_consent_changelist"), {"action": "check_now", "_selected_action": ids}, follow=True
    )
    assert "Checked 2; 1 may be called now" in str(list(page.context["messages"])[-1])
    assert Consent.objects.get(phone="0912345671").permission_until > timezone.now()
    assert Consent.objects.get(phone="0912345676").permission_until is None


def test_the_list_filters_by_reply_reason_and_expiry(support_client, oa):
    now = timezone.now()
    rows = [
        ("0912000001", "P", "update_order", now + timedelta(hours=5)),
        ("0912000002", "P", "delivery_notification", now + timedelta(days=5)),
        ("0912000003", "N", "update_order", now + timedelta(hours=5)),
        ("0912000004", "P", "update_order", now - timedelta(hours=1)),
    ]
    for n, (phone, reply, reason, expires) in enumerate(rows):
        Consent.objects.create(
            oa=oa,
            etelecom_id=str(n),
            phone=phone,
            call_type="audio",
            reason_code=reason,
            reply_status=reply,
            expires_at=expires,
            day=now.date(),
            synced_at=now,
        )

    def listed(**query):
        page = support_client.get(reverse("admin:zalo_consent_changelist"), query)
        return sorted(c.phone for c in page.context["cl"].result_list)

    assert listed(reply_status__exact="N") == ["0912000003"]
    assert listed(reason_code__exact="delivery_notification") == ["0912000002"]
    assert listed(expiring="1") == ["0912000001"]
    assert listed(expiring="gone") == ["0912000004"]
    assert listed(q="84912000002") == ["0912000002"]


def test_templates_are_registered_and_synced(support_client, oa, sandbox):
    page = support_client.post(
        reverse("admin:zalo_znstemplate_add"), {"oa": oa.pk, "template_id": 520004, "type": "rating"}, follow=True
    )
    template = ZnsTemplate.objects.get(template_id=520004)
    assert template.sendable and "Approved" in str(list(page.context["messages"])[0])
    again = support_client.post(
        reverse("admin:zalo_znstemplate_add"), {"oa": oa.pk, "template_id": 520004, "type": "rating"}
    )
    assert "already registered for the OA" in again.context["form"].non_field_errors()[0]
    run = syncing.run_now("template_sync", services.templates_sync_work, shop=oa.shop)
    assert run.status == "succeeded"
    mine = ZnsTemplate.objects.filter(oa=oa)
    assert set(mine.values_list("template_id", flat=True)) == {410001, 410002, 410003, 410009, 520004}
    table = mine.get(template_id=410003)
    assert table.apply_template_quota and table.remaining_quota == 200 and table.price == 400
    assert [p["name"] for p in table.params] == ["customer_name", "order_code", "amount"]
    assert mine.get(template_id=410009).status == "PENDING_REVIEW"
    listed = support_client.get(reverse("admin:zalo_znstemplate_changelist"), {"status__exact": "ENABLE"})
    assert {t.template_id for t in listed.context["cl"].result_list} >= {410001, 520004}


def test_a_consent_sync_reaches_back_to_requests_still_awaiting_a_reply(oa, sandbox, settings):
    client = Client(sandbox.partner_base_url, sandbox.shop(SHOP)["shop_key"])
    sandbox.control.zns(consent_reply_seconds=3600)  # nobody answers for now
    zns_api.request_consent(client, oa_id=oa.oa_id, phone="0912345671", call_type="audio", reason_code="update_order")
    first = syncing.run_now("consent_sync", services.consents_sync_work, shop=oa.shop)
    assert first.counts["consents"] == 1
    sandbox.control.clear_requests()
    second = syncing.run_now("consent_sync", services.consents_sync_work, shop=oa.shop)
    assert second.counts["consents"] == 1  # still awaiting: read again
    assert sandbox.control.received("Zalo/ListRequestConsent") == 1
