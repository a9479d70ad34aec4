"""A shop's page is its hub: OAs, templates, PBX, eTelecom's word on its webhook (with one click to register it
again), recent sync runs and recent eTelecom errors; never the webhook's secret address."""

import pytest
from django.urls import reverse

from pbx import directory as pbx_directory
from shops import services, syncing
from shops.models import ApiCall, Shop
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
