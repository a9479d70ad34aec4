"""OA conversations in the console: the customer's messages arrive by webhook, the follower's page is the
conversation (window, quota, unread), replies of every kind go through the sandbox, and a closed window, a hostile
upload or another shop's follower is refused before eTelecom is called."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shops import syncing
from shops.models import ApiCall
from shops.roles import SUPPORT
from zalo import services
from zalo.models import ConversationMessage, Follower, OfficialAccount

from ..shops.factories import make_oa, make_shop

SHOP = "Nhà thuốc An Khang Quận 1"
USER = "8800000000000000123"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture
def oa(shops, sandbox):
    shop = shops[SHOP]
    syncing.run_now("oa_sync", services.oa_sync_work, shop=shop)
    return OfficialAccount.objects.get(shop=shop, name__endswith="Chăm sóc khách hàng")


@pytest.fixture
def customer_writes(client, oa, sandbox):
    """The customer USER writes to the OA: the sandbox records the interaction and posts the event to the console's
    webhook, as eTelecom forwards Zalo's."""

    def write(text, user=USER):
        event = sandbox.control.oa_event(oa.oa_id, "user_send_text", zl_user_id=user, text=text)
        response = client.post(
            reverse("etelecom_webhook", args=[oa.shop.webhook_secret]), event, content_type="application/json"
        )
        assert response.status_code == 200
        return Follower.objects.get(oa=oa, zl_user_id=user)

    return write


def page(admin_client, follower):
    return admin_client.get(reverse("admin:zalo_follower_change", args=[follower.pk])).content.decode()


def reply(admin_client, follower, **data):
    return admin_client.post(reverse("admin:zalo_follower_reply", args=[follower.pk]), {"kind": "text", **data})


def test_a_customer_message_opens_the_window_and_counts_as_unread_until_read(customer_writes, admin_client, oa):
    follower = customer_writes("Shop ơi, còn thuốc không?")
    assert follower.last_customer_message_at is not None and follower.has_conversation
    listing = admin_client.get(reverse("admin:zalo_follower_changelist") + "?conversation=unread").content.decode()
    assert f"/admin/zalo/follower/{follower.pk}/change/" in listing
    body = page(admin_client, follower)
    assert "Shop ơi, còn thuốc không?" in body and "The OA may reply" in body
    listing = admin_client.get(reverse("admin:zalo_follower_changelist") + "?conversation=unread").content.decode()
    assert f"/admin/zalo/follower/{follower.pk}/change/" not in listing  # read now
    opened = admin_client.get(reverse("admin:zalo_follower_changelist") + "?conversation=open").content.decode()
    assert f"/admin/zalo/follower/{follower.pk}/change/" in opened


def test_the_list_is_newest_first_and_filters_by_assigned_staff(oa, admin_client):
    now = timezone.now()
    Follower.objects.create(
        oa=oa,
        zl_user_id="1",
        full_name="Khách Cũ",
        assigned_user_id="nv-01",
        last_message_at=now - timedelta(hours=3),
        synced_at=now,
    )
    Follower.objects.create(
        oa=oa, zl_user_id="2", full_name="Khách Mới", assigned_user_id="nv-02", last_message_at=now, synced_at=now
    )
    body = admin_client.get(reverse("admin:zalo_follower_changelist") + "?conversation=any").content.decode()
    assert body.index("Khách Mới") < body.index("Khách Cũ")
    body = admin_client.get(reverse("admin:zalo_follower_changelist") + "?assigned=nv-01").content.decode()
    assert "Khách Cũ" in body and "Khách Mới" not in body


def test_a_text_reply_goes_through_the_sandbox_with_its_quota(customer_writes, admin_client, admin_user):
    follower = customer_writes("Cho mình hỏi giá")
    response = reply(admin_client, follower, text="Dạ, giá 120.000đ ạ")
    assert response.status_code == 302, response.context["form"].errors
    sent = ConversationMessage.objects.get(direction="out", zl_user_id=USER)
    assert (sent.text, sent.kind, sent.sent_by) == ("Dạ, giá 120.000đ ạ", "text", admin_user)
    assert sent.quota_type == "reply" and sent.quota_remaining is not None
    assert "Dạ, giá 120.000đ ạ" in page(admin_client, follower)


def test_sticker_image_file_and_information_request_are_sent(customer_writes, admin_client):
    follower = customer_writes("Gửi mình hóa đơn nhé")
    assert reply(admin_client, follower, kind="sticker", sticker_id="bfe1b3f5").status_code == 302
    image = SimpleUploadedFile("don-thuoc.png", PNG, content_type="image/png")
    assert reply(admin_client, follower, kind="image", attachment=image).status_code == 302
    invoice = SimpleUploadedFile("hoa-don.pdf", PDF, content_type="application/pdf")
    assert reply(admin_client, follower, kind="file", attachment=invoice).status_code == 302
    assert reply(admin_client, follower, kind="request_user_info", title="Địa chỉ giao hàng").status_code == 302
    kinds = ConversationMessage.objects.filter(direction="out").values_list("kind", flat=True)
    assert sorted(kinds) == ["file", "image", "request_user_info", "sticker"]
    methods = set(ApiCall.objects.values_list("method", flat=True))
    assert {"Zalo/UploadImage", "Zalo/OASendImage", "Zalo/UploadFile", "Zalo/OASendFile"} <= methods
    assert "Zalo/RequestUserInfo" in methods


