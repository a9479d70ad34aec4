"""The client decodes every documented response sample, served over HTTP as eTelecom would serve it, without an
error and without losing a field: each record keeps the whole object it came from (`raw`), unknown fields and
unknown enum values included; every documented error code raises its error class."""

from datetime import datetime

import pytest

from etelecom import Client, errors, oa, pbx, shop, sms, zalo, zns

from .conftest import SAMPLES, sample_id

# How the client reads each method's answer: the call, and the list key for list methods.
CALLS = {
    "Shop/AuthorizeShop": lambda c: shop.authorize_shop(c, redirect_url="https://example.com/cb", shop_id="1"),
    "Shop/CurrentShop": shop.current_shop,
    "Shop/CreateShopAccount": lambda c: shop.create_shop_account(c, name="n", phone="0912345678", email="a@b.vn"),
    "Zalo/OASendText": lambda c: oa.send_text(c, oa_id="1", user_id="2", text="t"),
    "Zalo/OASendSticker": lambda c: oa.send_sticker(c, oa_id="1", user_id="2", sticker_id="s"),
    "Zalo/OASendImage": lambda c: oa.send_image(c, oa_id="1", user_id="2", image_url="https://a/b.png"),
    "Zalo/OASendFile": lambda c: oa.send_file(c, oa_id="1", user_id="2", token="t"),
    "Zalo/RequestUserInfo": lambda c: oa.request_user_info(c, oa_id="1", zl_user_id="2"),
    "Zalo/SendZNSTxn": lambda c: oa.send_txn(c, oa_id="1", user_id="2", message=oa.TxnMessage(header="h")),
    "Zalo/ConnectOA": lambda c: zalo.connect_oa(c, code="c", oa_id="1", state="2"),
    "Zalo/AuthorizeOA": lambda c: zalo.authorize_oa(c, app_id="1", app_secret="s", redirect_uri="https://a/cb"),
    "Zalo/RefreshToken": lambda c: zalo.refresh_token(c, oa_id="1"),
    "Zalo/RequestConsent": lambda c: zns.request_consent(
        c, oa_id="1", phone="0912345678", call_type="audio", reason_code="update_order"
    ),
    "Zalo/CheckConsent": lambda c: zns.check_consent(c, oa_id="1", phone="0912345678"),
    "Zalo/ListRequestConsent": lambda c: list(zns.iter_consents(c, oa_id="1")),
    "Zalo/CreateTemplate": lambda c: zns.create_template(c, oa_id="1", template_id=1, type="text"),
    "Zalo/CreateJourney": lambda c: zns.create_journey(c, oa_id="1", phone="0912345678"),
    "Zalo/SendZNSJourney": lambda c: zns.send_zns_journey(
        c, oa_id="1", journey_id="1", phone="0912345678", template_id=1, template_data={}, tracking_id="t"
    ),
    "Etelecom/PartnerActivateTenant": lambda c: pbx.activate_tenant(
        c, tenant_id="1", owner_id="2", connection_id="3", hotline_id="4"
    ),
    "Etelecom/AssignUserToExtension": lambda c: pbx.assign_user(c, extension_id="1", user_id="2"),
    "Etelecom/UpdateHotlineForExtension": lambda c: pbx.change_hotline(c, extension_id="1", hotline_id="2"),
    "Etelecom/RemoveUserOfExtension": lambda c: pbx.remove_user(c, extension_id="1", user_id="2"),
}
LIST_KEYS = {"Zalo/ListRequestConsent": "consents"}

# SMS Brandname's answers are decoded in test_sms_samples.py (another gateway, another error shape).
DECODED = [
    s
    for s in SAMPLES
    if s["kind"] == "response" and s.get("implemented") is not False and s["method"] not in sms.METHODS
]


def test_every_documented_answer_of_a_method_the_client_calls_is_decoded_here():
    assert {s["method"] for s in DECODED} <= set(CALLS)


def _serve(replay, sample, status=200):
    replay.answer = (status, sample["body"])
    replay.items_key = LIST_KEYS.get(sample["method"], "")
    return Client(f"http://127.0.0.1:{replay.server_address[1]}/v1/partner", "key", max_retries=0)


