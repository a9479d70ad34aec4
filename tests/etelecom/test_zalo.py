"""Zalo OA and webhook calls against the sandbox: the consent flow, OA details, followers, spellings, webhooks."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from etelecom import errors, webhook, zalo
from etelecom.client import Client

SHOP = "Nhà thuốc An Khang Quận 1"  # the demo shop with two OAs
CALLBACK = "http://127.0.0.1:8000/zalo/oa/callback/?shop=7"


def shop_client(sandbox, name=SHOP) -> Client:
    return Client(sandbox.partner_base_url, sandbox.shop(name)["shop_key"])


def oa_of(sandbox, client, suffix) -> zalo.OfficialAccount:
    return next(oa for oa in zalo.iter_oas(client) if oa.name.endswith(suffix))


def consent(url: str, *, oa_name: str = "") -> dict:
    """What the OA admin does on Zalo's page; returns the query eTelecom's redirect carries."""
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    state = parse_qs(urlsplit(url).query)["state"][0]
    answer = requests.post(
        f"{origin}/zalo/oa/permission", data={"state": state, "oa_name": oa_name}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK.split("?")[0]
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def test_an_oa_is_connected_through_the_zalo_consent_page(sandbox):
    client = shop_client(sandbox)
    url = zalo.authorize_oa(client, app_id="4318000000000000001", app_secret="zalo-app-secret", redirect_uri=CALLBACK)
    back = consent(url, oa_name="OA Mới")
    assert back["shop"] == "7" and back["code"] and back["state"].isdigit()

    oa = zalo.connect_oa(client, code=back["code"], oa_id=back["oa_id"], state=back["state"])
    assert (oa.oa_id, oa.name, oa.status, oa.app_id) == (back["oa_id"], "OA Mới", "P", "4318000000000000001")
    assert oa.expires_at > datetime.now(UTC) + timedelta(days=80)
    assert oa.webhook_url is None and oa.daily_quota_promotion is None  # ConnectOA does not carry them
    assert oa.oa_id in {a.oa_id for a in zalo.iter_oas(client)}
    details = zalo.get_shop_oa(client, oa_id=oa.oa_id)
    assert details.webhook_url == "" and details.daily_quota_promotion == 0


# The answers zalo-oa.md and the Connect OA page (seeds/000) document: these fields and types, no others.
LINK_SAMPLE = {"url": "string"}
CONNECT_OA_SAMPLE = {
    "app_id": "string",
    "avatar": "string",
    "connection_id": "string",
    "connection_method": "unknown",
    "cover": "string",
    "created_at": "2019-08-24T14:15:22Z",
    "current_quality": "unknown",
    "daily_quota": 0,
    "description": "string",
    "expires_at": "2019-08-24T14:15:22Z",
    "is_verified": True,
    "last_week_quality": "unknown",
    "name": "string",
    "oa_id": "string",
    "onwer_id": "string",
    "remaining_quota": 0,
    "shop_id": "string",
    "status": "Z",
    "updated_at": "2019-08-24T14:15:22Z",
}


def raw(sandbox, method: str, body: dict) -> dict:
    response = requests.post(
        f"{sandbox.partner_base_url}.Zalo/{method}",
        json=body,
        headers={"Authorization": f"Bearer {sandbox.shop(SHOP)['shop_key']}"},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()


def shape(answer: dict) -> dict:
    return {name: type(value) for name, value in answer.items()}


def test_the_connect_and_renew_calls_answer_the_documented_shapes(sandbox):
    link = raw(sandbox, "AuthorizeOA", {"app_id": "4318", "app_secret": "s", "redirect_uri": CALLBACK})
    assert shape(link) == shape(LINK_SAMPLE) and zalo.link_state(link["url"])
    back = consent(link["url"], oa_name="OA Mới")
    assert set(back) == {"shop", "code", "state", "oa_id"} and back["state"] == zalo.link_state(link["url"])
    connected = raw(sandbox, "ConnectOA", {"code": back["code"], "oa_id": back["oa_id"], "state": int(back["state"])})
    assert shape(connected) == shape(CONNECT_OA_SAMPLE)
    assert (connected["oa_id"], connected["status"], connected["connection_method"]) == (back["oa_id"], "P", "direct")
    renewal = raw(sandbox, "RefreshToken", {"oa_id": back["oa_id"]})
    assert shape(renewal) == shape(LINK_SAMPLE) and zalo.link_state(renewal["url"]) != back["state"]


def test_a_code_works_once_and_only_with_its_state_and_oa(sandbox):
    client = shop_client(sandbox)
    back = consent(zalo.authorize_oa(client, app_id="4318", app_secret="s", redirect_uri=CALLBACK))
    back.pop("shop")
    for wrong in ({"code": "guess"}, {"oa_id": "1"}, {"state": "123456789"}):
        with pytest.raises(errors.InvalidArgument):
            zalo.connect_oa(client, **{**back, **wrong})
    zalo.connect_oa(client, code=back["code"], oa_id=back["oa_id"], state=back["state"])
    with pytest.raises(errors.InvalidArgument):
        zalo.connect_oa(client, code=back["code"], oa_id=back["oa_id"], state=back["state"])


def test_another_shop_cannot_finish_this_shops_consent(sandbox):
    back = consent(zalo.authorize_oa(shop_client(sandbox), app_id="4318", app_secret="s", redirect_uri=CALLBACK))
    other = shop_client(sandbox, "Thời trang Hoa Mai")
    with pytest.raises(errors.InvalidArgument):
        zalo.connect_oa(other, code=back["code"], oa_id=back["oa_id"], state=back["state"])


def test_renewal_goes_through_the_consent_page_and_extends_the_token(sandbox):
    client = shop_client(sandbox)
    back = consent(
        zalo.authorize_oa(client, app_id="4318", app_secret="s", redirect_uri=CALLBACK), oa_name="OA Gia hạn"
    )
    oa = zalo.connect_oa(client, code=back["code"], oa_id=back["oa_id"], state=back["state"])
    sandbox.control.update_oa(oa.oa_id, expires_in_days=2)
    url = zalo.refresh_token(client, oa_id=oa.oa_id)
    assert "OA Gia hạn" in requests.get(url, timeout=5).text
    again = consent(url)
    assert again["oa_id"] == oa.oa_id
    renewed = zalo.connect_oa(client, code=again["code"], oa_id=again["oa_id"], state=again["state"])
    assert renewed.expires_at > datetime.now(UTC) + timedelta(days=80)
    assert [a.oa_id for a in zalo.iter_oas(client)].count(oa.oa_id) == 1


def test_renewal_needs_a_known_callback(sandbox):
    client = shop_client(sandbox)
    with pytest.raises(errors.InvalidArgument, match="AuthorizeOA"):
        zalo.refresh_token(client, oa_id=oa_of(sandbox, client, "Khuyến mãi").oa_id)


def test_authorize_oa_refuses_bad_input(sandbox):
    client = shop_client(sandbox)
    with pytest.raises(errors.InvalidArgument, match="redirect_uri"):
        zalo.authorize_oa(client, app_id="4318", app_secret="s", redirect_uri="not-a-url")
    with pytest.raises(errors.InvalidArgument, match="app_id"):
        zalo.authorize_oa(client, app_id="my-app", app_secret="s", redirect_uri=CALLBACK)
    with pytest.raises(errors.InvalidArgument, match="app_secret"):
        zalo.authorize_oa(client, app_id="4318", app_secret="", redirect_uri=CALLBACK)


def test_an_expired_consent_page_says_so(sandbox):
    page = requests.get(f"{sandbox.url}/zalo/oa/permission?state=42", timeout=5)
    assert page.status_code == 400 and "expired" in page.text


def test_oa_details_carry_quota_quality_and_promotion_quotas(sandbox):
    client = shop_client(sandbox)
    oa = zalo.get_shop_oa(client, oa_id=oa_of(sandbox, client, "Khuyến mãi").oa_id)
    assert (oa.current_quality, oa.last_week_quality, oa.remaining_quota, oa.daily_quota) == ("MEDIUM", "HIGH", 35, 500)
    assert (oa.daily_quota_promotion, oa.monthly_promotion_quota, oa.remaining_monthly_promotion_quota) == (
        50,
        1500,
        1200,
    )
    assert oa.shop_id == sandbox.shop(SHOP)["id"] and oa.owner_id and oa.connection_id and oa.is_verified


def test_quota_and_quality_move_when_the_sandbox_is_told(sandbox):
    client = shop_client(sandbox)
    oa_id = oa_of(sandbox, client, "Chăm sóc khách hàng").oa_id
    sandbox.control.update_oa(oa_id, remaining_quota=12, current_quality="LOW", status="N")
    oa = zalo.get_shop_oa(client, oa_id=oa_id)
    assert (oa.remaining_quota, oa.current_quality, oa.status) == (12, "LOW", "N")
    with pytest.raises(ValueError, match="remaining_quota"):
        sandbox.control.update_oa(oa_id, remaining_quota=-1)
    with pytest.raises(ValueError, match="unknown OA fields"):
        sandbox.control.update_oa(oa_id, colour="red")
    sandbox.control.remove_oa(oa_id)
    assert oa_id not in {a.oa_id for a in zalo.iter_oas(client)}
    with pytest.raises(errors.NotFound):
        zalo.get_shop_oa(client, oa_id=oa_id)


def test_an_oa_of_another_shop_is_not_found(sandbox):
    other = oa_of(sandbox, shop_client(sandbox, "Thời trang Hoa Mai"), "Tư vấn")
    with pytest.raises(errors.NotFound):
        zalo.get_shop_oa(shop_client(sandbox), oa_id=other.oa_id)


def test_oa_calls_take_a_shop_key(sandbox):
    with pytest.raises(errors.PermissionDenied):
        list(zalo.iter_oas(Client(sandbox.partner_base_url, sandbox.partner_key)))


def test_list_oa_pages_and_filters(sandbox):
    sandbox.control.reset("generated", shops=1, oas_per_shop=25)
    client = Client(sandbox.partner_base_url, sandbox.control.shops()[0]["shop_key"])
    oas = list(zalo.iter_oas(client, limit=10))
    assert len({oa.oa_id for oa in oas}) == 25 and sandbox.control.received("Zalo/ListOA") == 3
    assert [oa.name for oa in zalo.iter_oas(client, name="OA 00001-007")] == ["OA 00001-007"]
    assert {oa.current_quality for oa in oas} <= {"HIGH", "MEDIUM", "LOW", "UNDEFINED"}


def test_the_webhook_url_of_an_oa_is_set_and_cleared(sandbox):
    client = shop_client(sandbox)
    oa_id = oa_of(sandbox, client, "Khuyến mãi").oa_id
    assert zalo.update_shop_oa(
        client, oa_id=oa_id, webhook_url="https://console.example.vn/webhooks/etelecom/x/"
    ).webhook_url
    assert zalo.get_shop_oa(client, oa_id=oa_id).webhook_url == "https://console.example.vn/webhooks/etelecom/x/"
    assert zalo.update_shop_oa(client, oa_id=oa_id, webhook_url="").webhook_url == ""
    with pytest.raises(errors.InvalidArgument):
        zalo.update_shop_oa(client, oa_id=oa_id, webhook_url="ftp://nope")


def test_the_docs_other_spellings_of_oa_fields_are_read(sandbox):
    client = shop_client(sandbox)
    normal = oa_of(sandbox, client, "Khuyến mãi")
    assert "oa_id" in normal.raw and "onwer_id" in normal.raw
    sandbox.control.quirks(alt_spellings=True)
    other = oa_of(sandbox, client, "Khuyến mãi")
    assert "id" in other.raw and "owner_id" in other.raw and "oa_id" not in other.raw
    assert (other.oa_id, other.owner_id) == (normal.oa_id, normal.owner_id) and other.owner_id


def test_unknown_quality_values_are_kept(sandbox):
    client = Client(sandbox.partner_base_url, sandbox.shop("Phở Hà Nội 36")["shop_key"])
    [oa] = list(zalo.iter_oas(client))
    assert oa.current_quality == "unknown"


def test_followers_are_listed_and_filtered(sandbox):
    client = shop_client(sandbox)
    oa_id = oa_of(sandbox, client, "Khuyến mãi").oa_id
    followers = list(zalo.iter_followers(client, oa_id=oa_id, limit=5))
    assert len(followers) == 12 and sandbox.control.received("Zalo/ListFollowers") == 3
    assert {f.oa_id for f in followers} == {oa_id} and all(f.zl_user_id for f in followers)
    assert [f.state for f in zalo.iter_followers(client, oa_id=oa_id, state="unfollow")] == ["unfollow"]
    assert any(f.tags == ("vip",) for f in followers)
    with pytest.raises(errors.InvalidArgument, match="oa_id"):
        client.call("Zalo", "ListFollowers", {"filter": {}})


def test_webhooks_are_registered_listed_and_deleted_per_owner(sandbox):
    partner = Client(sandbox.partner_base_url, sandbox.partner_key)
    shop = shop_client(sandbox)
    created = webhook.create_webhook(partner, url="https://console.example.vn/webhooks/etelecom/abc/")
    assert created.entities == ("call_log", "zl_oa_message") and created.state == "ok" and created.id
    webhook.create_webhook(shop, url="https://console.example.vn/webhooks/etelecom/def/", entities=("call_log",))
    assert [w.id for w in webhook.list_webhooks(partner)] == [created.id]
    assert [w.entities for w in webhook.list_webhooks(shop)] == [("call_log",)]
    assert webhook.delete_webhook(partner, webhook_id=created.id) == []
    with pytest.raises(errors.NotFound):
        webhook.delete_webhook(partner, webhook_id=created.id)
    with pytest.raises(errors.InvalidArgument, match="entities"):
        webhook.create_webhook(partner, url="https://console.example.vn/", entities=("orders",))
