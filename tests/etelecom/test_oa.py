"""OA conversations against the sandbox over HTTP: consulting messages inside Zalo's window and quota, the
user-information form, uploads, transaction messages; and CreateShopAccount."""

import pytest
import requests

from etelecom import errors, oa, shop, zalo
from etelecom.client import Client

SHOP = "Nhà thuốc An Khang Quận 1"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
PDF = b"%PDF-1.4\n" + bytes(200)
DOCX = b"PK\x03\x04" + bytes(200)


@pytest.fixture
def client(sandbox):
    return Client(sandbox.partner_base_url, sandbox.shop(SHOP)["shop_key"])


@pytest.fixture
def the_oa(client) -> zalo.OfficialAccount:
    return next(account for account in zalo.iter_oas(client) if account.name.endswith("Chăm sóc khách hàng"))


@pytest.fixture
def user(sandbox, client, the_oa) -> str:
    """A follower who has just written to the OA: the window is open with its eight free replies."""
    follower = next(zalo.iter_followers(client, oa_id=the_oa.oa_id))
    sandbox.control.oa_event(the_oa.oa_id, "user_send_text", zl_user_id=follower.zl_user_id, text="Cho tôi hỏi")
    return follower.zl_user_id


def test_a_text_inside_the_window_is_a_free_reply_and_is_recorded(sandbox, client, the_oa, user):
    sent = oa.send_text(client, oa_id=the_oa.oa_id, user_id=user, text="Dạ, shop xin trả lời ạ")
    assert (sent.direction, sent.type, sent.oa_id, sent.zl_user_id, sent.recipient_id) == (
        "out",
        "text",
        the_oa.oa_id,
        user,
        user,
    )
    assert sent.msg_id and sent.user_id and sent.user_id != user  # an eTelecom user id, not the Zalo one
    assert (sent.quota.quota_type, sent.quota.remain, sent.quota.total, sent.quota.owner_type) == ("reply", 7, 8, "OA")
    assert sent.quota.owner_id == the_oa.oa_id and sent.quota.expired_date
    recorded = sandbox.control.oa_messages(the_oa.oa_id)
    assert [(m["msg_id"], m["message"]) for m in recorded] == [(sent.msg_id, {"text": "Dạ, shop xin trả lời ạ"})]


def test_after_eight_replies_the_package_pays_until_it_is_used_up(sandbox, client, the_oa, user):
    sandbox.control.update_oa(the_oa.oa_id, consult_quota_total=100, consult_quota_remain=2)
    quotas = [oa.send_text(client, oa_id=the_oa.oa_id, user_id=user, text=f"Tin {n}").quota for n in range(10)]
    assert [(q.quota_type, q.remain) for q in quotas] == [
        *[("reply", left) for left in range(7, -1, -1)],
        ("sub_quota", 1),
        ("sub_quota", 0),
    ]
    assert quotas[-1].total == 100
    with pytest.raises(oa.ConsultingQuotaExhausted) as refused:
        oa.send_text(client, oa_id=the_oa.oa_id, user_id=user, text="Một tin nữa")
    assert refused.value.meta["reason"] == "quota_exhausted" and isinstance(refused.value, errors.FailedPrecondition)
    assert len(sandbox.control.oa_messages(the_oa.oa_id)) == 10  # the refused one was not sent
    # The customer writes again: eight free replies again.
    sandbox.control.oa_event(the_oa.oa_id, "user_send_text", zl_user_id=user, text="Còn hàng không?")
    assert oa.send_text(client, oa_id=the_oa.oa_id, user_id=user, text="Dạ còn").quota.quota_type == "reply"


def test_outside_the_window_nothing_is_sent_until_the_customer_writes_again(sandbox, client, the_oa, user):
    sandbox.control.interacted(the_oa.oa_id, user, hours_ago=49)
    for send in (
        lambda: oa.send_text(client, oa_id=the_oa.oa_id, user_id=user, text="Muộn rồi"),
        lambda: oa.send_sticker(client, oa_id=the_oa.oa_id, user_id=user, sticker_id="abc"),
        lambda: oa.request_user_info(client, oa_id=the_oa.oa_id, zl_user_id=user),
    ):
        with pytest.raises(oa.ConsultingWindowClosed) as refused:
            send()
        assert refused.value.status == 400 and refused.value.meta["reason"] == "outside_window"
    assert sandbox.control.oa_messages(the_oa.oa_id) == []
    sandbox.control.interacted(the_oa.oa_id, user, hours_ago=47)
    assert oa.send_text(client, oa_id=the_oa.oa_id, user_id=user, text="Kịp").quota.remain == 7


