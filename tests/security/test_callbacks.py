"""Callback tampering: the partner-connect and OA-connect callbacks finish only the connection their user started.

Each case starts a real connection through the sandbox (eTelecom's login page, Zalo's permission page), then brings
the browser back with one parameter swapped for another connection's, replayed, expired, in someone else's session,
missing, duplicated, oversized or non-ASCII. Every one must end on an error message (never a 500), store
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
from zalo.views import SESSION_KEY as OA_PENDING

SHOP_CONNECT = "/admin/shops/shop/connect/"
OA_CONNECT = "/admin/zalo/officialaccount/connect/"
CONTACT = {"email": "moi@example.vn", "phone": "0909123456", "name": "Cửa hàng Mới"}
OTHER_CONTACT = {"email": "khac@example.vn", "phone": "0909654321", "name": "Cửa hàng Khác"}
LINKED = "Spa Thảo Mộc"  # a demo shop linked to the partner
OA_SHOP = "Nhà thuốc An Khang Quận 1"
HUGE = "9" * 100_000
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# What a broken or hostile sender does to one parameter `name` of a callback's `params`.
TAMPERS = [
    pytest.param(lambda params, name: [(k, v) for k, v in params.items() if k != name], id="missing"),
    pytest.param(lambda params, name: [*params.items(), (name, params[name])], id="duplicated-same"),
    pytest.param(lambda params, name: [*params.items(), (name, params[name] + "1")], id="duplicated-other"),
    pytest.param(lambda params, name: [*{**params, name: ""}.items()], id="empty"),
    pytest.param(lambda params, name: [*{**params, name: params[name] + HUGE}.items()], id="oversized"),
    pytest.param(
        lambda params, name: [*{**params, name: params[name].translate(ARABIC_DIGITS)}.items()], id="non-ascii-digits"
    ),
    pytest.param(lambda params, name: [*{**params, name: params[name] + "ộ"}.items()], id="non-ascii"),
]


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
@pytest.mark.parametrize("tamper", TAMPERS)
def test_a_malformed_shop_callback_is_refused_before_etelecom_is_called(support, sandbox, name, tamper):
    path, params = shop_flow(support)
    if tamper(params, name) == list(params.items()):
        pytest.skip("the value has no digits to replace")
    before, started = stored(), calls(sandbox)
    response = back(support, path, tamper(params, name))
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


def test_a_second_login_on_the_callback_finishes_only_the_same_shop(support, sandbox):
    """The shop is unlinked between its login and the callback: eTelecom asks it to log in again, and the next
    callback is bound to the shop id the first one named."""
    path, params = shop_flow(support)
    sandbox.control.shop_action(params["shop_id"], "unlink")
    response = back(support, path, list(params.items()))
    assert response.status_code == 302 and response.url.startswith(f"{sandbox.url}/auth/login")
    again_path, again = log_in_at_etelecom(response.url)
    again = dict(again)
    before, started = stored(), calls(sandbox)
    other = sandbox.shop(LINKED)["id"]
    assert refused(back(support, again_path, [*{**again, "shop_id": other}.items()]), "does not match")
    assert stored() == before and calls(sandbox) == started

    path, params = shop_flow(support)
    sandbox.control.shop_action(params["shop_id"], "unlink")
    again_path, again = log_in_at_etelecom(back(support, path, list(params.items())).url)
    response = back(support, again_path, again)
    assert Shop.objects.get().etelecom_id == params["shop_id"] and messages_of(response)[0][0] == SUCCESS


def test_the_request_token_is_not_kept_in_the_session(support, sandbox):
    response = support.post(SHOP_CONNECT, CONTACT)
    token = dict(parse_qsl(urlsplit(response.url).query))["token"]
    session = str(dict(support.session))
    assert token not in session and hashlib.sha256(token.encode()).hexdigest() in session


# --- the OA connect and renewal ---------------------------------------------------------------------------------


@pytest.fixture
def oa_shop(sandbox) -> Shop:
    record = sandbox.shop(OA_SHOP)
    shop = Shop(name=OA_SHOP, etelecom_id=record["id"], connection=Shop.Connection.PARTNER)
    shop.set_credential(record["shop_key"])
    shop.save()
    return shop


@pytest.fixture
def oa_staff(client, make_user, oa_shop):
    client.force_login(make_user("hotro", "Support", shops=[oa_shop]))
    return client


def oa_form(shop: Shop) -> dict:
    return {
        "shop": shop.pk,
        "app_id": "4318000000000000001",
        "app_secret": "bí-mật-ứng-dụng",
        "callback_url": "http://127.0.0.1:8000" + reverse("admin:zalo_officialaccount_connect_callback"),
    }


def allow_on_zalo(url: str, oa_name: str = "") -> tuple[str, dict[str, str]]:
    """The OA admin allows on Zalo's page: the callback path and its parameters, not yet followed."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    state = dict(parse_qsl(urlsplit(url).query))["state"]
    answer = requests.post(
        f"{origin}/zalo/oa/permission", data={"state": state, "oa_name": oa_name}, allow_redirects=False, timeout=5
    )
    location = urlsplit(answer.headers["Location"])
    query = parse_qsl(location.query)
    assert {k for k, _ in query} == {"code", "state", "oa_id"} and len(query) == 3
    return location.path, dict(query)