@pytest.mark.parametrize("sample", DECODED, ids=sample_id)
def test_the_client_decodes_the_sample_without_loss(replay, sample):
    body = sample["body"]
    result = CALLS[sample["method"]](_serve(replay, sample))
    if sample["method"] in LIST_KEYS:
        assert [item.raw for item in result] == body[LIST_KEYS[sample["method"]]]
    elif hasattr(result, "raw"):
        assert result.raw == body
    elif isinstance(result, str):  # an authorization link, a transaction message's id
        assert result == body.get("url", body.get("message_id"))
    elif isinstance(result, bool):  # `{"updated": 1}` or 0
        assert result is (body["updated"] == 1)
    elif isinstance(result, int):  # RequestUserInfo's `updated`
        assert result == body["updated"]
    elif isinstance(result, shop.CreatedShop):
        assert (result.api_key, result.shop_key, result.shop.raw) == (body["api_key"], body["shop_key"], body["shop"])
    elif isinstance(result, shop.Authorization):
        carried = {"type": result.type, "auth_token": result.auth_token, "expires_in": result.expires_in}
        assert carried == {name: body[name] for name in carried}
        assert result.auth_url == body.get("auth_url", "")
    else:  # CheckConsent
        assert (result.error, result.message) == (body["error"], body["message"])
        assert result.expired_time == datetime.fromisoformat(body["expired_time"])


def test_a_documented_record_with_placeholders_for_values_still_decodes(replay):
    """SendZNSJourney's hand-written sample writes `"<boolean>"`, `"<integer>"` and `msg_type`/`price` for
    `type`/`fee_main`: read as the other spelling, with what is no value left empty."""
    sample = next(s for s in SAMPLES if s["id"] == "zns.send_zns_journey.response.handwritten")
    message = CALLS[sample["method"]](_serve(replay, sample))
    assert (message.type, message.fee_main, message.template_id, message.sent_time) == ("journey", None, None, None)


def test_the_docs_other_spellings_are_read(replay):
    sample = next(s for s in SAMPLES if s["id"] == "zalo.connect_oa.response")
    renamed = {("owner_id" if k == "onwer_id" else "id" if k == "oa_id" else k): v for k, v in sample["body"].items()}
    oa = CALLS["Zalo/ConnectOA"](_serve(replay, {**sample, "body": {**renamed, "owner_id": "7", "id": "8"}}))
    assert (oa.owner_id, oa.oa_id) == ("7", "8")


@pytest.mark.parametrize("number", [1150000000000000001, 1.15e3, "1150000000000000001"])
def test_ids_are_read_whether_quoted_or_not(replay, number):
    sample = next(s for s in SAMPLES if s["id"] == "zalo.connect_oa.response")
    oa = CALLS["Zalo/ConnectOA"](_serve(replay, {**sample, "body": {**sample["body"], "oa_id": number}}))
    assert oa.oa_id == str(int(number))


ERRORS = [s for s in SAMPLES if s["kind"] == "error"]
CLASSES = {
    "invalid_argument": errors.InvalidArgument,
    "unauthenticated": errors.AuthenticationError,
    "permission_denied": errors.PermissionDenied,
    "bad_route": errors.NotFound,
    "not_found": errors.NotFound,
    "already_exists": errors.AlreadyExists,
}


@pytest.mark.parametrize("sample", ERRORS, ids=sample_id)
def test_every_documented_error_raises_its_class_with_what_etelecom_said(replay, sample):
    client = _serve(replay, sample, status=sample["status"])
    with pytest.raises(errors.EtelecomError) as caught:
        shop.current_shop(client)
    error = caught.value
    assert type(error) is CLASSES[sample["body"]["code"]]
    assert (error.status, error.code, error.msg) == (sample["status"], sample["body"]["code"], sample["body"]["msg"])
    assert error.meta == sample["body"].get("meta", {})


@pytest.mark.parametrize(("code", "cls"), CLASSES.items())
def test_every_documented_code_maps_to_its_class_even_in_a_200(replay, code, cls):
    """A 200 whose body is `{code, msg}` is an error too (the docs: treat it as a failure)."""
    client = _serve(replay, {"method": "", "body": {"code": code, "msg": "m"}})
    with pytest.raises(cls if code in errors.CODE_ERRORS else errors.ResponseError):
        shop.current_shop(client)
    assert errors.error_class(400, code) is cls