def test_a_user_who_never_wrote_is_outside_the_window_and_a_stranger_is_not_found(client, the_oa):
    silent = next(f for f in zalo.iter_followers(client, oa_id=the_oa.oa_id) if not f.has_conversation)
    with pytest.raises(oa.ConsultingWindowClosed):
        oa.send_text(client, oa_id=the_oa.oa_id, user_id=silent.zl_user_id, text="Chào")
    with pytest.raises(errors.NotFound):
        oa.send_text(client, oa_id=the_oa.oa_id, user_id="8800000000000000000", text="Chào")
    with pytest.raises(errors.NotFound):
        oa.send_text(client, oa_id="1150000000000009999", user_id=silent.zl_user_id, text="Chào")


def test_sticker_image_file_and_the_information_form(sandbox, client, the_oa, user):
    attachment = oa.upload_image(client, oa_id=the_oa.oa_id, name="anh.png", content=PNG, content_type="image/png")
    token = oa.upload_file(client, oa_id=the_oa.oa_id, name="hoá-đơn.pdf", content=PDF, content_type="application/pdf")
    sent = [
        oa.send_sticker(client, oa_id=the_oa.oa_id, user_id=user, sticker_id="a1b2"),
        oa.send_image(client, oa_id=the_oa.oa_id, user_id=user, attachment_id=attachment),
        oa.send_image(client, oa_id=the_oa.oa_id, user_id=user, image_url="https://example.vn/a.jpg"),
        oa.send_file(client, oa_id=the_oa.oa_id, user_id=user, token=token),
    ]
    assert [m.type for m in sent] == ["sticker", "photo", "photo", "file"]
    updated = oa.request_user_info(
        client, oa_id=the_oa.oa_id, zl_user_id=user, title="Chia sẻ địa chỉ", subtitle="Để giao hàng"
    )
    assert updated == 1
    contents = [m["message"] for m in sandbox.control.oa_messages(the_oa.oa_id)]
    assert contents == [
        {"attachment_id": "a1b2"},
        {"attachment_id": attachment},
        {"image_url": "https://example.vn/a.jpg"},
        {"token": token},
        {"request_user_info": {"title": "Chia sẻ địa chỉ", "subtitle": "Để giao hàng"}},
    ]


def test_the_customer_answers_the_information_form_by_webhook_and_shares_it(sandbox, client, the_oa, user):
    zalo.update_shop_oa(client, oa_id=the_oa.oa_id, webhook_url="http://127.0.0.1:9/hook")
    assert oa.request_user_info(client, oa_id=the_oa.oa_id, zl_user_id=user, title="Địa chỉ giao hàng") == 1
    info = {"name": "Nguyễn Văn An", "phone": "0912345678", "address": "12 Lê Lợi", "city": "Hồ Chí Minh"}
    event = sandbox.control.oa_event(the_oa.oa_id, "user_submit_info", zl_user_id=user, info=info)
    assert (event["event_name"], event["sender"], event["info"]) == ("user_submit_info", {"id": user}, info)
    assert sandbox.control.posted("user_submit_info")[0]["info"] == info
    [follower] = zalo.iter_followers(client, oa_id=the_oa.oa_id, zl_user_id=user)
    assert {name: follower.shared_info[name] for name in info} == info
    # Answering is an interaction: eight free replies again.
    assert oa.send_text(client, oa_id=the_oa.oa_id, user_id=user, text="Cảm ơn anh").quota.remain == 7


def test_what_a_send_refers_to_must_be_an_upload_of_that_kind_for_that_oa(client, the_oa, user):
    other = next(account for account in zalo.iter_oas(client) if account.oa_id != the_oa.oa_id)
    elsewhere = oa.upload_image(client, oa_id=other.oa_id, name="a.png", content=PNG, content_type="image/png")
    token = oa.upload_file(client, oa_id=the_oa.oa_id, name="a.pdf", content=PDF, content_type="application/pdf")
    with pytest.raises(errors.InvalidArgument, match="attachment_id"):
        oa.send_image(client, oa_id=the_oa.oa_id, user_id=user, attachment_id=elsewhere)
    with pytest.raises(errors.InvalidArgument, match="attachment_id"):
        oa.send_image(client, oa_id=the_oa.oa_id, user_id=user, attachment_id=token)
    with pytest.raises(errors.InvalidArgument, match="token"):
        oa.send_file(client, oa_id=the_oa.oa_id, user_id=user, token="made-up")
    with pytest.raises(errors.InvalidArgument, match="image_url"):
        oa.send_image(client, oa_id=the_oa.oa_id, user_id=user, image_url="javascript:alert(1)")
    with pytest.raises(ValueError):
        oa.send_image(client, oa_id=the_oa.oa_id, user_id=user)
    with pytest.raises(ValueError):
        oa.send_image(client, oa_id=the_oa.oa_id, user_id=user, attachment_id="a", image_url="https://a/b.png")


