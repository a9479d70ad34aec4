"""A Support user connects an OA through the (sandbox's) Zalo consent page, sees it with its quota, and renews it.

The sandbox answers AuthorizeOA, ConnectOA and RefreshToken exactly as the docs do."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from shops import services, syncing
from shops.models import Shop, ShopMembership
from shops.roles import SUPPORT
from zalo.models import OfficialAccount

pytestmark = pytest.mark.browser

PASSWORD = "Zalo-trình-duyệt-2026"
SHOP = "Nhà thuốc An Khang Quận 1"


def test_support_connects_an_oa_and_sees_its_quota(page, screenshot, django_user_model, console_on_sandbox):
    syncing.run_now("shop_import", services.import_partner_shops_work)
    user = django_user_model.objects.create_user("hotro", "hotro@example.vn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT))
    ShopMembership.objects.create(user=user, shop=Shop.objects.get(name=SHOP))

    page.goto("/admin/login/")
    page.fill("#id_username", "hotro")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")
    page.goto("/admin/zalo/officialaccount/")
    page.click("#connect-oa")
    page.select_option("#id_shop", label=SHOP)
    page.fill("#id_app_id", "4318000000000000001")
    page.fill("#id_app_secret", "bí-mật-ứng-dụng")
    expect(page.locator("#id_callback_url")).to_have_value(
        page.url.split("/admin/")[0] + "/admin/zalo/officialaccount/connect/callback/"
    )
    screenshot("form")
    page.click("#connect-oa-form [type=submit]")

    page.fill("#oa-name", "OA Chăm sóc Khách hàng")  # Zalo's page, served by the sandbox
    screenshot("zalo-consent")
    page.click("#allow")

    expect(page.locator(".messagelist .success")).to_contain_text("OA Chăm sóc Khách hàng")
    page.goto("/admin/zalo/officialaccount/")
    row = page.locator("#result_list tbody tr", has_text="OA Chăm sóc Khách hàng")
    expect(row).to_contain_text("500 / 500 (100%)")
    expect(row.locator(".badge-ok").first).to_be_visible()
    screenshot("oa-list")

    oa = OfficialAccount.objects.get(name="OA Chăm sóc Khách hàng")
    console_on_sandbox.control.update_oa(oa.oa_id, expires_in_days=2)
    OfficialAccount.objects.filter(pk=oa.pk).update(expires_at=timezone.now() + timedelta(days=2))  # as synced
    page.goto(f"/admin/zalo/officialaccount/{oa.pk}/change/")
    page.click("#renew-oa")
    expect(page.locator("#oa-name")).to_have_text("OA Chăm sóc Khách hàng")  # Zalo's page for this OA
    page.click("#allow")
    expect(page.locator(".messagelist .success")).to_contain_text("OA Chăm sóc Khách hàng")
    screenshot("renewed")
    oa.refresh_from_db()
    assert (oa.expires_at - timezone.now()).days >= 80 and oa.renewal_started_at is None
