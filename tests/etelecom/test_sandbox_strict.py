"""The sandbox as the strictest faithful eTelecom (issue 16, items 3-7): every answer is the documented
`{code, msg, meta}` JSON for every verb and body within a bounded time; paging, phones, filters, SendZNS's modes,
consent expiry and CurrentShop as the docs have them."""

import http.client
import json
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from etelecom import Client, InvalidArgument, PermissionDenied, pbx, zalo, zns

SHOP = "Nhà thuốc An Khang Quận 1"
ERROR_FIELDS = {"code", "msg", "meta"}


def is_error(body: dict, code: str) -> bool:
    return set(body) == ERROR_FIELDS and body["code"] == code and isinstance(body["meta"], dict) and body["msg"]


def call(sandbox, method: str, body, *, partner=False) -> tuple[int, dict]:
    key = sandbox.partner_key if partner else sandbox.shop(SHOP)["shop_key"]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = requests.post(
        f"{sandbox.partner_base_url}.{method}",
        data=data,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=10,
    )
    return response.status_code, response.json()


def raw(sandbox, request: bytes, *, timeout: float = 10) -> tuple[int, dict, float]:
    """Send bytes as they are; the status, the JSON body and the seconds the answer took."""
    host, port = sandbox.url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received or len(received.split(b"\r\n\r\n", 1)[1]) < _length(received):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body), time.monotonic() - started


def _length(received: bytes) -> int:
    for line in received.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 1 << 30


def head(sandbox, method: str, length: int | None = None, extra: str = "") -> bytes:
    key = sandbox.shop(SHOP)["shop_key"]
    size = f"Content-Length: {length}\r\n" if length is not None else ""
    return (
        f"POST /v1/partner.{method} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\n{size}{extra}Connection: close\r\n\r\n"
    ).encode()


def client(sandbox) -> Client:
    return Client(sandbox.partner_base_url, sandbox.shop(SHOP)["shop_key"])


def oa_id(sandbox) -> str:
    return next(oa.oa_id for oa in zalo.iter_oas(client(sandbox)) if oa.name.endswith("Chăm sóc khách hàng"))


# --- every verb, every body: the documented error JSON --------------------------------------------------------


@pytest.mark.parametrize("verb", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"])
def test_every_verb_but_post_is_the_documented_bad_route_in_json(sandbox, verb):
    connection = http.client.HTTPConnection(sandbox.url.removeprefix("http://"), timeout=5)
    connection.request(verb, "/v1/partner.Shop/CurrentShop", body=b"{}", headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    body = json.loads(response.read())
    assert response.status == 404 and is_error(body, "bad_route")
    assert response.getheader("Content-Type") == "application/json"


def test_head_gets_the_status_and_headers_without_a_body(sandbox):
    connection = http.client.HTTPConnection(sandbox.url.removeprefix("http://"), timeout=5)
    connection.request("HEAD", "/v1/partner.Shop/CurrentShop")
    response = connection.getresponse()
    assert (response.status, response.read()) == (404, b"")
    assert int(response.getheader("Content-Length")) > 0


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"POST /v1/partner.Shop/CurrentShop HTTP/9.9\r\n\r\n",
        b"POST / HTTP/1.1\r\n" + b"X: y\r\n" * 200,
    ],
)
def test_what_the_http_layer_refuses_is_json_too(sandbox, request_bytes):
    status, body, _ = raw(sandbox, request_bytes + b"\r\n")
    assert 400 <= status < 500 and set(body) == ERROR_FIELDS


def test_a_chunked_body_is_read(sandbox):
    payload = b'{"paging": {"limit": 1}}'
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (payload[:7], payload[7:])) + b"0\r\n\r\n"
    status, body, _ = raw(sandbox, head(sandbox, "Zalo/ListOA", extra="Transfer-Encoding: chunked\r\n") + chunks)
    assert status == 200 and len(body["accounts"]) == 1 and body["paging"]["limit"] == 1


@pytest.mark.parametrize(
    "extra, body",
    [
        ("Transfer-Encoding: chunked\r\n", b"zz\r\n{}\r\n0\r\n\r\n"),
        ("Transfer-Encoding: chunked\r\n", b"2\r\n{}XX0\r\n\r\n"),
        ("Transfer-Encoding: gzip\r\n", b"{}"),
        ("Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", b"{}"),
    ],
)
def test_a_broken_chunked_body_is_a_400(sandbox, extra, body):
    status, answer, _ = raw(sandbox, head(sandbox, "Zalo/ListOA", extra=extra) + body)
    assert status == 400 and is_error(answer, "invalid_argument")


