"""The webhook receiver, registering and rotating a shop's webhook, and events the sandbox really posts."""

import json
import time

import pytest
from django.contrib.admin.models import CHANGE
from django.urls import reverse

from etelecom import webhook as webhook_api
from etelecom.client import Client
from shops import services, syncing
from shops.models import ApiCall, Shop, WebhookEvent
from shops.webhooks import masked_url
from tests.history import assert_no_secret_in_history, history
from zalo import services as zalo_services
from zalo.models import OfficialAccount

from .factories import make_shop

SHOP = "Nhà thuốc An Khang Quận 1"


def post(client, shop, body, content_type="application/json", **extra):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(reverse("etelecom_webhook", args=[shop.webhook_secret]), raw, content_type=content_type, **extra)


@pytest.fixture
def shop(db):
    return make_shop("Cửa hàng A")


def test_a_wrong_secret_is_404_and_stores_nothing(client, shop):
    response = client.post("/webhooks/etelecom/not-the-secret/", b"{}", content_type="application/json")
    assert response.status_code == 404 and response.json() == {"error": "unknown webhook"}
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b'{"id": 1}', "text/plain", "Content-Type must be application/json"),
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "JSON object"),
        (b'{"x": "' + b"a" * 300_000 + b'"}', "application/json", "larger than 256 KiB"),
        (b'{"id": 1}', "application/json; charset=utf-16", "must be UTF-8"),
    ],
)
def test_bad_input_is_400_with_a_reason_and_stores_nothing(client, shop, body, content_type, reason):
    response = post(client, shop, body, content_type=content_type)
    assert response.status_code == 400 and reason in response.json()["error"]
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    "path", ["abc%00def", "%F0%9F%98%80", "a" * 65, "%ud800"], ids=["nul", "emoji", "long", "junk"]
)
def test_a_secret_no_console_would_make_is_404_without_a_query(client, shop, path, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.post(f"/webhooks/etelecom/{path}/", b"{}", content_type="application/json")
    assert response.status_code == 404 and response.json() == {"error": "unknown webhook"}


@pytest.mark.parametrize("length", ["9" * 5000, "١٢", "-1", "1e3"], ids=["digits", "arabic", "negative", "float"])
def test_a_declared_length_that_is_no_small_number_is_400(client, shop, length):
    url = reverse("etelecom_webhook", args=[shop.webhook_secret])
    response = client.post(url, b"{}", content_type="application/json", CONTENT_LENGTH=length)
    assert response.status_code == 400 and "Content-Length" in response.json()["error"]


def test_only_post_is_accepted(client, shop):
    assert client.get(reverse("etelecom_webhook", args=[shop.webhook_secret])).status_code == 405


def test_a_repeated_event_is_stored_once(client, shop):
    event = {"id": "evt-1", "entity": "zl_order", "data": {"order_id": "1"}}
    first, second = post(client, shop, event), post(client, shop, event)
    assert first.json() == {"ok": True, "duplicate": False, "status": "unknown"}
    assert second.json()["duplicate"] is True
    assert WebhookEvent.objects.count() == 1


def test_events_without_an_id_are_told_apart_by_their_body(client, shop):
    post(client, shop, {"entity": "zl_order", "data": {"n": 1, "m": 2}})
    post(client, shop, b'{ "data": {"m": 2, "n": 1},\n "entity": "zl_order" }')  # the same event, written otherwise
    post(client, shop, {"entity": "zl_order", "data": {"n": 2}})
    assert WebhookEvent.objects.count() == 2


def test_unknown_kinds_are_kept_for_inspection(client, shop, admin_client):
    post(client, shop, {"id": "e1", "entity": "something_new", "data": {"a": 1}})
    event = WebhookEvent.objects.get()
    assert (event.kind, event.status, event.body["data"]) == ("something_new", "unknown", {"a": 1})
    page = admin_client.get(reverse("admin:shops_webhookevent_changelist"), {"status__exact": "unknown"})
    assert [e.pk for e in page.context["cl"].result_list] == [event.pk]


def test_the_kind_is_zalos_event_name_or_etelecoms_entity(client, shop):
    post(client, shop, {"event_name": "user_reacted_message", "app_id": "1", "timestamp": "1700000000000"})
    post(client, shop, {"id": "e2", "entity": "zl_order", "data": {}})
    post(client, shop, {"id": "e3", "type": "call_log", "data": {}})  # `type` names nothing
    kinds = dict(WebhookEvent.objects.values_list("dedupe_key", "kind"))
    assert sorted(kinds.values()) == ["unknown", "user_reacted_message", "zl_order"]
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"unknown"}


def test_a_broken_known_event_is_kept_as_failed_not_a_500(client, shop):
    response = post(client, shop, {"id": "c-2", "entity": "call_log", "data": "not an object"})
    assert response.status_code == 200 and response.json()["status"] == "failed"
    assert "data" in WebhookEvent.objects.get().error


