"""The sandbox as the strictest faithful eTelecom (issue 16, items 3-7): every answer is the documented
`{code, msg, meta}` JSON for every verb and body within a bounded time; paging, phones, filters, SendZNS's modes,
consent expiry and CurrentShop as the docs have them."""

import http.client
import json
import socket
import time

import pytest
import requests

from etelecom import Client, zalo

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
