"""`etelecom.Client` against the sandbox over real HTTP: errors, retries, the on_call hook, paging, spellings."""

import base64
import contextlib
import http.server
import pickle
import subprocess
import sys
import threading
import time

import pytest

import etelecom
from etelecom import errors
from etelecom.client import CallInfo, Client
from etelecom.sandbox.control import free_port
from etelecom.shop import authorize_shop, current_account, current_shop, iter_shops

DEMO_SHOP = "Thời trang Hoa Mai"


class Sleeps(list):
    """A `sleep` that records instead of waiting, so retry tests run at full speed."""

    def __call__(self, seconds):
        self.append(seconds)


def partner(sandbox, **kwargs):
    kwargs.setdefault("sleep", Sleeps())
    return Client(sandbox.partner_base_url, sandbox.partner_key, **kwargs)


def shop_client(sandbox, **kwargs):
    kwargs.setdefault("sleep", Sleeps())
    return Client(sandbox.partner_base_url, sandbox.shop(DEMO_SHOP)["shop_key"], **kwargs)


# --- happy paths ------------------------------------------------------------------------------------------------


def test_current_account_with_the_partner_key(sandbox):
    account = current_account(partner(sandbox))
    assert account.type == "partner"
    assert account.id == "1000"


def test_current_shop_with_a_shop_key_on_the_partner_base_url(sandbox):
    shop = current_shop(shop_client(sandbox))
    assert shop.name == DEMO_SHOP
    assert shop.id == sandbox.shop(DEMO_SHOP)["id"]
    # The documented answer: id, image_url, name, type and website, nothing more.
    assert (shop.type, shop.website, shop.image_url) == ("shop", "", "")
    assert set(shop.raw) == {"id", "image_url", "name", "type", "website"}


def test_current_shop_with_the_shops_own_api_key_on_the_shop_base_url(sandbox):
    record = sandbox.shop("Khách sạn Biển Xanh")
    shop = current_shop(Client(sandbox.shop_base_url, record["api_key"]))
    assert shop.id == record["id"]


def test_the_request_carries_the_documented_headers_and_path(sandbox):
    seen = []
    client = partner(sandbox, on_call=seen.append)
    current_account(client)
    assert sandbox.control.received("Misc/CurrentAccount") == 1
    assert seen[0].endpoint == "Misc/CurrentAccount"


# --- one error class per failure --------------------------------------------------------------------------------


def test_wrong_key_is_an_authentication_error_without_the_key(sandbox):
    key = "shop1:this-is-a-secret-that-must-not-leak"
    with pytest.raises(errors.AuthenticationError) as caught:
        current_shop(Client(sandbox.partner_base_url, key))
    error = caught.value
    assert (error.status, error.code, error.method) == (401, "unauthenticated", "Shop/CurrentShop")
    assert key not in str(error) and key not in repr(error) and key not in repr(error.__dict__)
    assert "this-is-a-secret" not in repr(Client(sandbox.partner_base_url, key))


def test_a_partner_key_on_a_shop_method_is_permission_denied(sandbox):
    with pytest.raises(errors.PermissionDenied) as caught:
        current_shop(partner(sandbox))
    assert (caught.value.status, caught.value.code) == (403, "permission_denied")


def test_a_bad_value_is_invalid_argument_with_the_reason(sandbox):
    with pytest.raises(errors.InvalidArgument) as caught:
        authorize_shop(partner(sandbox), redirect_url="not a url", email="a@b.vn", phone="0901", name="A")
    assert caught.value.status == 400
    assert "redirect_url" in caught.value.msg


def test_a_wrong_field_type_is_invalid_argument(sandbox):
    with pytest.raises(errors.InvalidArgument) as caught:
        partner(sandbox).call("Shop", "AuthorizeShop", {"redirect_url": 42})
    assert caught.value.meta == {"field": "redirect_url"}


def test_an_unknown_method_is_not_found_bad_route(sandbox):
    with pytest.raises(errors.NotFound) as caught:
        partner(sandbox).call("Shop", "NoSuchMethod")
    assert (caught.value.status, caught.value.code) == (404, "bad_route")


def test_429_is_rate_limited_with_retry_after(sandbox):
    sandbox.control.faults(next=["429"], retry_after=7)
    with pytest.raises(errors.RateLimited) as caught:
        current_account(partner(sandbox, max_retries=0))
    assert (caught.value.status, caught.value.retry_after) == (429, 7.0)