@pytest.fixture
def shops_and_oas(db, sandbox):
    syncing.run_now("shop_import", services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    syncing.run_now("oa_sync", zalo_services.oa_sync_work, shop=shop)
    return shop, OfficialAccount.objects.filter(shop=shop).first()


def test_registering_points_etelecom_and_every_oa_at_the_shops_url(shops_and_oas, sandbox, settings):
    shop, _ = shops_and_oas
    url = services.shop_webhook_register(shop=shop)
    assert url == f"{settings.CONSOLE_URL}/webhooks/etelecom/{shop.webhook_secret}/"
    hooks = webhook_api.list_webhooks(Client(sandbox.partner_base_url, shop.credential))
    assert [(h.url, h.entities) for h in hooks] == [(url, ("call_log", "zl_oa_message"))]
    assert {o["webhook_url"] for o in sandbox.control.oas() if o["shop_id"] == shop.etelecom_id} == {url}
    assert set(OfficialAccount.objects.filter(shop=shop).values_list("webhook_url", flat=True)) == {masked_url(url)}
    services.shop_webhook_register(shop=shop)  # again: nothing doubles
    assert len(webhook_api.list_webhooks(Client(sandbox.partner_base_url, shop.credential))) == 1
    assert ApiCall.objects.filter(shop=shop, method="Webhook/CreateWebhook").count() == 1


def test_rotation_retires_the_old_url_everywhere(shops_and_oas, sandbox, client):
    shop, _ = shops_and_oas
    services.shop_webhook_register(shop=shop)
    old_secret = shop.webhook_secret
    new_url = services.shop_webhook_rotate(shop=shop)
    assert shop.webhook_secret != old_secret
    assert client.post(f"/webhooks/etelecom/{old_secret}/", b"{}", content_type="application/json").status_code == 404
    hooks = webhook_api.list_webhooks(Client(sandbox.partner_base_url, shop.credential))
    assert [h.url for h in hooks] == [new_url]


def test_the_admin_rotates_and_reports_failures_readably(admin_client, shops_and_oas, sandbox):
    shop, _ = shops_and_oas
    sandbox.control.faults(next=["5xx"] * 4, methods=["Webhook/GetWebhooks"])
    response = admin_client.post(
        reverse("admin:shops_shop_changelist"),
        {"action": "register_webhooks", "_selected_action": [shop.pk]},
        follow=True,
    )
    assert "Webhook/GetWebhooks 503" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_delivers_oa_events_to_the_console(live_server, sandbox, settings):
    """Over real HTTP both ways: a follow, in Zalo's shape, to the URL registering pointed the OA at."""
    settings.CONSOLE_URL = live_server.url
    syncing.run_now("shop_import", services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    syncing.run_now("oa_sync", zalo_services.oa_sync_work, shop=shop)
    services.shop_webhook_register(shop=shop)
    oa = OfficialAccount.objects.filter(shop=shop).first()
    sandbox.control.oa_event(oa.oa_id, "follow", zl_user_id="8800000000000000777")
    deadline = time.monotonic() + 10
    while not WebhookEvent.objects.filter(shop=shop).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    event = WebhookEvent.objects.get(shop=shop)
    assert (event.kind, event.status) == ("follow", "processed")
    assert oa.followers.get(zl_user_id="8800000000000000777").state == "follow"
    mine = [d for d in sandbox.control.deliveries() if d["url"].startswith(live_server.url)]
    assert [(d["kind"], d.get("status")) for d in mine] == [("follow", 200)]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"id": "n1", "amount": NaN}', "NaN is not a JSON number"),
        (b'{"id": "n2", "amount": -Infinity}', "Infinity is not a JSON number"),
        (b'{"id": "n3", "amount": 1e400}', "too large"),
        (b'{"id": "n4", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}", "nested deeper"),
        (b'{"id": "n5", "n": ' + b"9" * 5000 + b"}", "too many digits"),
        ('{"id": "n6", "name": "Nhà thuốc"}'.encode("utf-16"), "not UTF-8"),
        (b'{"id": "n7", "name": "\xed\xa0\x80"}', "not UTF-8"),
    ],
    ids=["nan", "infinity", "overflow", "deep", "digits", "utf-16", "encoded-surrogate"],
)
def test_hostile_json_is_400_with_a_reason(client, shop, body, reason):
    response = post(client, shop, body)
    assert response.status_code == 400 and reason in response.json()["error"]
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        rb'{"id": "s1", "name": "\ud800 An Khang"}',
        rb'{"id": "s2", "name": "An\u0000Khang", "k\u0000": ["\udfff", {"\ud800": "\u0000"}]}',
    ],
    ids=["surrogate", "nul"],
)
def test_lone_surrogates_and_nuls_are_stored_as_replacement_characters(client, shop, body):
    response = post(client, shop, body)
    assert response.status_code == 200
    stored = WebhookEvent.objects.get().body
    text = json.dumps(stored, ensure_ascii=False)
    assert "\x00" not in text and "\ud800" not in text and "\udfff" not in text
    assert "\ufffd" in stored["name"]


def test_registering_and_rotating_from_the_admin_are_in_the_shops_history(admin_client, shops_and_oas, sandbox):
    shop, _ = shops_and_oas
    changelist = reverse("admin:shops_shop_changelist")
    admin_client.post(changelist, {"action": "register_webhooks", "_selected_action": [shop.pk]})
    old_secret = Shop.objects.get(pk=shop.pk).webhook_secret
    admin_client.post(changelist, {"action": "rotate_webhook_secrets", "_selected_action": [shop.pk]})
    shop.refresh_from_db()
    assert shop.webhook_secret != old_secret
    assert history(shop) == [
        (CHANGE, "Registered the webhook with eTelecom.", "admin"),
        (CHANGE, "Rotated the webhook secret and registered the new address; the old one answers 404.", "admin"),
    ]
    assert_no_secret_in_history(old_secret, shop.webhook_secret, shop.credential)
    sandbox.control.faults(next=["5xx"] * 4, methods=["Webhook/GetWebhooks"])
    admin_client.post(changelist, {"action": "rotate_webhook_secrets", "_selected_action": [shop.pk]})
    assert len(history(shop)) == 2  # what failed is not recorded as done
