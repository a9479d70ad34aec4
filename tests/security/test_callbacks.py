"""Callback tampering: the partner-connect callback finishes only the connection its user started.

Each case starts a real connection through the sandbox (eTelecom's login page), then brings the browser back with
one parameter swapped for another connection's, replayed, expired, in someone else's session, missing, duplicated,
oversized or non-ASCII. Every one must end on an error message (never a 500), store
nothing, and call eTelecom only where nothing but eTelecom can tell.
"""

import hashlib
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import translation

from shops.models import Shop, ShopMembership
from zalo.models import OASnapshot, OfficialAccount

SHOP_CONNECT = "/admin/shops/shop/connect/"
CONTACT = {"email": "moi@example.vn", "phone": "0909123456", "name": "Cửa hàng Mới"}
OTHER_CONTACT = {"email": "khac@example.vn", "phone": "0909654321", "name": "Cửa hàng Khác"}
LINKED = "Spa Thảo Mộc"  # a demo shop linked to the partner
HUGE = "9" * 100_000
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture(autouse=True)
def _english_against_the_sandbox(console_on_sandbox, settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def support(client, make_user):
    client.force_login(make_user("hotro", "Support"))
    return client


def messages_of(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def refused(response, text: str = "") -> bool:
    """A redirect with an error message (and no success), never a page of its own or a 500."""
    found = messages_of(response)
    errors = [message for level, message in found if level == ERROR]
    return (
        response.status_code == 302
        and bool(errors)
        and all(level != SUCCESS for level, _ in found)
        and all(text in message for message in errors)
    )


def stored() -> tuple:
    """Everything a callback could write: shops with their keys, memberships, OAs with their values, snapshots."""
    return (
        sorted(Shop.objects.values_list("etelecom_id", "credential_ciphertext", "credential_status", "name")),
        sorted(ShopMembership.objects.values_list("shop__etelecom_id", "user__username")),
        sorted(OfficialAccount.objects.values_list("shop_id", "oa_id", "expires_at", "app_secret_ciphertext")),
        OASnapshot.objects.count(),
    )


def back(client, path: str, query: list[tuple[str, str]]):
    """The browser comes back; messages earlier answers left unread are dropped, so each answer shows its own."""
    client.cookies.pop("messages", None)
    return client.get(path, query)


# --- the partner connect ----------------------------------------------------------------------------------------


def log_in_at_etelecom(auth_url: str) -> tuple[str, list[tuple[str, str]]]:
    """The shop logs in on eTelecom's page; returns the callback path and query eTelecom sends the browser to."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(auth_url))
    token = dict(parse_qsl(urlsplit(auth_url).query))["token"]
    answer = requests.post(f"{origin}/auth/login", data={"token": token}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert location.netloc == "testserver"
    return location.path, parse_qsl(location.query)


def shop_flow(client, contact=CONTACT) -> tuple[str, dict[str, str]]:
    """Start a partner connect and log in at eTelecom: the callback path and its parameters, not yet followed."""
    response = client.post(SHOP_CONNECT, contact)
    assert response.status_code == 302, response.content
    path, query = log_in_at_etelecom(response.url)
    params = dict(query)
    assert set(params) == {"state", "token", "shop_id"} and len(query) == 3
    return path, params


def calls(sandbox) -> tuple[int, int]:
    return sandbox.control.received("Shop/AuthorizeShop"), sandbox.control.received("Shop/CurrentShop")


def test_the_untampered_callback_connects_the_shop_it_started(support, sandbox):
    path, params = shop_flow(support)
    response = back(support, path, list(params.items()))
    shop = Shop.objects.get()
    assert messages_of(response) == [(SUCCESS, "Cửa hàng Mới is connected and its key works.")]
    assert shop.etelecom_id == params["shop_id"] and shop.memberships.get().user.username == "hotro"


@pytest.mark.parametrize("name", ["state", "token", "shop_id"])
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda params, name: [(k, v) for k, v in params.items() if k != name], id="missing"),
        pytest.param(lambda params, name: [*params.items(), (name, params[name])], id="duplicated-same"),
        pytest.param(lambda params, name: [*params.items(), (name, params[name] + "1")], id="duplicated-other"),
        pytest.param(lambda params, name: [*{**params, name: ""}.items()], id="empty"),
        pytest.param(lambda params, name: [*{**params, name: params[name] + HUGE}.items()], id="oversized"),
        pytest.param(
            lambda params, name: [*{**params, name: params[name].translate(ARABIC_DIGITS) + "é"}.items()],
            id="non-ascii",
        ),
    ],
)
def test_a_malformed_shop_callback_is_refused_before_etelecom_is_called(support, sandbox, name, tamper):
    path, params = shop_flow(support)
    before, started = stored(), calls(sandbox)
    response = back(support, path, tamper(params, name))
    assert refused(response) and stored() == before and calls(sandbox) == started


def test_non_ascii_digits_in_the_shop_id_are_not_a_shop_id(support, sandbox):
    path, params = shop_flow(support)
    before, started = stored(), calls(sandbox)
    response = back(support, path, [*{**params, "shop_id": params["shop_id"].translate(ARABIC_DIGITS)}.items()])
    assert refused(response) and stored() == before and calls(sandbox) == started


def test_a_shop_token_from_another_connection_is_refused(support, sandbox):
    path, params = shop_flow(support)
    _, other = shop_flow(support, OTHER_CONTACT)
    before, started = stored(), calls(sandbox)
    response = back(support, path, [*{**params, "token": other["token"]}.items()])
    assert refused(response, "does not match") and stored() == before and calls(sandbox) == started


def test_a_shop_state_from_another_connection_is_refused(support, sandbox):
    path, params = shop_flow(support)
    _, other = shop_flow(support, OTHER_CONTACT)
    before, started = stored(), calls(sandbox)
    response = back(support, path, [*{**params, "state": other["state"]}.items()])
    assert refused(response, "does not match") and stored() == before and calls(sandbox) == started


def test_a_shop_id_of_a_shop_in_the_console_gives_the_support_user_nothing(support, sandbox, make_user):
    """The reported takeover: log in as one shop, come back with the id of a shop the console has."""
    record = sandbox.shop(LINKED)
    victim = Shop(name=LINKED, etelecom_id=record["id"], connection=Shop.Connection.PARTNER)
    victim.set_credential(record["shop_key"])
    victim.save()
    ShopMembership.objects.create(shop=victim, user=make_user("chu-spa", "Support"))
    path, params = shop_flow(support)
    before, started = stored(), calls(sandbox)
    response = back(support, path, [*{**params, "shop_id": record["id"]}.items()])
    assert refused(response, "already in the console") and stored() == before and calls(sandbox) == started
    assert support.get(reverse("admin:shops_shop_change", args=[victim.pk])).status_code == 302


def test_a_shop_id_of_another_partner_shop_is_refused_once_etelecom_names_it(support, sandbox):
    """A linked shop the console does not have yet: only eTelecom can say it is not the shop that logged in."""
    other = sandbox.shop(LINKED)["id"]
    path, params = shop_flow(support)
    before = stored()
    response = back(support, path, [*{**params, "shop_id": other}.items()])
    assert refused(response, "not the one this connection was started for") and stored() == before


def test_a_shop_callback_is_used_once(support, sandbox):
    path, params = shop_flow(support)
    back(support, path, list(params.items()))
    before, finished = stored(), calls(sandbox)
    again = back(support, path, list(params.items()))
    assert refused(again, "invalid or has expired") and stored() == before and calls(sandbox) == finished


def test_an_expired_shop_state_is_refused(support, sandbox, monkeypatch):
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 901)
    response = support.post(SHOP_CONNECT, CONTACT)
    monkeypatch.setattr(signing.time, "time", real_time)
    path, query = log_in_at_etelecom(response.url)
    before, started = stored(), calls(sandbox)
    assert refused(back(support, path, query), "invalid or has expired")
    assert stored() == before and calls(sandbox) == started


def test_a_forged_shop_state_is_refused(support, sandbox):
    path, params = shop_flow(support)
    forged = signing.dumps({"user": 1, "nonce": "guessed"}, salt="not-ours")
    before, started = stored(), calls(sandbox)
    assert refused(back(support, path, [*{**params, "state": forged}.items()]), "invalid or has expired")
    assert stored() == before and calls(sandbox) == started


def test_a_shop_callback_in_someone_elses_session_is_refused(support, sandbox, make_user):
    path, params = shop_flow(support)
    other = Client()
    other.force_login(make_user("nguoikhac", "Support"))
    before, started = stored(), calls(sandbox)
    assert refused(back(other, path, list(params.items())), "invalid or has expired")
    assert stored() == before and calls(sandbox) == started
    # ... and the rightful user can still finish it.
    assert messages_of(back(support, path, list(params.items())))[0][0] == SUCCESS


def test_a_support_user_connecting_a_shop_the_console_has_gets_no_membership(support, sandbox, make_user):
    """Not an attack: the shop really logged in, but it is already someone's; a superuser decides who gets it."""
    record = sandbox.shop(LINKED)
    shop = Shop(name=LINKED, etelecom_id=record["id"], connection=Shop.Connection.PARTNER)
    shop.set_credential(record["shop_key"])
    shop.save()
    path, params = shop_flow(support, {"email": record["email"], "phone": "0900000000", "name": LINKED})
    assert params["shop_id"] == record["id"]
    before, started = stored(), calls(sandbox)
    response = back(support, path, list(params.items()))
    assert refused(response, "already in the console") and stored() == before and calls(sandbox) == started
    assert LINKED not in str(messages_of(response))


def test_a_superuser_connecting_a_shop_the_console_has_refreshes_its_key(admin_client, sandbox):
    record = sandbox.shop(LINKED)
    shop = Shop(name="old name", etelecom_id=record["id"], connection=Shop.Connection.PARTNER)
    shop.set_credential("shop1:old-key")
    shop.save()
    path, params = shop_flow(admin_client, {"email": record["email"], "phone": "0900000000", "name": LINKED})
    response = back(admin_client, path, list(params.items()))
    shop.refresh_from_db()
    assert response.url == reverse("admin:shops_shop_change", args=[shop.pk])
    assert (shop.credential, shop.name) == (record["shop_key"], LINKED) and not ShopMembership.objects.exists()


def reconnect_flow(client, shop: Shop) -> tuple[str, dict[str, str]]:
    response = client.post(reverse("admin:shops_shop_reconnect", args=[shop.pk]))
    path, query = log_in_at_etelecom(response.url)
    return path, dict(query)


def linked_console_shop(sandbox, name: str, user=None) -> Shop:
    record = sandbox.shop(name)
    shop = Shop(name=name, etelecom_id=record["id"], connection=Shop.Connection.PARTNER)
    shop.set_credential(record["shop_key"])
    shop.save()
    if user is not None:
        ShopMembership.objects.create(shop=shop, user=user)
    sandbox.control.shop_action(record["id"], "unlink")  # it must log in again: eTelecom sends it to its page
    return shop


def test_a_reconnect_finishes_only_the_shop_it_started_from(client, sandbox, make_user):
    user = make_user("hotro", "Support")
    client.force_login(user)
    mine = linked_console_shop(sandbox, LINKED, user)
    path, params = reconnect_flow(client, mine)
    other = sandbox.shop("Khách sạn Biển Xanh")["id"]
    before, started = stored(), calls(sandbox)
    response = back(client, path, [*{**params, "shop_id": other}.items()])
    assert refused(response, "does not match") and stored() == before and calls(sandbox) == started


def test_a_reconnect_of_a_shop_taken_away_meanwhile_is_refused(client, sandbox, make_user):
    user = make_user("hotro", "Support")
    client.force_login(user)
    mine = linked_console_shop(sandbox, LINKED, user)
    path, params = reconnect_flow(client, mine)
    ShopMembership.objects.filter(user=user).delete()
    before, started = stored(), calls(sandbox)
    assert refused(back(client, path, list(params.items()))) and stored() == before and calls(sandbox) == started


def test_a_reconnect_through_the_login_page_stores_the_new_key(client, sandbox, make_user):
    user = make_user("hotro", "Support")
    client.force_login(user)
    mine = linked_console_shop(sandbox, LINKED, user)
    path, params = reconnect_flow(client, mine)
    assert params["shop_id"] == mine.etelecom_id
    response = back(client, path, list(params.items()))
    mine.refresh_from_db()
    assert response.url == reverse("admin:shops_shop_change", args=[mine.pk])
    assert mine.credential == sandbox.shop(LINKED)["shop_key"] and ShopMembership.objects.count() == 1


def test_the_request_token_is_not_kept_in_the_session(support, sandbox):
    response = support.post(SHOP_CONNECT, CONTACT)
    token = dict(parse_qsl(urlsplit(response.url).query))["token"]
    session = str(dict(support.session))
    assert token not in session and hashlib.sha256(token.encode()).hexdigest() in session