def oa_flow(client, shop: Shop, oa_name: str = "") -> tuple[str, dict[str, str]]:
    response = client.post(OA_CONNECT, oa_form(shop))
    assert response.status_code == 302, response.context["form"].errors
    return allow_on_zalo(response.url, oa_name)


def renew_flow(client, oa: OfficialAccount) -> tuple[str, dict[str, str]]:
    response = client.post(reverse("admin:zalo_officialaccount_renew", args=[oa.pk]))
    assert response.status_code == 302 and not response.url.startswith("/"), messages_of(response)
    return allow_on_zalo(response.url)


def connect_calls(sandbox) -> int:
    return sandbox.control.received("Zalo/ConnectOA")


def test_the_untampered_oa_callback_connects_the_oa(oa_staff, oa_shop, sandbox):
    path, params = oa_flow(oa_staff, oa_shop, "OA Mới")
    response = back(oa_staff, path, list(params.items()))
    oa = OfficialAccount.objects.get(name="OA Mới")
    assert response.url == reverse("admin:zalo_officialaccount_change", args=[oa.pk]) and oa.oa_id == params["oa_id"]


@pytest.mark.parametrize("name", ["code", "state", "oa_id"])
@pytest.mark.parametrize("tamper", TAMPERS)
def test_a_malformed_oa_callback_is_refused_before_etelecom_is_called(oa_staff, oa_shop, sandbox, name, tamper):
    path, params = oa_flow(oa_staff, oa_shop)
    if tamper(params, name) == list(params.items()):
        pytest.skip("the value has no digits to replace")
    before = stored()
    response = back(oa_staff, path, tamper(params, name))
    assert refused(response) and stored() == before and connect_calls(sandbox) == 0


def test_an_oa_state_from_another_connection_is_refused(oa_staff, oa_shop, sandbox):
    path, params = oa_flow(oa_staff, oa_shop)
    _, other = oa_flow(oa_staff, oa_shop)
    before = stored()
    response = back(oa_staff, path, [*{**params, "state": other["state"]}.items()])
    assert refused(response) and stored() == before


def test_an_oa_code_from_another_connection_is_refused(oa_staff, oa_shop, sandbox):
    path, params = oa_flow(oa_staff, oa_shop)
    _, other = oa_flow(oa_staff, oa_shop)
    before = stored()
    assert refused(back(oa_staff, path, [*{**params, "code": other["code"]}.items()])) and stored() == before


def test_an_oa_id_swapped_on_a_new_connection_is_refused(oa_staff, oa_shop, sandbox):
    path, params = oa_flow(oa_staff, oa_shop)
    _, other = oa_flow(oa_staff, oa_shop)
    before = stored()
    assert refused(back(oa_staff, path, [*{**params, "oa_id": other["oa_id"]}.items()])) and stored() == before


def test_two_oa_connections_in_progress_each_finish_with_their_own_answer(oa_staff, oa_shop, sandbox):
    first_path, first = oa_flow(oa_staff, oa_shop, "OA Một")
    second_path, second = oa_flow(oa_staff, oa_shop, "OA Hai")
    back(oa_staff, first_path, list(first.items()))
    back(oa_staff, second_path, list(second.items()))
    assert sorted(OfficialAccount.objects.values_list("name", flat=True)) == ["OA Hai", "OA Một"]


