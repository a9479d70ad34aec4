"""Consents, templates, journeys and ZNS against the sandbox: its checks, its quota, time passing, read-back."""

import time
from datetime import UTC, datetime

import pytest

from etelecom import errors, zalo, zns
from etelecom.client import Client

SHOP = "Nhà thuốc An Khang Quận 1"  # two connected OAs, four templates each (410009 still under review)


@pytest.fixture
def client(sandbox):
    sandbox.control.zns(consent_reply_seconds=0.05, delivery_seconds=0.05)
    return Client(sandbox.partner_base_url, sandbox.shop(SHOP)["shop_key"])


def oa_named(client, suffix) -> zalo.OfficialAccount:
    return next(oa for oa in zalo.iter_oas(client) if oa.name.endswith(suffix))


def eventually(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("phone", "reply", "granted"),
    [("0912345671", "P", True), ("84912345676", "N", False), ("0912345678", "NS", False), ("0912345679", "NS", False)],
)
def test_a_consent_request_is_answered_over_time(client, phone, reply, granted):
    oa = oa_named(client, "Chăm sóc khách hàng")
    consent = zns.request_consent(
        client, oa_id=oa.oa_id, phone=phone, call_type="audio", reason_code="delivery_notification"
    )
    # The phone is kept as it was sent, in either form.
    assert (consent.status, consent.reply_status, consent.phone) == ("P", zns.REPLY_AWAITING, phone)
    answered = eventually(
        lambda: next((c for c in zns.iter_consents(client, oa_id=oa.oa_id) if c.reply_status != "S"), None)
    )
    assert answered.id == consent.id and answered.reply_status == reply and answered.delivery_status == "seen"
    assert zns.check_consent(client, oa_id=oa.oa_id, phone=phone).granted(datetime.now(UTC)) is granted


def test_consent_requests_are_checked_like_etelecom_would(client, sandbox):
    oa = oa_named(client, "Chăm sóc khách hàng")
    good = {"oa_id": oa.oa_id, "phone": "0912345671", "call_type": "video", "reason_code": "update_order"}
    for wrong, match in (
        ({"call_type": "fax"}, "call_type"),
        ({"reason_code": "why_not"}, "reason_code"),
        ({"phone": "12345"}, "phone"),
    ):
        with pytest.raises(errors.InvalidArgument, match=match):
            zns.request_consent(client, **{**good, **wrong})
    with pytest.raises(errors.NotFound):
        zns.request_consent(client, **{**good, "oa_id": "42"})
    other = Client(sandbox.partner_base_url, sandbox.shop("Điện máy Sài Gòn")["shop_key"])
    disconnected = oa_named(other, "Thông báo")
    with pytest.raises(errors.InvalidArgument, match="not connected"):
        zns.request_consent(other, **{**good, "oa_id": disconnected.oa_id})


def test_templates_are_registered_listed_and_read(client):
    oa = oa_named(client, "Chăm sóc khách hàng")
    listed = {t.template_id: t for t in zns.iter_templates(client, oa_id=oa.oa_id)}
    assert set(listed) == {410001, 410002, 410003, 410009}
    assert listed[410001].sendable and not listed[410009].sendable and listed[410009].status == "PENDING_REVIEW"
    assert [p.name for p in listed[410001].params] == ["customer_name", "order_code", "note"]
    assert listed[410003].apply_template_quota and listed[410003].remaining_quota == 200
    created = zns.create_template(client, oa_id=oa.oa_id, template_id=520004, type="rating")
    assert created.sendable and created.price == 300
    assert zns.get_template(client, oa_id=oa.oa_id, template_id=520004).template_name == created.template_name
    assert zns.create_template(client, oa_id=oa.oa_id, template_id=520008, type="text").status == "REJECT"
    with pytest.raises(errors.AlreadyExists):
        zns.create_template(client, oa_id=oa.oa_id, template_id=520004, type="rating")
    with pytest.raises(errors.InvalidArgument, match="type"):
        zns.create_template(client, oa_id=oa.oa_id, template_id=520005, type="carousel")


DATA = {"customer_name": "Nguyễn Văn An", "order_code": "DH-1001"}


def test_a_send_charges_quota_is_delivered_later_and_is_found_by_tracking_id(client):
    oa = oa_named(client, "Chăm sóc khách hàng")
    before = zalo.get_shop_oa(client, oa_id=oa.oa_id).remaining_quota
    sent = zns.send_zns(
        client, oa_id=oa.oa_id, phone="0912000001", template_id=410001, template_data=DATA, tracking_id="t-1"
    )
    assert (sent.status, sent.is_charged, sent.fee_main, sent.tracking_id) == ("P", True, 300, "t-1")
    assert zalo.get_shop_oa(client, oa_id=oa.oa_id).remaining_quota == before - 1
    test = zns.send_zns(
        client,
        oa_id=oa.oa_id,
        phone="0912000002",
        template_id=410001,
        template_data=DATA,
        tracking_id="t-2",
        development=True,
    )
    assert test.is_development and not test.is_charged
    assert zalo.get_shop_oa(client, oa_id=oa.oa_id).remaining_quota == before - 1
    message = eventually(
        lambda: (m := zns.get_message(client, oa_id=oa.oa_id, msg_id=sent.msg_id)).delivery_status == "received" and m
    )
    assert message and message.delivery_time is not None
    assert zns.find_message(client, oa_id=oa.oa_id, tracking_id="t-1").id == sent.id
    assert zns.find_message(client, oa_id=oa.oa_id, tracking_id="never-sent") is None


