"""Hypothesis over every route of the sandbox: arbitrary JSON bodies and documented field names with values of
every type, other encodings, truncated and chunked bodies, every verb, odd headers and keys. The sandbox never
answers a 5xx, never takes longer than a bound, and never answers an error outside `{code, msg, meta}`.

`EXAMPLES` requests per route (about 50 routes, and unknown ones) keep the run to about half a minute."""

from __future__ import annotations

import json
import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etelecom import sms
from etelecom.sandbox.api import ROUTES
from etelecom.sandbox.pbx_api import CALL_FILTERS, USER_FILTERS
from etelecom.sandbox.zalo_api import FOLLOWER_FILTERS, OA_FILTERS
from etelecom.sandbox.zns_api import CONSENT_FILTERS, JOURNEY_FILTERS, MESSAGE_FILTERS, TEMPLATE_FILTERS

EXAMPLES = 25
# No answer may take longer than this (a body that never comes is cut at the server's body_seconds, set low here).
BOUND_SECONDS = 5.0
BODY_SECONDS = 0.3

FILTER_NAMES = sorted(
    {
        *CALL_FILTERS,
        *USER_FILTERS,
        *FOLLOWER_FILTERS,
        *OA_FILTERS,
        *CONSENT_FILTERS,
        *JOURNEY_FILTERS,
        *MESSAGE_FILTERS,
        *TEMPLATE_FILTERS,
        "tenant",
        "x",
    }
)
# Values that reach past type checks into the handlers: ids, phones, dates, enum codes, edge cases. URLs point at
# a closed loopback port only: the sandbox posts webhooks to what it is given.
POOL = [
    "",
    "0",
    "-1",
    "1150000000000000001",
    "1150000000000000003",
    "9223372036854775808",
    "0912345671",
    "84912345677",
    "+84912345679",
    "2026-11-01",
    "2026-11-01T00:00:00",
    "2026-11-01T00:00:00+07:00",
    "2026-11-01T00:00:00Z",
    "9999-12-31T23:59:59-23:59",
    "unknown",
    "unknow",
    "P",
    "N",
    "Z",
    "S",
    "NS",
    "tag3",
    "default",
    "development",
    "audio",
    "update_order",
    "text",
    "otp",
    "in",
    "answered",
    "less_than",
    "follow",
    "female",
    "call_log",
    "zl_oa_message",
    "http://127.0.0.1:9/hook",
    "…",
    "\u0000",
    "x" * 300,
    "cG9zOjE",  # a cursor of the sandbox's own form
    "cG9zOjExNTAwMDAwMDAwMDAwMDAwMDE",
    410001,
    410003,
    "1001",
    # OA conversations: the demo's first OA's followers (the second wrote an hour ago), upload data and types,
    # transaction message enums
    "8800000000000250001",
    "8800000000000250002",
    "iVBORw0KGgoAAAAA",  # a PNG's first bytes, base64
    "JVBERi0xLjQK",  # "%PDF-1.4\n"
    "image/png",
    "application/pdf",
    "https://example.vn/a.png",
    "oa.open.url",
    "oa.query.show",
    "transaction_order",
    "VI",
]
# The demo's ids (shops, owners, OAs, tenants, hotlines, users, extensions) are the first ones the sandbox makes.
IDS = [str(1_150_000_000_000_000_000 + n) for n in range(1, 90)]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(POOL)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
values = st.sampled_from(POOL) | st.sampled_from(IDS) | json_values
filters = st.dictionaries(st.sampled_from(FILTER_NAMES), values, max_size=4) | json_values
paging = (
    st.fixed_dictionaries(
        {},
        optional={
            "after": values,
            "before": values,
            "limit": st.integers(min_value=-5, max_value=2000) | values,
            "sort": st.sampled_from(["", "id", "-started_at", "oa_id", "name"]) | values,
        },
    )
    | json_values
)


