"""The sandbox speaks the documented API over HTTP: auth, routing, validation, the redirect flow, faults."""

import json
import signal
import subprocess
import sys
import time
from urllib.parse import parse_qs, parse_qsl, quote, urlsplit

import pytest
import requests

from etelecom import errors
from etelecom.client import Client
from etelecom.sandbox.control import SandboxControl, free_port
from etelecom.shop import authorize_shop, current_shop, iter_shops

CONTACT = {"email": "new@example.vn", "phone": "0909123456", "name": "Cửa hàng Mới"}


def post(sandbox, path, body=b"{}", *, key=None, content_type="application/json"):
    headers = {"Authorization": f"Bearer {key or sandbox.partner_key}"}
    if content_type:
        headers["Content-Type"] = content_type
    return requests.post(f"{sandbox.url}/v1/{path}", data=body, headers=headers, timeout=5)


def test_the_command_line_serves_the_api_and_stops_on_sigterm():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "etelecom.sandbox", "--port", str(port), "--dataset", "generated", "--shops", "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "partner key" in process.stdout.readline()
        url = f"http://127.0.0.1:{port}"
        SandboxControl(url).wait_ready()
        client = Client(f"{url}/v1/partner", "partner1000:sandbox-demo-partner")
        assert len(list(iter_shops(client))) == 3
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_the_command_line_refuses_a_bad_fault_rate():
    result = subprocess.run(
        [sys.executable, "-m", "etelecom.sandbox", "--port", "0", "--fault-5xx", "1.5"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "rate" in result.stderr


def test_no_key_is_401_unauthenticated(sandbox):
    response = requests.post(
        f"{sandbox.url}/v1/partner.Misc/CurrentAccount", json={}, headers={"Authorization": ""}, timeout=5
    )
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_a_shop_api_key_is_not_a_partner_key(sandbox):
    api_key = sandbox.shop("Khách sạn Biển Xanh")["api_key"]
    assert post(sandbox, "partner.Misc/CurrentAccount", key=api_key).status_code == 401
    assert post(sandbox, "shop.Misc/CurrentAccount", key=api_key).json()["type"] == "shop"


def test_missing_json_content_type_is_404_bad_route(sandbox):
    response = post(sandbox, "partner.Misc/CurrentAccount", content_type=None)
    assert response.status_code == 404
    assert response.json() == {"code": "bad_route", "msg": 'unexpected Content-Type: ""', "meta": {}}


def test_an_unknown_method_is_404_bad_route(sandbox):
    response = post(sandbox, "partner.Shop/Nothing")
    assert (response.status_code, response.json()["code"]) == (404, "bad_route")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"redirect_url": ["x"]}', "redirect_url: expected string"),
        (b'{"redirect_url": "http://a/cb", "email": "a@b.vn", "phone": "1"}', "name is required"),
        (b'{"email": "a@b.vn"}', "redirect_url is required"),
    ],
)
def test_bad_input_is_400_invalid_argument_with_a_reason(sandbox, body, reason):
    response = post(sandbox, "partner.Shop/AuthorizeShop", body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_argument" and reason in response.json()["msg"]


@pytest.mark.parametrize(
    "paging",
    [
        '{"limit": -1}',
        '{"limit": 1001}',
        '{"limit": 1.5}',
        '{"limit": "ten"}',
        '{"after": "not-a-cursor"}',
        '{"before": "not-a-cursor"}',
        '{"after": 5}',
        '{"sort": "name"}',
        '"x"',
    ],
)
def test_bad_paging_is_400(sandbox, paging):
    response = post(sandbox, "partner.Shop/GetShops", f'{{"paging": {paging}}}'.encode())
    assert (response.status_code, response.json()["code"]) == (400, "invalid_argument")


def test_an_empty_string_cursor_is_the_first_page(sandbox):
    first = post(sandbox, "partner.Shop/GetShops", b'{"paging": {"after": "", "limit": 2}}').json()
    default = post(sandbox, "partner.Shop/GetShops", b'{"paging": {"limit": 2}}').json()
    assert first["shops"] == default["shops"] and first["paging"]["next"]


def test_the_authorize_shop_redirect_flow_end_to_end(sandbox):
    client = Client(sandbox.partner_base_url, sandbox.partner_key)
    callback = "http://127.0.0.1:8000/shops/callback/?state=abc&token=old"
    started = authorize_shop(client, redirect_url=callback, email="new@example.vn", phone="0909", name="Cửa hàng Mới")
    assert started.needs_login and started.auth_token.startswith("request:") and started.expires_in == 900

    page = requests.get(started.auth_url, timeout=5)
    assert page.status_code == 200 and "Cửa hàng Mới" in page.text
    answer = requests.post(
        f"{sandbox.url}/auth/login", data={"token": started.auth_token}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    query = parse_qs(location.query)
    assert location.netloc == "127.0.0.1:8000" and location.path == "/shops/callback/"
    assert query["state"] == ["abc"] and query["token"] == [started.auth_token]
    shop_id = query["shop_id"][0]

    finished = authorize_shop(client, redirect_url=callback, shop_id=shop_id)
    assert finished.type == "shop_key" and finished.expires_in == -1 and finished.shop_key.startswith(f"shop{shop_id}:")
    assert current_shop(Client(sandbox.partner_base_url, finished.shop_key)).name == "Cửa hàng Mới"

    # The request token is single-use.
    again = requests.post(f"{sandbox.url}/auth/login", data={"token": started.auth_token}, timeout=5)
    assert again.status_code == 400


# The two answers of `Shop/AuthorizeShop` in the Partner → Usage page (seeds/004): these fields, no others.
SHOP_REQUEST_SAMPLE = {
    "code": "ok",
    "msg": "",
    "type": "shop_request",
    "auth_token": "request:Ut8zhsaQp_kwKi2u2gEch_9R3yiQvpFUnB5mE_MRfks",
    "expires_in": 900,
    "auth_url": "https://partner-auth.etelecom.vn/login?token=request:Ut8zhsaQp_kwKi2u2gEch_9R3yiQvpFUnB5mE_MRfks",
}
SHOP_KEY_SAMPLE = {
    "code": "ok",
    "msg": "",
    "type": "shop_key",
    "auth_token": "shop1052570182707778180:KgGTCsQHSzfKBt8la63c7E6NRqqnD5RVRMrb0aJwa8jZCEbGCmJ7Q01aVwyZeGeR",
    "expires_in": -1,
}


def shape(answer: dict) -> dict:
    return {name: type(value) for name, value in answer.items()}


def test_authorize_shop_answers_the_documented_shapes(sandbox):
    callback = "http://127.0.0.1:8000/cb/?state=abc"
    first = post(sandbox, "partner.Shop/AuthorizeShop", json.dumps({**CONTACT, "redirect_url": callback}).encode())
    started = first.json()
    assert first.status_code == 200 and shape(started) == shape(SHOP_REQUEST_SAMPLE)
    assert (started["code"], started["msg"], started["type"], started["expires_in"]) == ("ok", "", "shop_request", 900)
    assert started["auth_url"].endswith("token=" + quote(started["auth_token"]))

    back = requests.post(
        f"{sandbox.url}/auth/login", data={"token": started["auth_token"]}, allow_redirects=False, timeout=5
    )
    location = urlsplit(back.headers["Location"])
    query = parse_qsl(location.query)
    assert [name for name, _ in query] == ["state", "token", "shop_id"] and query[:2] == [
        ("state", "abc"),
        ("token", started["auth_token"]),
    ]
    shop_id = query[2][1]
    assert shop_id.isascii() and shop_id.isdigit()
    second = post(
        sandbox, "partner.Shop/AuthorizeShop", json.dumps({"shop_id": shop_id, "redirect_url": callback}).encode()
    )
    finished = second.json()
    assert second.status_code == 200 and shape(finished) == shape(SHOP_KEY_SAMPLE)
    assert (finished["code"], finished["msg"], finished["type"], finished["expires_in"]) == ("ok", "", "shop_key", -1)
    assert finished["auth_token"].startswith(f"shop{shop_id}:")


def test_the_login_page_replaces_a_token_and_shop_id_already_in_the_redirect_url(sandbox):
    """The VN page's sample redirect_url already carries `token=…&shop_id=…`: eTelecom's own values take their
    place (our reading; the docs do not say whether they are appended or replace)."""
    callback = "https://example.com/redirect?token=87209412&shop_id=12414"
    client = Client(sandbox.partner_base_url, sandbox.partner_key)
    started = authorize_shop(client, redirect_url=callback, **CONTACT)
    back = requests.post(
        f"{sandbox.url}/auth/login", data={"token": started.auth_token}, allow_redirects=False, timeout=5
    )
    query = parse_qs(urlsplit(back.headers["Location"]).query)
    assert query["token"] == [started.auth_token] and query["shop_id"] != ["12414"] and len(query["shop_id"]) == 1


def test_an_unknown_login_token_shows_an_expired_page(sandbox):
    page = requests.get(f"{sandbox.url}/auth/login?token=request:nope", timeout=5)
    assert page.status_code == 400 and "expired" in page.text


def test_authorize_with_a_shop_that_never_logged_in_is_permission_denied(sandbox):
    stranger = sandbox.shop("Khách sạn Biển Xanh")["id"]
    with pytest.raises(errors.PermissionDenied):
        authorize_shop(
            Client(sandbox.partner_base_url, sandbox.partner_key), redirect_url="http://a/cb", shop_id=stranger
        )


def test_an_unlinked_shop_must_log_in_again(sandbox):
    record = sandbox.shop("Spa Thảo Mộc")
    sandbox.control.shop_action(record["id"], "unlink")
    client = Client(sandbox.partner_base_url, sandbox.partner_key)
    answer = authorize_shop(client, redirect_url="http://a/cb", shop_id=record["id"])
    assert answer.needs_login and answer.auth_url
    with pytest.raises(errors.AuthenticationError):
        current_shop(Client(sandbox.partner_base_url, record["shop_key"]))


def test_revoked_keys_answer_401(sandbox):
    record = sandbox.shop("Spa Thảo Mộc")
    sandbox.control.shop_action(record["id"], "revoke")
    with pytest.raises(errors.AuthenticationError):
        current_shop(Client(sandbox.partner_base_url, record["shop_key"]))
    renewed = sandbox.shop("Spa Thảo Mộc")
    assert current_shop(Client(sandbox.partner_base_url, renewed["shop_key"])).id == record["id"]


def fault_pattern(sandbox, seed):
    sandbox.control.faults(rates={"5xx": 0.3, "error200": 0.2}, seed=seed)
    pattern = []
    for _ in range(30):
        response = post(sandbox, "partner.Misc/CurrentAccount")
        pattern.append((response.status_code, response.json().get("code")))
    return pattern


def test_faults_are_deterministic_under_a_seed(sandbox):
    first, second, other = fault_pattern(sandbox, 11), fault_pattern(sandbox, 11), fault_pattern(sandbox, 12)
    assert first == second != other
    assert {status for status, _ in first} == {200, 503}
    assert (200, "internal") in first


def test_faults_can_target_one_method(sandbox):
    sandbox.control.faults(rates={"5xx": 1.0}, methods=["Shop/GetShops"])
    assert post(sandbox, "partner.Misc/CurrentAccount").status_code == 200
    assert post(sandbox, "partner.Shop/GetShops").status_code == 503


def test_added_latency_delays_every_call(sandbox):
    sandbox.control.faults(latency_ms=200)
    started = time.monotonic()
    post(sandbox, "partner.Misc/CurrentAccount")
    assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize(
    "config",
    [{"rates": {"boom": 0.1}}, {"rates": {"5xx": 2}}, {"rates": {"5xx": 0.6, "429": 0.6}}, {"phase": "during"}],
)
def test_a_bad_fault_configuration_is_refused(sandbox, config):
    with pytest.raises(ValueError):
        sandbox.control.faults(**config)


def test_reset_loads_a_named_data_set(sandbox):
    sandbox.control.reset("generated", shops=7)
    assert len(sandbox.control.shops()) == 7
    with pytest.raises(ValueError, match="unknown data set"):
        sandbox.control.reset("nope")
    with pytest.raises(ValueError, match="params.shops"):
        sandbox.control.reset("generated", shops=-1)


def test_the_demo_data_set_is_stable_across_restarts(sandbox):
    before = sandbox.control.shops()
    sandbox.control.reset("demo")
    assert sandbox.control.shops() == before
    assert len(before) == 12
