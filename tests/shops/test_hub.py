"""A shop's page is its hub: OAs, templates, PBX, eTelecom's word on its webhook (with one click to register it
again), recent sync runs and recent eTelecom errors; never the webhook's secret address."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from pbx import directory as pbx_directory
from shops import services, syncing
from shops.models import ApiCall, Shop, SyncRun
from shops.roles import MANAGER, SUPPORT
from zalo import services as zalo_services
from zalo.models import OfficialAccount

SHOP = "Nhà thuốc An Khang Quận 1"


@pytest.fixture
def shop(db, sandbox, settings):
    settings.CONSOLE_URL = "https://console.example.vn"
    syncing.run_now("shop_import", services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    syncing.run_now("oa_sync", zalo_services.oa_sync_work, shop=shop)
    syncing.run_now("template_sync", zalo_services.templates_sync_work, shop=shop)
    syncing.run_now("pbx_sync", pbx_directory.directory_sync_work, shop=shop)
    return shop


@pytest.fixture(autouse=True)
def forgetful_cache():
    """eTelecom's kept answers of one test are not another's."""
    cache.clear()
    yield
    cache.clear()


def hub(page) -> dict:
    return {section.key: section for section in page.context["hub"]}


def test_a_shops_page_shows_what_hangs_from_it(client, make_user, shop):
    client.force_login(make_user("hotro-hub", SUPPORT, shops=[shop]))
    page = client.get(reverse("admin:shops_shop_change", args=[shop.pk]))
    sections = hub(page)
    assert list(sections) == ["oas", "templates", "pbx", "webhooks", "runs", "errors"]
    assert len(sections["oas"].rows) == min(OfficialAccount.objects.filter(shop=shop).count(), 8) > 0
    assert any("customer_name" in str(row[4]) for row in sections["templates"].rows)
    assert sections["pbx"].rows and sections["runs"].rows
    # Not registered yet: no call to eTelecom, and the section says events do not reach the console.
    assert sections["webhooks"].rows == [] and not ApiCall.objects.filter(method="Webhook/GetWebhooks").exists()
    assert "events do not reach the console" in page.content.decode()
    html = page.content.decode()
    assert html.count('id="hub-') == 6 and "Key ends in" in html  # the key's hint, not a second "credential"


def test_the_webhook_state_comes_from_etelecom_and_one_click_registers_it_again(client, make_user, shop):
    client.force_login(make_user("hotro-webhook", SUPPORT, shops=[shop]))
    services.shop_webhook_register(shop=shop)
    page = client.get(reverse("admin:shops_shop_change", args=[shop.pk]))
    state, address, _sent, _error = hub(page)["webhooks"].rows[0]
    assert "delivering" in str(state) and str(address) == "current address"
    shop.refresh_from_db()
    assert shop.webhook_secret not in page.content.decode()  # the address's path is the secret
    services.shop_webhook_rotate(shop=shop)
    Shop.objects.filter(pk=shop.pk).update(webhook_registered_at=None)
    response = client.post(reverse("admin:shops_shop_webhook_register", args=[shop.pk]), follow=True)
    assert response.status_code == 200 and Shop.objects.get(pk=shop.pk).webhook_registered_at is not None


def asked(shop) -> int:
    return ApiCall.objects.filter(shop=shop, method="Webhook/GetWebhooks").count()


def test_the_webhook_state_is_asked_once_then_kept_until_refreshed_or_registered(client, make_user, shop, sandbox):
    client.force_login(make_user("hotro-giu", SUPPORT, shops=[shop]))
    services.shop_webhook_register(shop=shop)
    page = reverse("admin:shops_shop_change", args=[shop.pk])
    sandbox.control.clear_requests()
    before = asked(shop)
    first = client.get(page)
    assert asked(shop) == before + 1 == sandbox.control.received(
        "Webhook/GetWebhooks"
    ) + before and "delivering" in str(hub(first)["webhooks"].rows[0][0])
    second = client.get(page)
    assert asked(shop) == before + 1 and sandbox.control.received("Webhook/GetWebhooks") == 1  # kept
    assert hub(second)["webhooks"].rows == hub(first)["webhooks"].rows
    refresh = reverse("admin:shops_shop_webhook_refresh", args=[shop.pk])
    assert refresh in second.content.decode()
    assert client.get(refresh).url == page + "#hub-webhooks"
    client.get(page)
    assert asked(shop) == before + 2  # "ask again" forgot the answer
    client.post(reverse("admin:shops_shop_webhook_register", args=[shop.pk]))
    registered = asked(shop)  # registering lists the webhooks itself
    client.get(page)
    assert asked(shop) == registered + 1  # and forgets the kept answer


def test_a_refusal_is_kept_too_until_asked_again(client, make_user, shop, sandbox):
    services.shop_webhook_register(shop=shop)
    client.force_login(make_user("hotro-tuchoi", SUPPORT, shops=[shop]))
    page = reverse("admin:shops_shop_change", args=[shop.pk])
    sandbox.control.clear_requests()
    sandbox.control.faults(next=["error200"], methods=["Webhook/GetWebhooks"])
    refused = hub(client.get(page))["webhooks"]
    assert refused.rows == [] and refused.empty and refused.refresh
    asked_once = sandbox.control.received("Webhook/GetWebhooks")
    assert asked_once >= 1
    assert hub(client.get(page))["webhooks"].rows == []
    assert sandbox.control.received("Webhook/GetWebhooks") == asked_once  # the sandbox was not asked again
    client.get(reverse("admin:shops_shop_webhook_refresh", args=[shop.pk]))
    assert hub(client.get(page))["webhooks"].rows  # asked again: eTelecom answers now


def test_only_the_shops_staff_ask_again_for_its_webhook(client, make_user, shop):
    other = Shop.objects.exclude(pk=shop.pk).first()
    client.force_login(make_user("quanly-giu", MANAGER, shops=[shop]))
    assert client.get(reverse("admin:shops_shop_webhook_refresh", args=[other.pk])).status_code == 403
    assert client.get(reverse("admin:shops_shop_webhook_refresh", args=["999999"])).status_code == 403
    assert client.get(reverse("admin:shops_shop_webhook_refresh", args=[shop.pk])).status_code == 302


def test_only_support_of_the_shop_registers_its_webhook_and_only_by_post(client, make_user, shop):
    other = Shop.objects.exclude(pk=shop.pk).first()
    client.force_login(make_user("hotro-khac", SUPPORT, shops=[shop]))
    assert client.post(reverse("admin:shops_shop_webhook_register", args=[other.pk])).status_code == 403
    assert client.get(reverse("admin:shops_shop_webhook_register", args=[shop.pk])).status_code == 403
    client.force_login(make_user("quanly-hub", MANAGER, shops=[shop]))  # Managers read; they do not change
    assert client.post(reverse("admin:shops_shop_webhook_register", args=[shop.pk])).status_code == 403
    page = client.get(reverse("admin:shops_shop_change", args=[shop.pk]))
    assert '/webhook/"' not in page.content.decode() and "Register the webhook again" not in page.content.decode()


def test_recent_etelecom_errors_are_listed_without_addresses(client, make_user, shop, sandbox):
    ApiCall.objects.create(
        shop=shop,
        method="Webhook/CreateWebhook",
        status=400,
        error_code="invalid_argument",
        error="eTelecom refused a value",
        duration_ms=5,
        created_at=shop.created_at,
    )
    client.force_login(make_user("hotro-loi", SUPPORT, shops=[shop]))
    page = client.get(reverse("admin:shops_shop_change", args=[shop.pk]))
    assert [row[1] for row in hub(page)["errors"].rows] == ["Webhook/CreateWebhook"]


def test_an_oas_page_shows_its_quota_chart_templates_and_recent_zns(client, make_user, shop):
    oa = OfficialAccount.objects.filter(shop=shop, templates__isnull=False).first()
    client.force_login(make_user("hotro-oa", SUPPORT, shops=[shop]))
    page = client.get(reverse("admin:zalo_officialaccount_change", args=[oa.pk]))
    sections = hub(page)
    assert list(sections) == ["quota", "templates", "messages"]
    chart = sections["quota"].chart
    assert len(chart["labels"]) == 30 and chart["series"][1]["values"][-1] == oa.remaining_quota
    assert "history starts" in sections["quota"].note  # the console has synced only today
    assert 'id="oa-quota" type="application/json"' in page.content.decode()
    assert len(sections["templates"].rows) == oa.templates.count()
    template = oa.templates.first()
    page = client.get(reverse("admin:zalo_znstemplate_change", args=[template.pk])).content.decode()
    assert 'class="json-table"' in page and "<td>customer_name</td>" in page and 'name="params"' not in page


def test_a_tenants_page_shows_its_hotlines_and_extensions(client, make_user, shop):
    from pbx.models import Extension, Hotline, Tenant

    client.force_login(make_user("hotro-pbx", SUPPORT, shops=[shop]))
    page = client.get(reverse("admin:pbx_tenant_change", args=[Tenant.objects.get(shop=shop).pk]))
    sections = hub(page)
    assert len(sections["hotlines"].rows) == Hotline.objects.filter(shop=shop).count() > 0
    assert len(sections["extensions"].rows) == Extension.objects.filter(shop=shop).count() > 0


def primary(page) -> list[str]:
    """The ids of the page's tool bar actions drawn in the theme's primary style (console/tool.html)."""
    items = page.content.decode().split('<li class="')[1:]
    return [re.search(r' id="([^"]+)"', item).group(1) for item in items if "bg-primary-600" in item.split(">")[0]]


def test_sync_now_is_the_primary_action_of_a_shop_a_tenant_and_an_oa(client, make_user, shop):
    from pbx.models import Tenant

    client.force_login(make_user("hotro-dongbo", SUPPORT, shops=[shop]))
    shop_page = reverse("admin:shops_shop_change", args=[shop.pk])
    assert primary(client.get(shop_page)) == ["sync-now"]
    SyncRun.objects.filter(shop=shop).delete()
    response = client.post(reverse("admin:shops_shop_sync", args=[shop.pk]))
    assert response.status_code == 302 and response.url == shop_page
    queued = set(SyncRun.objects.filter(shop=shop).values_list("kind", flat=True))
    assert {"oa_sync", "template_sync", "pbx_sync", "call_sync", "credential_check"} <= queued
    assert "shop_import" not in queued and "bulk_send" not in queued  # partner-wide, or run only when asked

    tenant = Tenant.objects.get(shop=shop)
    assert primary(client.get(reverse("admin:pbx_tenant_change", args=[tenant.pk]))) == ["sync-now"]
    SyncRun.objects.filter(shop=shop).delete()
    client.post(reverse("admin:pbx_tenant_sync", args=[tenant.pk]))
    assert set(SyncRun.objects.filter(shop=shop).values_list("kind", flat=True)) == {"pbx_sync", "call_sync"}

    oa = OfficialAccount.objects.filter(shop=shop).first()
    OfficialAccount.objects.filter(pk=oa.pk).update(expires_at=timezone.now() + timedelta(days=60))
    oa_page = reverse("admin:zalo_officialaccount_change", args=[oa.pk])
    assert primary(client.get(oa_page)) == ["sync-now"]
    SyncRun.objects.filter(shop=shop).delete()
    client.post(reverse("admin:zalo_officialaccount_sync", args=[oa.pk]))
    assert set(SyncRun.objects.filter(shop=shop).values_list("kind", flat=True)) == {
        "oa_sync",
        "template_sync",
        "message_sync",
    }
    # An authorization that ends soon makes renewing the one action that matters.
    OfficialAccount.objects.filter(pk=oa.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert primary(client.get(oa_page)) == ["renew-oa"]


def test_only_the_shops_support_syncs_it_and_only_by_post(client, make_user, shop):
    other = Shop.objects.exclude(pk=shop.pk).first()
    client.force_login(make_user("hotro-dongbo-khac", SUPPORT, shops=[shop]))
    assert client.post(reverse("admin:shops_shop_sync", args=[other.pk])).status_code == 403
    assert client.get(reverse("admin:shops_shop_sync", args=[shop.pk])).status_code == 405
    client.force_login(make_user("quanly-dongbo", MANAGER, shops=[shop]))  # Managers read; they do not sync
    assert client.post(reverse("admin:shops_shop_sync", args=[shop.pk])).status_code == 403
    page = client.get(reverse("admin:shops_shop_change", args=[shop.pk]))
    assert 'id="sync-now"' not in page.content.decode()
    Shop.objects.filter(pk=shop.pk).update(is_active=False)  # the console does not sync it: nothing to start
    client.force_login(make_user("hotro-ngung", SUPPORT, shops=[shop]))
    assert 'id="sync-now"' not in client.get(reverse("admin:shops_shop_change", args=[shop.pk])).content.decode()