def bodies(method: str):
    fields = dict.fromkeys(ROUTES[method].fields, values) | {"filter": filters, "paging": paging}
    anything = st.dictionaries(st.text(max_size=10), json_values, max_size=4)
    objects = st.fixed_dictionaries({}, optional=fields) | anything
    return st.tuples(objects, st.sampled_from(["json"] * 12 + ["utf16", "truncated", "bytes", "nan", "deep", "empty"]))


@st.composite
def requests_for(draw, method: str):
    payload, encoding = draw(bodies(method))
    text = json.dumps(payload, ensure_ascii=draw(st.booleans()))
    body = {
        "json": text.encode(),
        "utf16": text.encode("utf-16"),
        "truncated": text.encode()[: draw(st.integers(min_value=0, max_value=max(len(text) - 1, 0)))],
        "bytes": draw(st.binary(max_size=64)),
        "nan": text.replace("}", ', "n": NaN}', 1).encode(),
        "deep": b'{"filter": ' + b"[" * 200 + b"]" * 200 + b"}",
        "empty": b"",
    }[encoding]
    return {
        "verb": draw(st.sampled_from(["POST"] * 12 + ["GET", "PUT", "HEAD", "OPTIONS", "DELETE", "PATCH", "X"])),
        "base": draw(st.sampled_from(["partner", "partner", "shop"])),
        "key": draw(st.sampled_from(["shop_key", "shop_key", "partner", "api_key", "other", "none"])),
        "content_type": draw(
            st.sampled_from(
                ["application/json"] * 6
                + ["application/json; charset=utf-8", "APPLICATION/JSON", "text/plain", "", None, "application/json\t"]
            )
        ),
        "transfer": draw(st.sampled_from(["length"] * 16 + ["chunked", "chunked", "short", "none"])),
        "headers": draw(
            st.dictionaries(
                st.sampled_from(["X-Trace", "Accept", "Accept-Encoding", "Expect", "Connection", "Cookie"]),
                st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
                max_size=2,
            )
        ),
        "body": body,
    }


def wire(sandbox, method: str, request: dict) -> bytes:
    keys = {
        "shop_key": sandbox.record["shop_key"],
        "api_key": sandbox.record["api_key"],
        "partner": sandbox.partner_key,
        "other": "shop1:not-a-key",
    }
    lines = [f"{request['verb']} /v1/{request['base']}.{method} HTTP/1.1", "Host: 127.0.0.1"]
    if request["key"] in keys:
        lines.append(f"Authorization: Bearer {keys[request['key']]}")
    if request["content_type"] is not None:
        lines.append(f"Content-Type: {request['content_type']}")
    lines += [f"{name}: {value}" for name, value in request["headers"].items() if name != "Connection"]
    body = request["body"]
    if request["transfer"] == "chunked":
        lines.append("Transfer-Encoding: chunked")
        body = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    elif request["transfer"] == "short":
        lines.append(f"Content-Length: {len(body) + 10}")
    elif request["transfer"] == "length":
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def exchange(url: str, data: bytes) -> tuple[int, bytes, float]:
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=BOUND_SECONDS) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), body, time.monotonic() - started


def check(status: int, body: bytes, seconds: float, verb: str) -> None:
    assert status < 500, body
    assert seconds < BOUND_SECONDS
    if verb == "HEAD":
        assert body == b""
        return
    answer = json.loads(body)
    assert isinstance(answer, dict)
    if status != 200:
        assert set(answer) == {"code", "msg", "meta"}, answer
        assert isinstance(answer["code"], str) and answer["code"]
        assert isinstance(answer["msg"], str) and isinstance(answer["meta"], dict)


@pytest.fixture
def fuzzed(sandbox, sandbox_server):
    """The demo with customers and phones slow to answer (nothing is posted during the run) and bodies that must
    arrive within BODY_SECONDS."""
    sandbox.control.zns(consent_reply_seconds=600, delivery_seconds=600)
    sandbox.record = sandbox.shop("Nhà thuốc An Khang Quận 1")
    sandbox_server.server.body_seconds = BODY_SECONDS
    yield sandbox
    sandbox_server.server.body_seconds = 5.0


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("method", sorted(ROUTES))
def test_every_route_answers_any_request_with_the_documented_json_in_time(fuzzed, method):
    @FUZZ
    @given(request=requests_for(method))
    def run(request):
        check(*exchange(fuzzed.url, wire(fuzzed, method, request)), request["verb"])

    run()


