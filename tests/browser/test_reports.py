"""A Manager opens the calls report for a range, sees the chart drawn and downloads a table as CSV."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from pbx import services as pbx_services
from shops import services, syncing
from shops.models import Shop, ShopMembership
from shops.roles import MANAGER

pytestmark = pytest.mark.browser

PASSWORD = "Báo-cáo-trình-duyệt-2026"
SHOP = "Nhà thuốc An Khang Quận 1"


def test_a_manager_reads_the_calls_report(page, screenshot, django_user_model, console_on_sandbox):
    syncing.run_now("shop_import", services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    syncing.run_now("pbx_sync", pbx_services.directory_sync_work, shop=shop)
    syncing.run_now("call_sync", pbx_services.call_history_sync_work, shop=shop)
    user = django_user_model.objects.create_user("quanly", "quanly@example.vn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=MANAGER))
    ShopMembership.objects.create(user=user, shop=shop)

    page.goto("/admin/login/")
    page.fill("#id_username", "quanly")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")
    screenshot("dashboard")
    page.click("#report-links a")
    page.fill("#id_start", "2026-10-01")
    page.click("#report-form [type=submit]")
    expect(page.locator("#report-chart rect.bar-answered").first).to_be_attached()
    expect(page.locator("#report-extensions tbody tr")).to_have_count(4)
    screenshot("calls-report")
    with page.expect_download() as download:
        page.click("#report-days .report-csv")
    assert download.value.suggested_filename.startswith("calls-days-")