@pytest.mark.parametrize("sent", [b"{}"[:1], b""])
def test_a_body_shorter_than_its_content_length_is_a_400_within_a_bound(sandbox_server, sandbox, sent):
    sandbox_server.server.body_seconds = 0.5
    try:
        status, body, seconds = raw(sandbox, head(sandbox, "Zalo/ListOA", length=100) + sent)
    finally:
        sandbox_server.server.body_seconds = 5.0
    assert status == 400 and is_error(body, "invalid_argument") and "did not arrive" in body["msg"]
    assert seconds < 3


@pytest.mark.parametrize(
    "body, reason",
    [
        ('{"filter": {"name": "\xff"}}'.encode("latin-1"), "UTF-8"),
        ('{"filter": {"name": "Phở"}}'.encode("utf-16"), "UTF-8"),
        (b'\xef\xbb\xbf{"filter": {}}', "JSON"),
        (b'{"paging": {"limit": NaN}}', "JSON"),
        (b'{"paging": {"limit": Infinity}}', "JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
        (b'{"filter": {"name": "\\ud800"}}', "surrogate"),
        (b'{"filter": ', "JSON"),
        (b"[]", "object"),
        (b'"text"', "object"),
        (b"1" * 5000, "JSON"),
    ],
)
def test_a_body_eTelecom_could_not_read_is_a_400_with_a_reason(sandbox, body, reason):
    status, answer = call(sandbox, "Zalo/ListOA", body)
    assert status == 400 and is_error(answer, "invalid_argument") and reason in answer["msg"]


# --- dates, types and filters ---------------------------------------------------------------------------------

LISTS = [
    ("Zalo/ListRequestConsent", {}),
    ("Zalo/ListJourneys", {}),
    ("Zalo/ListMessages", {}),
    ("Zalo/ListTemplates", {}),
    ("Zalo/ListOA", {}),
    ("Zalo/ListFollowers", {"oa_id": "$oa"}),
    ("Etelecom/ListCallLogs", {}),
]


def _filter(sandbox, base: dict, **more) -> dict:
    return {name: oa_id(sandbox) if value == "$oa" else value for name, value in base.items()} | more


@pytest.mark.parametrize(("method", "base"), LISTS)
@pytest.mark.parametrize("moment", ["2026-11-01", "2026-11-01T00:00:00", "01/11/2026", "2026-11-01 00:00"])
def test_a_date_without_an_offset_is_refused_not_a_500(sandbox, method, base, moment):
    status, body = call(sandbox, method, {"filter": _filter(sandbox, base, date_from=moment)})
    assert status == 400 and is_error(body, "invalid_argument") and "date_from" in body["msg"]


@pytest.mark.parametrize(("method", "base"), LISTS)
@pytest.mark.parametrize("moment", ["2026-11-01T00:00:00+07:00", "2026-11-01T00:00:00Z", "2025-07-02T02:37:17.102Z"])
def test_a_date_time_with_an_offset_is_taken(sandbox, method, base, moment):
    status, body = call(sandbox, method, {"filter": _filter(sandbox, base, date_to=moment)})
    assert status == 200, body


@pytest.mark.parametrize(
    ("method", "wrong"),
    [
        ("Zalo/ListTemplates", {"template_name": 5}),
        ("Zalo/ListTemplates", {"template_id": "x"}),
        ("Zalo/ListTemplates", {"type": "video"}),
        ("Zalo/ListMessages", {"time_type": ["x"]}),
        ("Zalo/ListMessages", {"time_type": "sent_time"}),
        ("Zalo/ListMessages", {"is_charged": "yes"}),
        ("Zalo/ListRequestConsent", {"reply_status": "Y"}),
        ("Zalo/ListRequestConsent", {"oa_id": "not-an-id"}),
        ("Zalo/ListRequestConsent", {"phone": 912345678}),
        ("Zalo/ListJourneys", {"status": ["P"]}),
        ("Zalo/ListOA", {"name": {"a": 1}}),
        ("Etelecom/ListCallLogs", {"extension_ids": "1"}),
        ("Etelecom/ListCallLogs", {"hotline_ids": ["x"]}),
        ("Etelecom/ListCallLogs", {"duration": {"comparison": "about", "value": 5}}),
        ("Etelecom/ListCallLogs", {"direction": "sideways"}),
        ("Zalo/ListMessages", {"colour": "red"}),
        ("Etelecom/ListCallLogs", {"hotline": "0281234567"}),
    ],
)
def test_a_filter_of_the_wrong_type_or_value_or_no_filter_of_the_method_is_refused(sandbox, method, wrong):
    status, body = call(sandbox, method, {"filter": wrong})
    assert status == 400 and is_error(body, "invalid_argument")
    assert next(iter(wrong)) in body["msg"]


def test_every_documented_follower_filter_filters(sandbox):
    shop_client = client(sandbox)
    oa = oa_id(sandbox)
    every = list(zalo.iter_followers(shop_client, oa_id=oa))
    assert len(every) == 12

    def ids(**filters):
        return {f.id for f in zalo.iter_followers(shop_client, oa_id=oa, **filters)}

    assert ids(gender="female") == {f.id for f in every if f.gender == "female"} != set()
    assert ids(tags=["vip"]) == {f.id for f in every if "vip" in f.tags} != set()
    assert ids(zl_user_ids=[every[0].zl_user_id, every[3].zl_user_id]) == {every[0].id, every[3].id}
    assert ids(assigned_user_id="1150000000000000001") == set()
    assert ids(date_to=(every[0].updated_at - timedelta(seconds=1)).isoformat()) == set()
    assert ids(date_from=every[0].updated_at.isoformat()) == {f.id for f in every}


# --- paging ---------------------------------------------------------------------------------------------------


def test_limit_0_is_the_default_page_size(sandbox):
    status, body = call(sandbox, "Shop/GetShops", {"paging": {"limit": 0}}, partner=True)
    assert status == 200 and len(body["shops"]) == 9 and body["paging"]["limit"] == 100


def test_prev_and_before_page_back_and_sort_is_the_lists_own_or_refused(sandbox):
    oa = oa_id(sandbox)

    def page(**paging):
        status, body = call(sandbox, "Zalo/ListFollowers", {"filter": {"oa_id": oa}, "paging": {"limit": 5, **paging}})
        assert status == 200, body
        return [f["id"] for f in body["followers"]], body["paging"]

    first, paging1 = page()
    second, paging2 = page(after=paging1["next"])
    third, paging3 = page(after=paging2["next"])
    assert (len(first), len(second), len(third), paging1["prev"], paging3["next"]) == (5, 5, 2, "", "")
    assert page(before=paging2["prev"])[0] == first
    assert page(before=paging3["prev"])[0] == second
    assert page(before=paging3["prev"])[1]["next"] == paging2["next"]
    assert page(sort="id")[0] == first and paging1["sort"] == "id"
    status, body = call(sandbox, "Zalo/ListFollowers", {"filter": {"oa_id": oa}, "paging": {"sort": "-created_at"}})
    assert status == 400 and "sorted by id only" in body["msg"]


def test_call_logs_page_back_with_prev(sandbox):
    def page(**paging):
        status, body = call(sandbox, "Etelecom/ListCallLogs", {"paging": {"limit": 50, **paging}})
        assert status == 200, body
        return [c["id"] for c in body["call_logs"]], body["paging"]

    first, paging1 = page()
    second, paging2 = page(after=paging1["next"])
    assert paging1["prev"] == "" and paging1["sort"] == "-started_at" and set(first).isdisjoint(second)
    back, paging_back = page(before=paging2["prev"])
    assert back == first and paging_back["prev"] == "" and paging_back["next"] == paging1["next"]


# --- phones ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", ["84912345671", "+84912345671", "0912345671"])
def test_a_phone_is_echoed_as_sent_and_found_in_every_form(sandbox, sent):
    shop_client, oa = client(sandbox), oa_id(sandbox)
    sandbox.control.zns(consent_reply_seconds=60, delivery_seconds=60)
    message = zns.send_zns(
        shop_client,
        oa_id=oa,
        phone=sent,
        template_id=410001,
        template_data={"customer_name": "An", "order_code": "A1"},
        tracking_id=f"phone-{sent}",
    )
    consent = zns.request_consent(shop_client, oa_id=oa, phone=sent, call_type="audio", reason_code="update_order")
    journey = zns.create_journey(shop_client, oa_id=oa, phone=sent)
    assert message.phone == consent.phone == journey.phone == sent
    for form in ("0912345671", "84912345671", "+84912345671"):
        assert [m.id for m in zns.iter_messages(shop_client, oa_id=oa, phone=form)] == [message.id]
        assert [c.id for c in zns.iter_consents(shop_client, oa_id=oa, phone=form)] == [consent.id]
        assert [j.id for j in zns.iter_journeys(shop_client, phone=form)] == [journey.id]


def test_followers_and_staff_are_found_by_any_form_of_their_phone(sandbox):
    shop_client, oa = client(sandbox), oa_id(sandbox)
    follower = next(zalo.iter_followers(shop_client, oa_id=oa))
    international = "+84" + follower.phone[1:]
    assert [f.id for f in zalo.iter_followers(shop_client, oa_id=oa, phone=international)] == [follower.id]
    user = next(pbx.iter_account_users(shop_client))
    assert [u.id for u in pbx.iter_account_users(shop_client, phone="84" + user.phone[1:])] == [user.id]


def test_call_number_matches_the_caller_or_callee_in_any_form(sandbox):
    shop_client = client(sandbox)
    inbound = next(c for page, _ in pbx.iter_call_log_pages(shop_client, filter={"direction": "in"}) for c in page)
    number = inbound["caller"]
    found = {
        form: {c["id"] for page, _ in pbx.iter_call_log_pages(shop_client, filter={"call_number": form}) for c in page}
        for form in (number, "84" + number[1:], "+84" + number[1:])
    }
    assert inbound["id"] in found[number] and found[number] == found["84" + number[1:]] == found["+84" + number[1:]]


def test_department_id_filters_by_the_staff_of_that_department(sandbox):
    shop_client = client(sandbox)
    every = next(pbx.iter_call_log_pages(shop_client, filter={}))[0]
    in_department = next(pbx.iter_call_log_pages(shop_client, filter={"department_id": "1150000000000000001"}))[0]
    assert every and in_department == []  # the demo's staff belong to no department


# --- SendZNS modes, consent expiry ----------------------------------------------------------------------------


def _send(sandbox, **extra) -> tuple[int, dict]:
    body = {
        "oa_id": oa_id(sandbox),
        "phone": "0912345671",
        "template_id": 410001,
        "template_data": {"customer_name": "An", "order_code": "A1"},
        **extra,
    }
    return call(sandbox, "Zalo/SendZNS", body)


@pytest.mark.parametrize(
    ("extra", "echoed"),
    [({}, "unknown"), ({"sending_mode": "unknown"}, "unknown"), ({"sending_mode": "default"}, "default")],
)
def test_send_zns_echoes_the_sending_mode(sandbox, extra, echoed):
    status, body = _send(sandbox, **extra)
    assert status == 200 and body["sending_mode"] == echoed


@pytest.mark.parametrize("extra", [{"sending_mode": "fast"}, {"mode": "production"}, {"mode": 1}, {"sending_mode": ""}])
def test_send_zns_refuses_an_undocumented_mode(sandbox, extra):
    status, body = _send(sandbox, **extra)
    if extra == {"sending_mode": ""}:  # the empty string is the zero value, as absent
        assert status == 200
        return
    assert status == 400 and is_error(body, "invalid_argument") and next(iter(extra)) in body["msg"]


def test_tag3_is_for_whitelisted_oas_and_sends_past_the_quota(sandbox):
    shop_client, oa = client(sandbox), oa_id(sandbox)
    sandbox.control.update_oa(oa, remaining_quota=0)
    send = {"oa_id": oa, "phone": "0912345671", "template_id": 410001, "template_data": {"customer_name": "An"}}
    send["template_data"]["order_code"] = "A1"
    with pytest.raises(PermissionDenied):
        zns.send_zns(shop_client, sending_mode="tag3", tracking_id="t1", **send)
    with pytest.raises(InvalidArgument):  # the quota is used up for a normal send
        zns.send_zns(shop_client, tracking_id="t2", **send)
    sandbox.control.update_oa(oa, tag3_whitelisted=True)
    message = zns.send_zns(shop_client, sending_mode="tag3", tracking_id="t3", **send)
    assert message.sending_mode == "tag3"
    with pytest.raises(ValueError):
        zns.send_zns(shop_client, sending_mode="fast", tracking_id="t4", **send)


def test_a_consent_request_is_valid_for_30_days(sandbox):
    consent = zns.request_consent(
        client(sandbox), oa_id=oa_id(sandbox), phone="0912345671", call_type="audio", reason_code="update_order"
    )
    assert consent.expires_at - consent.created_at == timedelta(days=30)
    assert consent.expires_at > datetime.now(UTC) + timedelta(days=29)
