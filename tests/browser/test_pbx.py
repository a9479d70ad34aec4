"""A Support user creates an extension, assigns it a user, and finds a synced call by the customer's number."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from pbx import calls as pbx_calls
from pbx import directory as pbx_directory
from pbx.models import CallRecord, PbxUser
from shops import services, syncing
from shops.models import Shop, ShopMembership
from shops.roles import SUPPORT

pytestmark = pytest.mark.browser

PASSWORD = "Tổng-đài-trình-duyệt-2026"
SHOP = "Nhà thuốc An Khang Quận 1"


def test_support_creates_an_extension_assigns_a_user_and_finds_a_call(
    page, screenshot, django_user_model, console_on_sandbox
):
    syncing.run_now("shop_import", services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    syncing.run_now("pbx_sync", pbx_directory.directory_sync_work, shop=shop)
    syncing.run_now("call_sync", pbx_calls.call_history_sync_work, shop=shop)
    user = django_user_model.objects.create_user("hotro", "hotro@example.vn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT))
    ShopMembership.objects.create(user=user, shop=shop)
    staff = PbxUser.objects.filter(shop=shop).order_by("full_name").first()
    call = CallRecord.objects.filter(shop=shop, direction="in").order_by("-started_at").first()

    page.goto("/admin/login/")
    page.fill("#id_username", "hotro")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")

    page.goto("/admin/pbx/extension/")
    page.click("a.addlink")
    page.select_option("#id_hotline", index=1)
    page.fill("#id_extension_number", "305")
    screenshot("create-extension")
    page.click("#extension-create-form [type=submit]")
    expect(page.locator(".messagelist .success")).to_contain_text("305")

    page.click("#assign-user")
    page.select_option("#id_user", label=str(staff))
    page.click("#extension-assign-form [type=submit]")
    expect(page.locator(".messagelist .success")).to_contain_text(staff.full_name)
    expect(page.locator("#remove-user")).to_be_visible()
    screenshot("extension-assigned")

    page.goto("/admin/pbx/callrecord/")
    page.fill("#searchbar", call.customer_number)
    page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_contain_text(call.customer_number)
    expect(rows.first.locator("a[title]")).to_have_attribute("href", call.recording_urls[0])
    screenshot("call-found")