def test_an_oa_callback_is_used_once(oa_staff, oa_shop, sandbox):
    path, params = oa_flow(oa_staff, oa_shop)
    back(oa_staff, path, list(params.items()))
    before = stored()
    again = back(oa_staff, path, list(params.items()))
    assert refused(again, "invalid or has expired") and stored() == before and connect_calls(sandbox) == 1


def test_an_expired_oa_connection_is_refused(oa_staff, oa_shop, sandbox):
    path, params = oa_flow(oa_staff, oa_shop)
    session = oa_staff.session
    session[OA_PENDING] = [{**entry, "started": entry["started"] - 901} for entry in session[OA_PENDING]]
    session.save()
    before = stored()
    response = back(oa_staff, path, list(params.items()))
    assert refused(response, "invalid or has expired") and stored() == before and connect_calls(sandbox) == 0


def test_an_oa_callback_in_someone_elses_session_is_refused(oa_staff, oa_shop, sandbox, make_user):
    path, params = oa_flow(oa_staff, oa_shop)
    other = Client()
    other.force_login(make_user("khac", "Support", shops=[oa_shop]))
    before = stored()
    assert refused(back(other, path, list(params.items())), "invalid or has expired")
    assert stored() == before and connect_calls(sandbox) == 0


def test_a_renewal_callback_for_another_oa_is_refused_before_etelecom_is_called(oa_staff, oa_shop, sandbox):
    path, params = oa_flow(oa_staff, oa_shop, "OA Gia hạn")
    back(oa_staff, path, list(params.items()))
    oa = OfficialAccount.objects.get(name="OA Gia hạn")
    other_path, other = oa_flow(oa_staff, oa_shop, "OA Khác")
    back(oa_staff, other_path, list(other.items()))
    renew_path, renewal = renew_flow(oa_staff, oa)
    before, connected = stored(), connect_calls(sandbox)
    response = back(oa_staff, renew_path, [*{**renewal, "oa_id": other["oa_id"]}.items()])
    assert refused(response) and stored() == before and connect_calls(sandbox) == connected


def test_a_renewal_of_an_oa_taken_away_meanwhile_is_refused(oa_staff, oa_shop, sandbox):
    path, params = oa_flow(oa_staff, oa_shop, "OA Gia hạn")
    back(oa_staff, path, list(params.items()))
    oa = OfficialAccount.objects.get(name="OA Gia hạn")
    renew_path, renewal = renew_flow(oa_staff, oa)
    ShopMembership.objects.all().delete()
    before, connected = stored(), connect_calls(sandbox)
    response = back(oa_staff, renew_path, list(renewal.items()))
    assert refused(response) and stored() == before and connect_calls(sandbox) == connected


def test_a_zalo_refusal_on_the_callback_is_a_message(oa_staff, oa_shop, sandbox):
    oa_flow(oa_staff, oa_shop)
    path = reverse("admin:zalo_officialaccount_connect_callback")
    before = stored()
    response = back(oa_staff, path, [("error", "access_denied"), ("error_description", "<script>x</script>")])
    assert refused(response, "did not send back") and stored() == before and connect_calls(sandbox) == 0


# --- both callbacks ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "state=%00&token=%00&shop_id=%00&code=%00&oa_id=%00",
        "state=%ED%A0%80&token=%FF%FE&shop_id=%EF%BC%91&code=%ED%A0%80&oa_id=%EF%BC%91",
        "state=a&state=b&shop_id=-1&oa_id=1e3&code=%25ZZ",
        "state=" + "A" * 20_000 + ".B:C:D&oa_id=" + "1" * 5_000,
    ],
    ids=["nul", "bad-utf8", "signs", "long"],
)
def test_no_callback_answers_500_to_garbage(oa_staff, sandbox, query):
    for name in ("shops_shop_connect_callback", "zalo_officialaccount_connect_callback"):
        before = stored()
        response = oa_staff.get(reverse(f"admin:{name}") + "?" + query)
        assert refused(response) and stored() == before, (name, response.status_code)