@pytest.mark.parametrize(
    ("name", "content", "content_type", "match"),
    [
        ("a.png", PDF, "image/png", "data"),  # the bytes are not what the type says
        ("a.exe", b"MZ" + bytes(10), "application/x-msdownload", "content_type"),
        ("a.png", b"", "image/png", "data"),
        ("a.png", b"\x89PNG\r\n\x1a\n" + bytes(1024 * 1024), "image/png", "larger than"),  # over 1 MiB
        ("../../etc/passwd.png", PNG, "image/png", "file_name"),
        ("a\x00.png", PNG, "image/png", "file_name"),
    ],
)
def test_hostile_image_uploads_are_refused(client, the_oa, name, content, content_type, match):
    with pytest.raises(errors.InvalidArgument, match=match):
        oa.upload_image(client, oa_id=the_oa.oa_id, name=name, content=content, content_type=content_type)


def test_a_five_mib_file_is_taken_and_a_larger_one_refused(client, the_oa):
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    largest = DOCX + bytes(oa.FILE_MAX_BYTES - len(DOCX))
    assert oa.upload_file(client, oa_id=the_oa.oa_id, name="hợp-đồng.docx", content=largest, content_type=docx)
    with pytest.raises(errors.InvalidArgument, match="larger than"):
        oa.upload_file(client, oa_id=the_oa.oa_id, name="lớn.docx", content=largest + b"0", content_type=docx)