def test_a_closed_window_is_refused_before_etelecom_is_called(oa, admin_client):
    follower = Follower.objects.create(
        oa=oa,
        zl_user_id=USER,
        last_customer_message_at=timezone.now() - timedelta(hours=49),
        last_message_at=timezone.now() - timedelta(hours=49),
        synced_at=timezone.now(),
    )
    calls = ApiCall.objects.count()
    response = reply(admin_client, follower, text="Chào anh")
    assert response.status_code == 200
    assert "Nothing was sent" in response.content.decode()
    assert ApiCall.objects.count() == calls
    assert not ConversationMessage.objects.filter(direction="out").exists()


@pytest.mark.parametrize(
    ("kind", "name", "content", "error"),
    [
        ("image", "anh.png", b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024), "larger than"),
        ("image", "anh.svg", b"<svg onload=alert(1)>", "Zalo takes"),
        ("image", "anh.png", b"<?php system($_GET[1]); ?>", "not what its name says"),
        ("file", "tai-lieu.exe", b"MZ\x90\x00", "Zalo takes"),
        ("file", "../../etc/passwd.pdf", b"root:x:0:0", "not what its name says"),
        ("file", "rong.pdf", b"", "empty"),
    ],
)
def test_hostile_uploads_are_refused_before_anything_is_sent(customer_writes, admin_client, kind, name, content, error):
    follower = customer_writes("Chào shop")
    calls = ApiCall.objects.count()
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = reply(admin_client, follower, kind=kind, attachment=upload)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert ApiCall.objects.count() == calls


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "text", "text": "   "},
        {"kind": "text", "text": "x" * 2001},
        {"kind": "sticker", "sticker_id": "<script>"},
        {"kind": "teleport"},
        {"kind": "image"},
    ],
)
def test_bad_reply_input_is_a_form_error(customer_writes, admin_client, data):
    follower = customer_writes("Chào shop")
    calls = ApiCall.objects.count()
    response = admin_client.post(reverse("admin:zalo_follower_reply", args=[follower.pk]), data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert ApiCall.objects.count() == calls


def test_another_shops_follower_is_neither_shown_nor_answered(db, make_user, client, oa):
    other = make_oa(make_shop("Shop khác"))
    stranger = Follower.objects.create(
        oa=other, zl_user_id="77", last_customer_message_at=timezone.now(), synced_at=timezone.now()
    )
    client.force_login(make_user("hotro-a", SUPPORT, shops=[oa.shop]))
    calls = ApiCall.objects.count()
    assert client.get(reverse("admin:zalo_follower_change", args=[stranger.pk])).status_code in (302, 404)
    response = client.post(reverse("admin:zalo_follower_reply", args=[stranger.pk]), {"kind": "text", "text": "Hi"})
    assert response.status_code in (403, 404)
    assert ApiCall.objects.count() == calls
    mine = Follower.objects.create(
        oa=oa, zl_user_id="78", last_customer_message_at=timezone.now(), synced_at=timezone.now()
    )
    assert client.get(reverse("admin:zalo_follower_change", args=[mine.pk])).status_code == 200


def txn(admin_client, follower, **data):
    fields = {
        "tracking_id": "a" * 32,
        "template_type": "transaction_order",
        "language": "VI",
        "header": "Đơn hàng DH-1001 đã xác nhận",
        "text": "Cảm ơn quý khách",
        "table": "Mã đơn: DH-1001\nTổng tiền: 250.000đ",
        "buttons": "link | Xem đơn | https://shop.example.vn/don/DH-1001\ncall | Gọi shop | 0912345678",
        "send": "1",
        **data,
    }
    return admin_client.post(reverse("admin:zalo_follower_transaction", args=[follower.pk]), fields)


def test_a_transaction_message_is_previewed_then_sent_once(customer_writes, admin_client, sandbox, oa):
    follower = customer_writes("Đặt hàng giúp mình")
    preview = txn(admin_client, follower, send="", preview="1")
    body = preview.content.decode()
    assert "Tổng tiền" in body and "250.000đ" in body and "Xem đơn" in body
    assert not ConversationMessage.objects.filter(kind="transaction").exists()
    assert txn(admin_client, follower).status_code == 302
    sent = ConversationMessage.objects.get(kind="transaction")
    assert sent.send_state == "sent" and sent.msg_id
    wire = [m for m in sandbox.control.oa_messages(oa.oa_id) if m.get("type") == "transaction"]
    assert len(wire) == 1 and wire[0]["message"]["content_table"][1] == {"key": "Tổng tiền", "value": "250.000đ"}
    again = txn(admin_client, follower)  # the same form posted twice (a double click, a reload)
    assert "not sent twice" in again.content.decode()
    assert len([m for m in sandbox.control.oa_messages(oa.oa_id) if m.get("type") == "transaction"]) == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"header": ""}, "This field is required"),
        ({"table": "không có dấu hai chấm"}, "is not “key: value”"),
        ({"table": "\n".join(f"k{n}: v" for n in range(9))}, "At most 8 rows"),
        ({"buttons": "link | Xem | javascript:alert(1)"}, "https:// address"),
        ({"buttons": "\n".join(f"reply | Nút {n} | ok" for n in range(5))}, "At most 4 buttons"),
        ({"buttons": "teleport | Xem | x"}, "is not a button"),
        ({"banner_url": "http://example.vn/a.png"}, "https:// address"),
        ({"tracking_id": "../../etc"}, "out of date"),
        ({"template_type": "transaction_nuclear"}, "Select a valid choice"),
    ],
)
def test_bad_transaction_input_is_a_form_error_and_nothing_is_sent(customer_writes, admin_client, data, error):
    follower = customer_writes("Chào shop")
    calls = ApiCall.objects.count()
    response = txn(admin_client, follower, **data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert ApiCall.objects.count() == calls


def test_the_customers_answer_to_the_information_request_is_shared_and_reopens_the_window(
    customer_writes, client, admin_client, oa, sandbox
):
    follower = customer_writes("Chào shop")
    old = timezone.now() - timedelta(hours=60)
    Follower.objects.filter(pk=follower.pk).update(last_customer_message_at=old)
    assert reply(admin_client, follower, kind="request_user_info", title="Địa chỉ giao hàng").status_code == 200
    info = {"name": "Nguyễn Văn An", "address": "12 Lê Lợi, Quận 1"}
    sandbox.control.interacted(oa.oa_id, USER, hours_ago=60)
    event = sandbox.control.oa_event(oa.oa_id, "user_submit_info", zl_user_id=USER, info=info)
    response = client.post(
        reverse("etelecom_webhook", args=[oa.shop.webhook_secret]), event, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "processed"
    follower.refresh_from_db()
    assert follower.shared_info["address"] == "12 Lê Lợi, Quận 1"
    assert follower.last_customer_message_at > old
    body = page(admin_client, follower)
    assert "12 Lê Lợi, Quận 1" in body and "The OA may reply" in body


@pytest.mark.parametrize(
    "change",
    [
        {"info": "not an object"},
        {"info": {"address": "<script>alert(1)</script>" * 100, "evil": "x"}},
        {"sender": {}},
    ],
)
def test_a_hostile_information_answer_changes_nothing_it_should_not(customer_writes, client, oa, change):
    follower = customer_writes("Chào shop")
    event = {
        "app_id": oa.app_id,
        "event_name": "user_submit_info",
        "timestamp": "1767225600000",
        "sender": {"id": USER},
        "recipient": {"id": oa.oa_id},
        "info": {"phone": "0912345678"},
        **change,
    }
    response = client.post(
        reverse("etelecom_webhook", args=[oa.shop.webhook_secret]), event, content_type="application/json"
    )
    assert response.status_code in (200, 400)
    follower.refresh_from_db()
    assert "evil" not in follower.shared_info
    assert all(len(value) <= 255 for value in follower.shared_info.values())


def test_the_conversation_list_costs_the_same_queries_for_3_or_30_followers(oa, admin_client):
    def listing():
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse("admin:zalo_follower_changelist") + "?conversation=any")
        assert response.status_code == 200
        return len(queries)

    def add(count):
        now = timezone.now()
        for n in range(count):
            user = f"77{Follower.objects.count():06d}{n}"
            Follower.objects.create(oa=oa, zl_user_id=user, last_message_at=now, synced_at=now)
            ConversationMessage.objects.create(oa=oa, zl_user_id=user, direction="in", kind="text", sent_at=now)

    add(3)
    few = listing()
    add(27)
    assert listing() == few


def test_the_follow_state_filter_reads_in_words_and_ignores_a_made_up_state(oa, admin_client):
    now = timezone.now()
    Follower.objects.create(oa=oa, zl_user_id="1", full_name="Khách Theo", state="follow", synced_at=now)
    Follower.objects.create(oa=oa, zl_user_id="2", full_name="Khách Bỏ", state="unfollow", synced_at=now)
    url = reverse("admin:zalo_follower_changelist")
    body = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert str(Follower.STATES["unfollow"]) in body
    body = admin_client.get(url + "?state=unfollow").content.decode()
    assert "Khách Bỏ" in body and "Khách Theo" not in body
    response = admin_client.get(url + "?state=%27%3Bdrop")
    assert response.status_code == 200
    assert "Khách Bỏ" in response.content.decode() and "Khách Theo" in response.content.decode()
