"""Support opens a shop's hub, an OA's page with its quota chart, and the bulk upload form, whose columns follow
the chosen template; all under the Content-Security-Policy."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from pbx import directory as pbx_directory
from shops import services, syncing
from shops.models import Shop, ShopMembership
from shops.roles import SUPPORT
from zalo import services as zalo_services
from zalo.models import OfficialAccount

pytestmark = pytest.mark.browser

PASSWORD = "Trung-tâm-cửa-hàng-2026"
SHOP = "Nhà thuốc An Khang Quận 1"
SCALES = "Object.keys(Chart.getChart(document.querySelector('#hub-quota canvas')).scales)"


def test_support_reads_the_hubs_and_the_bulk_forms_columns(page, screenshot, django_user_model, console_on_sandbox):
    syncing.run_now("shop_import", services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    syncing.run_now("oa_sync", zalo_services.oa_sync_work, shop=shop)
    syncing.run_now("template_sync", zalo_services.templates_sync_work, shop=shop)
    syncing.run_now("pbx_sync", pbx_directory.directory_sync_work, shop=shop)
    oa = OfficialAccount.objects.get(shop=shop, name__endswith="Chăm sóc khách hàng")
    user = django_user_model.objects.create_user("hotro-hub", "hotro-hub@example.vn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT))
    ShopMembership.objects.create(user=user, shop=shop)
    page.goto("/admin/login/")
    page.fill("#id_username", "hotro-hub")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")
    expect(page.locator("#shop-dashboard")).to_contain_text(SHOP)

    page.goto(f"/admin/shops/shop/{shop.pk}/change/")
    for key in ("oas", "templates", "pbx", "webhooks", "runs", "errors"):
        expect(page.locator(f"#hub-{key}")).to_be_visible()
    expect(page.locator("#hub-oas")).to_contain_text(oa.name)
    expect(page.locator("#hub-webhooks button")).to_be_visible()  # one click to register it
    screenshot("shop-hub")
    runs = page.locator(f"a[href='/admin/shops/syncrun/?shop={shop.pk}']")
    expect(runs).to_have_count(1)  # the hub's recent runs
    page.click("#sync-now")  # the page's primary button
    expect(runs).to_have_count(2)  # and the message's link to the runs it queued

    page.goto(f"/admin/zalo/officialaccount/{oa.pk}/change/")
    expect(page.locator("#hub-quota canvas")).to_be_visible()
    assert {"x", "y"} <= set(page.evaluate(SCALES))
    screenshot("oa-hub")

    page.goto("/admin/zalo/bulkjob/add/?kind=zns")
    expect(page.locator("[data-columns-for]:visible")).to_have_count(0)
    template = oa.templates.get(template_id=410001)
    page.select_option("#bulk-upload-form select[name=template]", str(template.pk))
    columns = page.locator(f"[data-columns-for='{template.pk}']")
    expect(columns).to_be_visible()
    expect(columns).to_contain_text("customer_name")
    screenshot("bulk-columns")