def test_upload_data_that_is_not_base64_is_refused(sandbox, the_oa):
    key = sandbox.shop(SHOP)["shop_key"]
    body = {"oa_id": the_oa.oa_id, "file_name": "a.png", "content_type": "image/png", "data": "not base64!"}
    answer = requests.post(
        f"{sandbox.partner_base_url}.Zalo/UploadImage", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert (answer.status_code, answer.json()["code"], answer.json()["meta"]) == (
        400,
        "invalid_argument",
        {"field": "data"},
    )


def order_message(**changes) -> oa.TxnMessage:
    values = {
        "header": "Xác nhận đơn hàng",
        "text": "Cảm ơn quý khách đã mua hàng.",
        "table": (("Mã đơn", "DH-0001"), ("Tổng tiền", "350.000đ")),
        "buttons": (
            oa.TxnButton("Xem đơn hàng", "oa.open.url", {"url": "https://example.vn/don/1"}),
            oa.TxnButton("Gọi shop", "oa.open.phone", {"phone_code": "0901000001"}),
        ),
        "banner_image_url": "https://example.vn/banner.png",
    }
    return oa.TxnMessage(**{**values, **changes})


def test_a_transaction_message_needs_no_window_and_is_recorded_as_documented(sandbox, client, the_oa, user):
    sandbox.control.interacted(the_oa.oa_id, user, hours_ago=24 * 30)
    message = order_message()
    message_id = oa.send_txn(
        client, oa_id=the_oa.oa_id, user_id=user, message=message, template_type="transaction_order", language="VI"
    )
    recorded = sandbox.control.oa_messages(the_oa.oa_id)[-1]
    assert (recorded["message_id"], recorded["template_type"], recorded["language"]) == (
        message_id,
        "transaction_order",
        "VI",
    )
    assert recorded["message"] == message.to_api()
    assert recorded["message"]["content_table"] == [
        {"key": "Mã đơn", "value": "DH-0001"},
        {"key": "Tổng tiền", "value": "350.000đ"},
    ]


@pytest.mark.parametrize(
    ("message", "options", "match"),
    [
        (order_message(header=""), {}, "content_header"),
        (order_message(buttons=(oa.TxnButton("Xem", "oa.open.url", {"url": "https://a.vn"}),) * 5), {}, "buttons"),
        (order_message(buttons=(oa.TxnButton("Xem", "oa.open.url", {}),)), {}, "payload.url"),
        (order_message(buttons=(oa.TxnButton("Xem", "oa.open.url", {"url": "ftp://a.vn"}),)), {}, "payload.url"),
        (order_message(buttons=(oa.TxnButton("Nhắn", "oa.open.sms", {"content": "Hi"}),)), {}, "phone_code"),
        (order_message(buttons=(oa.TxnButton("x" * 101, "oa.query.show", {"content": "a"}),)), {}, "title"),
        (order_message(buttons=(oa.TxnButton("Xem", "oa.open.app", {"url": "https://a.vn"}),)), {}, "type"),
        (order_message(banner_attachment_id="made-up"), {}, "content_banner"),
        (order_message(), {"template_type": "promotion"}, "template_type"),
        (order_message(), {"language": "FR"}, "language"),
    ],
)
def test_a_transaction_message_off_the_documented_shape_is_refused(client, the_oa, user, message, options, match):
    with pytest.raises(errors.InvalidArgument, match=match):
        oa.send_txn(client, oa_id=the_oa.oa_id, user_id=user, message=message, **options)


def test_a_send_is_sent_once_even_when_the_answer_is_a_5xx(sandbox, client, the_oa, user):
    sandbox.control.faults(next=["5xx"], phase="after")
    with pytest.raises(errors.ServerError):
        oa.send_text(client, oa_id=the_oa.oa_id, user_id=user, text="Một lần thôi")
    assert sandbox.control.received("Zalo/OASendText") == 1
    assert len(sandbox.control.oa_messages(the_oa.oa_id)) == 1  # it happened; the console must not resend


def test_request_user_info_checks_the_vn_page_limits(client, the_oa, user):
    with pytest.raises(errors.InvalidArgument, match="title"):
        oa.request_user_info(client, oa_id=the_oa.oa_id, zl_user_id=user, title="x" * 101)
    with pytest.raises(errors.InvalidArgument, match="subtitle"):
        oa.request_user_info(client, oa_id=the_oa.oa_id, zl_user_id=user, subtitle="x" * 501)
    with pytest.raises(errors.InvalidArgument, match="image_url"):
        oa.request_user_info(client, oa_id=the_oa.oa_id, zl_user_id=user, image_url="data:image/png;base64,AA")


def test_a_consulting_send_refuses_undocumented_fields(sandbox, the_oa, user):
    key = sandbox.shop(SHOP)["shop_key"]
    body = {"oa_id": the_oa.oa_id, "recipient": {"user_id": user}, "message": {"text": "a", "html": "<b>a</b>"}}
    answer = requests.post(
        f"{sandbox.partner_base_url}.Zalo/OASendText", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 400 and "message.html" in answer.json()["msg"]


# --- CreateShopAccount ----------------------------------------------------------------------------------------


def test_create_shop_account_hands_back_both_keys_that_work(sandbox):
    partner = Client(sandbox.partner_base_url, sandbox.partner_key)
    created = shop.create_shop_account(
        partner, name="Cửa hàng Sen Vàng", phone="0912345670", email="senvang@example.vn"
    )
    assert created.shop.id and created.shop.name == "Cửa hàng Sen Vàng" and created.shop.email == "senvang@example.vn"
    assert created.api_key not in str(created) and created.shop_key not in str(created)
    assert created.api_key not in repr(created) and created.shop_key not in repr(created)
    assert shop.current_shop(Client(sandbox.shop_base_url, created.api_key)).id == created.shop.id
    assert shop.current_shop(Client(sandbox.partner_base_url, created.shop_key)).id == created.shop.id
    assert created.shop.id in {s.id for s in shop.iter_shops(partner)}
    with pytest.raises(errors.AlreadyExists):
        shop.create_shop_account(partner, name="Khác", phone="0912345671", email="SenVang@example.vn")


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"name": "  "}, "name"),
    ],
)
def test_create_shop_account_checks_its_fields(sandbox, fields, match):
    partner = Client(sandbox.partner_base_url, sandbox.partner_key)
    values = {"name": "Cửa hàng", "phone": "0912345670", "email": "moi@example.vn", **fields}
    with pytest.raises(errors.InvalidArgument, match=match):
        shop.create_shop_account(partner, **values)


def test_only_the_partner_key_creates_shops(sandbox):
    shop_client = Client(sandbox.partner_base_url, sandbox.shop(SHOP)["shop_key"])
    with pytest.raises(errors.PermissionDenied):
        shop.create_shop_account(shop_client, name="Cửa hàng", phone="0912345670", email="moi@example.vn")
