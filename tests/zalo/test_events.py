"""An OA's events in Zalo's shape, as the sandbox posts them (or as Zalo documents them): what each changes, what
is skipped because the console has nothing to update yet, and what fails because it is malformed."""

import pytest
from django.urls import reverse

from shops import syncing
from shops.models import WebhookEvent
from zalo import services
from zalo.models import Consent, ConsentDaily, ConversationMessage, Follower, Journey, OfficialAccount

SHOP = "Nhà thuốc An Khang Quận 1"
OA = object()  # the test's OA id


@pytest.fixture
def oa(shops, sandbox):
    shop = shops[SHOP]
    syncing.run_now("oa_sync", services.oa_sync_work, shop=shop)
    return OfficialAccount.objects.get(shop=shop, name__endswith="Chăm sóc khách hàng")


@pytest.fixture
def deliver(client, oa):
    """Post an event to the OA's shop's webhook URL; returns the receiver's answer."""

    def post(event):
        url = reverse("etelecom_webhook", args=[oa.shop.webhook_secret])
        response = client.post(url, event, content_type="application/json")
        assert response.status_code == 200
        return response.json()

    return post


def zalo_event(name, oa, **fields):
    return {"app_id": oa.app_id, "event_name": name, "timestamp": "1767225600000", **fields}


def test_a_new_follower_waits_for_the_sync_then_gives_way_to_etelecoms_record(oa, sandbox, deliver):
    event = sandbox.control.oa_event(oa.oa_id, "follow", zl_user_id="8800000000000000777")
    assert deliver(event)["status"] == "processed"
    waiting = Follower.objects.get(oa=oa, zl_user_id="8800000000000000777")
    assert (waiting.etelecom_id, waiting.state) == (None, "follow")
    deliver(sandbox.control.oa_event(oa.oa_id, "follow", zl_user_id="8800000000000000778"))
    syncing.run_now("follower_sync", services.followers_sync_work, shop=oa.shop)
    rows = Follower.objects.filter(oa=oa, zl_user_id__in=["8800000000000000777", "8800000000000000778"])
    assert sorted(rows.values_list("state", flat=True)) == ["follow", "follow"]
    assert not rows.filter(etelecom_id__isnull=True).exists()  # eTelecom's records took their place
    first = Follower.objects.filter(oa=oa).exclude(zl_user_id__startswith="88000000000000007").first()
    assert deliver(sandbox.control.oa_event(oa.oa_id, "unfollow", zl_user_id=first.zl_user_id))["status"] == "processed"
    first.refresh_from_db()
    assert first.state == "unfollow" and first.etelecom_id


def test_messages_are_kept_once_each_way_and_their_receipt_noted(oa, sandbox, deliver, admin_client):
    incoming = sandbox.control.oa_event(oa.oa_id, "user_send_text", zl_user_id="8800000000000000001", text="Chào shop")
    deliver(incoming)
    assert deliver(incoming)["duplicate"] is True
    outgoing = sandbox.control.oa_event(oa.oa_id, "oa_send_text", zl_user_id="8800000000000000001", text="Dạ, chào")
    deliver(outgoing)
    assert sorted(ConversationMessage.objects.values_list("direction", "text")) == [
        ("in", "Chào shop"),
        ("out", "Dạ, chào"),
    ]
    receipt = zalo_event(
        "user_received_message",
        oa,
        sender={"id": oa.oa_id},
        recipient={"id": "8800000000000000001"},
        message={"msg_id": outgoing["message"]["msg_id"]},
    )
    assert deliver(receipt)["status"] == "processed"
    assert ConversationMessage.objects.get(direction="out").delivered_at is not None
    page = admin_client.get(reverse("admin:zalo_conversationmessage_changelist"))
    assert "Chào shop" in page.content.decode()


def test_a_journey_token_is_charged_then_times_out(oa, sandbox, deliver, admin_user):
    journey = services.journey_create(oa=oa, user=admin_user, phone="0912000010", token_type="token_logistics_7")
    Journey.objects.filter(pk=journey.pk).update(is_charged=False)
    deliver(sandbox.control.oa_event(oa.oa_id, "event_journey_acknowledged", journey_id=journey.journey_id))
    journey.refresh_from_db()
    assert (journey.is_charged, journey.status) == (True, "P")
    deliver(sandbox.control.oa_event(oa.oa_id, "event_journey_time_out", journey_id=journey.journey_id))
    journey.refresh_from_db()
    assert journey.status == "N" and journey.expires_at.year == 2026
    unknown = zalo_event("event_journey_time_out", oa, oa_id=oa.oa_id, journey_id="no-such-journey")
    assert deliver(unknown)["status"] == "skipped"


def test_a_request_that_lapses_is_counted_as_expired(oa, sandbox, deliver, admin_user):
    sandbox.control.zns(consent_reply_seconds=600)
    services.consent_request(
        oa=oa, user=admin_user, phone="0912345679", call_type="audio", reason_code="delivery_notification"
    )
    lapsed = zalo_event(
        "oa_send_consent",
        oa,
        oa_id=oa.oa_id,
        phone="84912345679",
        request_type="EXPIRED",
        create_time="1767225600000",
        expired_time="1767225600000",
    )
    assert deliver(lapsed)["status"] == "processed"
    consent = Consent.objects.get()
    assert consent.reply_status == "NS"
    assert ConsentDaily.objects.get(oa=oa).outcome == "expired"


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        (
            {"event_name": "oa_send_consent", "oa_id": OA, "request_type": "SENT", "phone": "84912000999"},
            "skipped",
            "no call",
        ),
        (
            {"event_name": "oa_send_consent", "oa_id": OA, "request_type": "LOST", "phone": "84912000999"},
            "failed",
            "neither",
        ),
        (
            {"event_name": "oa_send_consent", "oa_id": OA, "request_type": "SENT", "phone": "12ab"},
            "failed",
            "not a Vietnamese",
        ),
        ({"event_name": "user_reply_consent", "oa_id": OA, "phone": "84912000999"}, "failed", "no user_consent"),
        ({"event_name": "user_reply_consent", "user_consent": "ALLOW", "oa_id": "42"}, "skipped", "OA 42"),
        ({"event_name": "follow", "oa_id": OA, "follower": {}}, "failed", "no follower"),
        ({"event_name": "user_send_text", "recipient": {"id": "1"}}, "skipped", "OA 1"),
        ({"event_name": "user_received_message", "message": {"msg_id": "x"}}, "failed", "names no OA"),
    ],
    ids=["sent-unknown", "request-type", "phone", "reply-empty", "oa", "follower", "message-oa", "receipt-oa"],
)
def test_events_the_console_cannot_apply_are_kept_with_the_reason(oa, deliver, fields, status, error):
    fields = {name: oa.oa_id if value is OA else value for name, value in fields.items()}
    answer = deliver({"app_id": oa.app_id, "timestamp": "1767225600000", **fields})
    assert answer["status"] == status
    assert error in WebhookEvent.objects.get().error