@FUZZ
@given(
    path=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=40),
    method=st.sampled_from(sorted(ROUTES)),
)
def test_any_other_path_is_the_documented_bad_route(sandbox_server, path, method):
    target = f"/v1/{path}" if "/" not in path[:1] else path
    if target.startswith(("/_sandbox", "/auth/", "/zalo/", "/recordings/", "/omni/")) or target.split("?")[0] in (
        f"/v1/partner.{method}",
        f"/v1/shop.{method}",
    ):
        return
    head = f"POST {target} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
    status, body, seconds = exchange(sandbox_server.url, head.encode() + b"{}")
    check(status, body, seconds, "POST")
    assert status in (400, 404)


# --- the SMS Brandname gateway (its own paths, its own answers) ---------------------------------------------

SMS_FIELDS = ("username", "password", "phonenumber", "routerule", "templatecode", "list_param", "idOmniMess")
SMS_POOL = ["84912345678", "0912345677", "84912345676", "+84912345678", "OTP", "DONHANG", "KHUYENMAI", "1", "2", "3"]
SMS_SUCCESS = {"status", "code", "idOmniMess"}
SMS_STATUS = {"phonenumber", "list_param", "createdatetime", "status", "channel", "templatecode", "errorCode"}


@st.composite
def sms_requests(draw, account: dict):
    credentials = draw(st.sampled_from(["right", "right", "right", "wrong", "none"]))
    sms_values = st.sampled_from(SMS_POOL) | values | st.lists(st.sampled_from(["1", "2", "3", "4", ""]), max_size=3)
    params = st.dictionaries(st.sampled_from(["otp", "customer_name", "order_code", "percent", "x"]), sms_values)
    fields = dict.fromkeys(SMS_FIELDS, sms_values) | {"list_param": params | json_values}
    payload = draw(st.fixed_dictionaries({}, optional=fields) | st.dictionaries(st.text(max_size=10), json_values))
    if credentials != "none":
        payload |= {"username": account["username"], "password": account["password"]}
        if credentials == "wrong":
            payload["password"] += "x"
    text = json.dumps(payload, ensure_ascii=draw(st.booleans())).encode()
    body = draw(st.sampled_from([text] * 8 + [text[: len(text) // 2], b"", b"\xff\xfe{", b"[" * 300]))
    verb = draw(st.sampled_from(["POST"] * 8 + ["GET", "HEAD", "PUT"]))
    content_type = draw(st.sampled_from(["application/json", "text/plain", None]))
    lines = [f"{verb} /omni/api/{draw(st.sampled_from(sms.METHODS))} HTTP/1.1", "Host: 127.0.0.1"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    return verb, ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_the_sms_gateway_answers_any_request_as_the_gateway_does_in_time(fuzzed):
    """A 4xx in plain text (400 for a body it cannot read, 401 for credentials, 404 for a verb or path), or a
    200 with a business error (`status` and `code`), the send's documented success or the status answer."""
    account = fuzzed.control.sms_account(fuzzed.record["id"])

    @settings(FUZZ, max_examples=EXAMPLES * 4)
    @given(request=sms_requests(account))
    def run(request):
        verb, data = request
        status, body, seconds = exchange(fuzzed.url, data)
        assert status < 500 and seconds < BOUND_SECONDS, body
        if verb == "HEAD" or status != 200:
            assert status in (200, 400, 401, 404)
            return
        answer = json.loads(body)
        assert isinstance(answer.get("status"), str)
        if answer["status"].startswith("-"):
            assert set(answer) == {"status", "code"}
        else:
            assert set(answer) == SMS_SUCCESS or set(answer) >= SMS_STATUS

    run()