def test_5xx_is_a_server_error(sandbox):
    sandbox.control.faults(next=["5xx"])
    with pytest.raises(errors.ServerError) as caught:
        current_account(partner(sandbox, max_retries=0))
    assert caught.value.status == 503


def test_a_200_carrying_an_error_code_is_a_response_error(sandbox):
    sandbox.control.faults(next=["error200"])
    with pytest.raises(errors.ResponseError) as caught:
        current_account(partner(sandbox, max_retries=0))
    assert (caught.value.status, caught.value.code) == (200, "internal")


def test_a_malformed_body_is_an_invalid_response(sandbox):
    sandbox.control.faults(next=["malformed"])
    with pytest.raises(errors.InvalidResponse):
        current_account(partner(sandbox, max_retries=0))


def test_no_listener_is_a_connection_failure():
    client = Client(f"http://127.0.0.1:{free_port()}/v1/partner", "k", max_retries=0)
    with pytest.raises(errors.ConnectionFailed) as caught:
        current_account(client)
    assert type(caught.value) is errors.ConnectionFailed  # refused, not the RequestTimeout subclass
    assert caught.value.status is None and caught.value.method == "Misc/CurrentAccount"


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers `/redirect...` with a 302 and everything else with a JSON object and a cookie; keeps the headers."""

    protocol_version = "HTTP/1.1"
    seen: list = []

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((self.path, dict(self.headers)))
        body = b'{"id": "1", "type": "partner"}'
        self.send_response(302 if self.path.startswith("/redirect") else 200)
        self.send_header("Location", "/elsewhere.Misc/CurrentAccount")
        self.send_header("Set-Cookie", "sticky=abc; Path=/")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_call_sends_its_own_headers_and_never_a_cookie(recorder):
    client = Client(f"{recorder}/v1/partner", "key-1", max_retries=0)
    current_account(client)
    current_account(client)
    (path, first), (_, second) = Recorder.seen
    assert path == "/v1/partner.Misc/CurrentAccount"
    assert first["Authorization"] == "Bearer key-1" and first["Content-Type"] == "application/json"
    assert first["User-Agent"].startswith("etelecom-console/") and "gzip" in first["Accept-Encoding"]
    assert "Cookie" not in second


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.etelecom.vn/v1",  # a public n8n node's default: it would call /v1.Misc/CurrentAccount
        "https://api.etelecom.vn/v1/",
        "https://api.etelecom.vn",
        "https://api.etelecom.vn/v1/shops",
        "https://api.etelecom.vn/v1/partner.Zalo",
        "https://api.etelecom.vn/v2/shop",
        "api.etelecom.vn/v1/shop",
        "ftp://api.etelecom.vn/v1/shop",
        "https://api.etelecom.vn/v1/shop?x=1",
        "",
    ],
)
def test_a_base_url_that_names_neither_side_is_refused_at_construction(base_url):
    with pytest.raises(ValueError) as caught:
        Client(base_url, "key")
    assert "/v1/shop" in str(caught.value) and "/v1/partner" in str(caught.value)


@pytest.mark.parametrize(
    ("base_url", "cleaned"),
    [
        ("https://api.etelecom.vn/v1/shop", "https://api.etelecom.vn/v1/shop"),
        ("https://api-sandbox.etelecom.vn/v1/partner/", "https://api-sandbox.etelecom.vn/v1/partner"),
        ("http://127.0.0.1:8100/api/v1/partner.", "http://127.0.0.1:8100/api/v1/partner"),
    ],
)
def test_a_base_url_of_either_side_is_taken(base_url, cleaned):
    assert Client(base_url, "key").base_url == cleaned


def test_a_redirect_is_an_error_not_followed(recorder):
    with pytest.raises(errors.EtelecomError) as caught:
        current_account(Client(f"{recorder}/redirect/v1/partner", "key-1", max_retries=0))
    assert caught.value.status == 302
    assert [path for path, _ in Recorder.seen] == ["/redirect/v1/partner.Misc/CurrentAccount"]


def test_a_hang_past_the_timeout_is_a_request_timeout(sandbox):
    sandbox.control.faults(next=["hang"], hang_seconds=2)
    with pytest.raises(errors.RequestTimeout):
        current_account(partner(sandbox, timeout=(1, 0.3), max_retries=0))
    assert issubclass(errors.RequestTimeout, errors.ConnectionFailed)


def test_a_time_budget_ends_a_slow_read_with_its_retries_early(sandbox):
    # Without the budget: four attempts of 3 s each. With 1 s: one attempt, cut short, and no retry that cannot fit.
    sandbox.control.faults(rates={"hang": 1.0}, hang_seconds=3)
    with etelecom.time_budget(1.0), pytest.raises(errors.RequestTimeout) as caught:
        current_account(partner(sandbox, timeout=(1, 3), max_retries=3, sleep=time.sleep))
    assert sandbox.control.received("Misc/CurrentAccount") == 1
    assert caught.value.method == "Misc/CurrentAccount"


def test_a_spent_budget_sends_nothing(sandbox):
    client = partner(sandbox)
    with etelecom.time_budget(0.0), pytest.raises(errors.RequestTimeout):
        current_account(client)
    assert sandbox.control.received("Misc/CurrentAccount") == 0
    assert current_account(client).type == "partner"  # outside the block, no budget


def test_an_inner_budget_never_extends_the_outer_one(sandbox):
    with etelecom.time_budget(0.0), etelecom.time_budget(60.0), pytest.raises(errors.RequestTimeout):
        current_account(partner(sandbox))
    assert sandbox.control.received("Misc/CurrentAccount") == 0


def test_a_retry_that_fits_the_budget_still_happens(sandbox):
    sandbox.control.faults(next=["5xx"])
    with etelecom.time_budget(30.0):
        assert current_account(partner(sandbox, backoff_base=0.01)).type == "partner"
    assert sandbox.control.received("Misc/CurrentAccount") == 2


def test_every_error_survives_pickling_for_job_results():
    error = errors.RateLimited("slow down", code="resource_exhausted", status=429, method="Zalo/ListOA", retry_after=3)
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.msg, copy.code, copy.status, copy.method) == (
        errors.RateLimited,
        "slow down",
        "resource_exhausted",
        429,
        "Zalo/ListOA",
    )


# --- retries ----------------------------------------------------------------------------------------------------


def test_a_read_is_retried_on_5xx_and_succeeds(sandbox):
    sandbox.control.faults(next=["5xx", "5xx"])
    sleeps = Sleeps()
    shop = current_shop(shop_client(sandbox, sleep=sleeps))
    assert shop.name == DEMO_SHOP
    assert sandbox.control.received("Shop/CurrentShop") == 3
    assert len(sleeps) == 2


def test_a_read_gives_up_after_max_retries(sandbox):
    sandbox.control.faults(next=["5xx"] * 10)
    with pytest.raises(errors.ServerError):
        current_shop(shop_client(sandbox, max_retries=3))
    assert sandbox.control.received("Shop/CurrentShop") == 4


@pytest.mark.parametrize("fault", ["5xx", "429", "malformed"])
def test_a_read_is_retried_on_each_transient_fault(sandbox, fault):
    sandbox.control.faults(next=[fault], retry_after=0)
    assert current_account(partner(sandbox)).type == "partner"
    assert sandbox.control.received("Misc/CurrentAccount") == 2


def test_a_read_is_retried_after_a_connection_timeout(sandbox):
    sandbox.control.faults(next=["hang"], hang_seconds=1)
    assert current_account(partner(sandbox, timeout=(1, 0.3))).type == "partner"
    assert sandbox.control.received("Misc/CurrentAccount") == 2


def test_retry_after_is_honoured(sandbox):
    sandbox.control.faults(next=["429"], retry_after=5)
    sleeps = Sleeps()
    current_account(partner(sandbox, sleep=sleeps))
    assert len(sleeps) == 1 and 5.0 <= sleeps[0] <= 6.0


def test_a_retry_after_beyond_the_cap_is_raised_not_slept(sandbox):
    sandbox.control.faults(next=["429"], retry_after=3600)
    sleeps = Sleeps()
    with pytest.raises(errors.RateLimited) as caught:
        current_account(partner(sandbox, sleep=sleeps, max_retry_after=60))
    assert caught.value.retry_after == 3600 and sleeps == []


def test_backoff_grows_exponentially_up_to_the_cap_with_jitter(sandbox):
    sandbox.control.faults(next=["5xx"] * 6)
    sleeps = Sleeps()
    client = shop_client(sandbox, sleep=sleeps, max_retries=6, backoff_base=0.5, backoff_cap=4.0)
    current_shop(client)
    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert len(sleeps) == 6
    for slept, ceiling in zip(sleeps, ceilings, strict=True):
        assert ceiling / 2 <= slept <= ceiling
    assert len(set(sleeps)) == 6  # jittered, not a fixed schedule


@pytest.mark.parametrize("fault", ["5xx", "429", "malformed", "error200"])
def test_a_write_is_sent_once_whatever_fails(sandbox, fault):
    sandbox.control.faults(next=[fault] * 5, retry_after=0)
    with pytest.raises(errors.EtelecomError):
        authorize_shop(partner(sandbox), redirect_url="http://127.0.0.1/cb", email="x@y.vn", phone="0901", name="X")
    assert sandbox.control.received("Shop/AuthorizeShop") == 1


def test_a_write_that_times_out_after_taking_effect_is_not_resent(sandbox):
    sandbox.control.faults(next=["hang"], hang_seconds=1, phase="after")
    with pytest.raises(errors.RequestTimeout):
        authorize_shop(
            partner(sandbox, timeout=(1, 0.3)), redirect_url="http://127.0.0.1/cb", email="x@y.vn", phone="1", name="X"
        )
    assert sandbox.control.received("Shop/AuthorizeShop") == 1


def test_a_write_under_a_high_5xx_rate_is_sent_once_per_call(sandbox):
    sandbox.control.faults(rates={"5xx": 0.5}, seed=7)
    client = partner(sandbox)
    for _ in range(20):
        with contextlib.suppress(errors.ServerError):
            authorize_shop(client, redirect_url="http://127.0.0.1/cb", email="x@y.vn", phone="0901", name="X")
    assert sandbox.control.received("Shop/AuthorizeShop") == 20


def test_the_read_or_write_rule_can_be_overridden_per_call(sandbox):
    sandbox.control.faults(next=["5xx"])
    with pytest.raises(errors.ServerError):
        partner(sandbox).call("Misc", "CurrentAccount", read=False)
    assert sandbox.control.received("Misc/CurrentAccount") == 1


# --- the on_call hook -------------------------------------------------------------------------------------------


def test_on_call_sees_every_attempt_and_nothing_secret(sandbox):
    sandbox.control.faults(next=["5xx"])
    seen = []
    key = sandbox.shop(DEMO_SHOP)["shop_key"]
    current_shop(Client(sandbox.partner_base_url, key, on_call=seen.append, sleep=Sleeps()))
    assert [(c.endpoint, c.status, c.code, c.attempt) for c in seen] == [
        ("Shop/CurrentShop", 503, "unavailable", 1),
        ("Shop/CurrentShop", 200, "", 2),
    ]
    assert all(c.duration > 0 for c in seen)
    assert seen[1].ok and not seen[0].ok
    assert all(key not in repr(c) and key.split(":")[1] not in repr(c) for c in seen)


def test_on_call_reports_failures_without_an_answer():
    seen = []
    client = Client(f"http://127.0.0.1:{free_port()}/v1/partner", "k", max_retries=0, on_call=seen.append)
    with pytest.raises(errors.ConnectionFailed):
        current_account(client)
    assert [(c.status, c.code) for c in seen] == [(None, "ConnectionFailed")]


def test_a_failing_hook_does_not_break_the_call(sandbox):
    def broken(info: CallInfo):
        raise RuntimeError("audit store down")

    assert current_account(partner(sandbox, on_call=broken)).type == "partner"


# --- paging and spellings ---------------------------------------------------------------------------------------


def test_iter_shops_follows_the_cursor_across_pages(sandbox):
    sandbox.control.reset("generated", shops=25)
    shops = list(iter_shops(partner(sandbox), limit=10))
    assert len(shops) == 25 and len({s.id for s in shops}) == 25
    assert [s.id for s in shops] == sorted(s.id for s in shops)
    assert sandbox.control.received("Shop/GetShops") == 3


def test_iter_shops_retries_a_failed_page_and_loses_nothing(sandbox):
    sandbox.control.reset("generated", shops=25)
    client = partner(sandbox)
    pages = iter_shops(client, limit=10)
    first = [next(pages) for _ in range(10)]
    sandbox.control.faults(next=["5xx"])
    rest = list(pages)
    assert len({s.id for s in first + rest}) == 25


def test_an_empty_list_is_one_call(sandbox):
    sandbox.control.reset("empty")
    assert list(iter_shops(partner(sandbox))) == []
    assert sandbox.control.received("Shop/GetShops") == 1


def test_the_docs_other_spelling_of_owner_id_is_read(sandbox):
    normal = next(etelecom.shop.iter_shops(partner(sandbox)))
    sandbox.control.quirks(alt_spellings=True)
    other = next(etelecom.shop.iter_shops(partner(sandbox)))
    assert "onwer_id" in other.raw and "owner_id" not in other.raw
    assert other.owner_id == normal.owner_id != ""


def test_unknown_fields_and_enum_values_are_kept_raw():
    shop = etelecom.shop.Shop.from_api({"id": 12, "owner_id": "0", "status": "Z", "new_field": {"a": 1}})
    assert shop.id == "12" and shop.owner_id == ""
    assert shop.raw["status"] == "Z" and shop.raw["new_field"] == {"a": 1}


def test_authorization_never_shows_its_token():
    answer = etelecom.shop.Authorization.from_api({"type": "shop_key", "auth_token": "shop1:abcdefghijkl"})
    assert "abcdefghijkl" not in repr(answer) and "abcdefghijkl" not in str(answer)
    assert answer.shop_key == "shop1:abcdefghijkl"


def test_the_etelecom_package_does_not_import_django():
    code = "import sys, etelecom, etelecom.shop, etelecom.sandbox; print('django' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"


def test_a_client_handed_over_to_another_process_is_the_same_client(sandbox):
    client = partner(sandbox, timeout=(1, 2), max_retries=1, backoff_base=0.1)
    copy = pickle.loads(pickle.dumps(client.handover()))
    assert Client(**copy).handover() == client.handover()
    assert current_account(Client(**copy)).type == "partner"


def test_the_environments_proxy_settings_are_honoured(sandbox, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens: every proxied call fails
    monkeypatch.setenv("NO_PROXY", "")
    with pytest.raises(errors.ConnectionFailed):
        current_account(partner(sandbox, max_retries=0))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert current_account(partner(sandbox)).type == "partner"


def test_a_call_goes_through_the_environments_proxy_with_its_credentials(recorder, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", recorder.replace("http://", "http://ops:s%40fe@"))
    monkeypatch.setenv("NO_PROXY", "")
    current_account(Client("http://api.etelecom.invalid/v1/partner", "key-1", max_retries=0))
    [(path, headers)] = Recorder.seen
    headers = {name.lower(): value for name, value in headers.items()}
    assert path == "http://api.etelecom.invalid/v1/partner.Misc/CurrentAccount"
    assert headers["proxy-authorization"] == "Basic " + base64.b64encode(b"ops:s@fe").decode()
    assert headers["authorization"] == "Bearer key-1"


class Scripted(Client):
    """A client whose list method answers pages from a script: cursor sent -> (items, next cursor)."""

    def __init__(self, script: dict):
        super().__init__("http://api.etelecom.invalid/v1/shop", "key-1")
        self.script, self.sent = script, []

    def call(self, service, method, payload=None, *, read=None):
        cursor = payload["paging"]["after"]
        self.sent.append(cursor)
        items, following = self.script[cursor]
        return {"items": items, "call_logs": items, "paging": {"next": following}}


@pytest.mark.parametrize(
    "script",
    [
        {"": ([1], "a"), "a": ([2], "a")},  # the same cursor again at once
        {"": ([1], "a"), "a": ([2], "b"), "b": ([3], "a")},  # a loop back to an earlier page
    ],
    ids=["repeated", "loop"],
)
def test_a_cursor_seen_before_in_the_listing_is_refused_by_every_listing(script):
    from etelecom import pbx

    client = Scripted(script)
    with pytest.raises(errors.InvalidResponse, match="repeats a cursor"):
        list(client.paginate("Shop", "List", items_key="items"))
    with pytest.raises(errors.InvalidResponse, match="repeats a cursor"):
        list(pbx.iter_call_log_pages(client))
    assert len(client.sent) == 2 * len(script)  # each page asked for once a listing, then refused


def test_a_listing_resumed_from_a_cursor_refuses_that_cursor_as_the_next():
    from etelecom import pbx

    client = Scripted({"b": ([3], "b")})
    with pytest.raises(errors.InvalidResponse, match="repeats a cursor"):
        list(pbx.iter_call_log_pages(client, after="b"))


def test_pages_follow_the_cursor_to_the_end_with_each_page_and_its_next_cursor():
    from etelecom import pbx

    script = {"": ([1, 2], "a"), "a": ([3], "b"), "b": ([], "")}
    assert list(pbx.iter_call_log_pages(Scripted(script))) == [([1, 2], "a"), ([3], "b"), ([], "")]
    assert list(Scripted(script).paginate("Shop", "List", items_key="items")) == [1, 2, 3]