def test_sends_are_refused_as_etelecom_would(client, sandbox):
    oa = oa_named(client, "Chăm sóc khách hàng")
    send = {"oa_id": oa.oa_id, "phone": "0912000001", "template_id": 410001, "template_data": DATA, "tracking_id": "x"}
    for wrong, match in (
        ({"template_id": 410009}, "not approved"),
        ({"template_data": {"customer_name": "An"}}, "order_code is required"),
        ({"template_data": {**DATA, "order_code": "X" * 21}}, "1 to 20 characters"),
        ({"template_id": 410002, "template_data": {"otp": "12ab"}}, "digits only"),
        ({"phone": "0812"}, "phone"),
    ):
        with pytest.raises(errors.InvalidArgument, match=match):
            zns.send_zns(client, **{**send, **wrong})
    with pytest.raises(errors.NotFound):
        zns.send_zns(client, **{**send, "template_id": 999999})
    other = Client(sandbox.partner_base_url, sandbox.shop("Spa Thảo Mộc")["shop_key"])
    spent = oa_named(other, "Hỗ trợ")  # the demo OA with no quota left today
    with pytest.raises(errors.InvalidArgument) as refused:
        zns.send_zns(other, **{**send, "oa_id": spent.oa_id})
    assert refused.value.code == "failed_precondition" and "quota" in refused.value.msg
    assert zns.send_zns(other, **{**send, "oa_id": spent.oa_id}, development=True).is_development


def test_an_answer_lost_after_the_send_is_settled_by_reading_back(client, sandbox):
    oa = oa_named(client, "Chăm sóc khách hàng")
    sandbox.control.faults(next=["5xx"], phase="after", methods=["Zalo/SendZNS"])
    with pytest.raises(errors.ServerError):
        zns.send_zns(
            client, oa_id=oa.oa_id, phone="0912000003", template_id=410001, template_data=DATA, tracking_id="lost-1"
        )
    assert sandbox.control.received("Zalo/SendZNS") == 1  # a write is never retried by the client
    found = zns.find_message(client, oa_id=oa.oa_id, tracking_id="lost-1")
    assert found is not None and found.phone == "0912000003"


def test_a_journey_token_carries_zns_to_its_phone_only(client):
    oa = oa_named(client, "Chăm sóc khách hàng")
    journey = zns.create_journey(client, oa_id=oa.oa_id, phone="0912000010", token_type="token_coach_bus_30")
    assert journey.status == "P" and journey.journey_token and journey.expires_at > datetime.now(UTC)
    assert zns.get_journey(client, journey_id=journey.journey_id).id == journey.id
    assert [j.id for j in zns.iter_journeys(client, phone="0912000010")] == [journey.id]
    sent = zns.send_zns_journey(
        client,
        oa_id=oa.oa_id,
        journey_id=journey.journey_id,
        phone="0912000010",
        template_id=410001,
        template_data=DATA,
        tracking_id="j-1",
    )
    assert sent.type == "journey" and sent.journey_id == journey.journey_id
    with pytest.raises(errors.InvalidArgument, match="another phone"):
        zns.send_zns_journey(
            client,
            oa_id=oa.oa_id,
            journey_id=journey.journey_id,
            phone="0912000011",
            template_id=410001,
            template_data=DATA,
            tracking_id="j-2",
        )
    assert [m.tracking_id for m in zns.iter_messages(client, msg_type="journey")] == ["j-1"]


def test_replies_and_deliveries_are_posted_to_the_oa_webhook_in_zalos_shape(client, sandbox):
    oa = oa_named(client, "Chăm sóc khách hàng")
    zalo.update_shop_oa(client, oa_id=oa.oa_id, webhook_url=f"{sandbox.url}/_sandbox/health")
    for phone in ("0912345671", "0912345679"):  # 1 accepts, 9 lets the request lapse
        zns.request_consent(client, oa_id=oa.oa_id, phone=phone, call_type="audio", reason_code="update_order")
    zns.send_zns(client, oa_id=oa.oa_id, phone="0912000001", template_id=410001, template_data=DATA, tracking_id="w")
    control = sandbox.control
    consent_events = control.posted("oa_send_consent", count=3)
    [reply] = control.posted("user_reply_consent")
    [receipt] = control.posted("user_received_message")
    assert sorted(e["request_type"] for e in consent_events) == ["EXPIRED", "SENT", "SENT"]
    assert (reply["phone"], reply["user_consent"], reply["oa_id"]) == ("84912345671", "ALLOW", oa.oa_id)
    sent = next(e for e in consent_events if e["request_type"] == "SENT")
    assert int(sent["expired_time"]) > int(sent["create_time"]) > 1_600_000_000_000  # milliseconds, as strings
    assert receipt["sender"] == {"id": oa.oa_id} and receipt["message"]["tracking_id"] == "w"
    assert all("id" not in e and "entity" not in e for e in (*consent_events, reply, receipt))  # no envelope
    assert control.received("Zalo/SendZNS") == 1
