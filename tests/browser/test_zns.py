"""A Support user requests a call permission and sends a ZNS from the forms, and sees both rows change when the
sandbox's webhooks (the customer's reply, the phone's receipt) reach the console."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from shops import services, syncing
from shops.models import Shop, ShopMembership
from shops.roles import SUPPORT
from zalo import services as zalo_services
from zalo.models import OfficialAccount

pytestmark = pytest.mark.browser

PASSWORD = "ZNS-trình-duyệt-2026"
SHOP = "Nhà thuốc An Khang Quận 1"


def test_support_requests_a_consent_and_sends_a_zns_and_sees_the_webhooks(
    page, screenshot, django_user_model, console_on_sandbox, live_server, settings
):
    settings.CONSOLE_URL = live_server.url
    console_on_sandbox.control.zns(consent_reply_seconds=1, delivery_seconds=1)
    syncing.run_now("shop_import", services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    syncing.run_now("oa_sync", zalo_services.oa_sync_work, shop=shop)
    syncing.run_now("template_sync", zalo_services.templates_sync_work, shop=shop)
    services.shop_webhook_register(shop=shop)  # points every OA at the console's webhook URL
    oa = OfficialAccount.objects.get(shop=shop, name__endswith="Chăm sóc khách hàng")
    user = django_user_model.objects.create_user("hotro", "hotro@example.vn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT))
    ShopMembership.objects.create(user=user, shop=shop)

    page.goto("/admin/login/")
    page.fill("#id_username", "hotro")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")
    expect(page.locator("#shop-dashboard")).to_contain_text(SHOP)
    screenshot("dashboard")

    page.goto("/admin/zalo/consent/add/")
    page.select_option("#id_oa", label=f"{shop} – {oa}")
    page.fill("#id_phone", "+84 912 345 671")
    page.select_option("#id_reason_code", "delivery_notification")
    screenshot("consent-form")
    page.click("#consent-request-form [type=submit]")
    expect(page.locator(".messagelist .success")).to_contain_text("0912345671")
    expect(page.locator(".field-reply_status")).to_contain_text("Chờ trả lời")
    for _ in range(40):
        page.reload()
        if "Đồng ý" in page.locator(".field-reply_status").inner_text():
            break
        page.wait_for_timeout(250)
    expect(page.locator(".field-reply_status")).to_contain_text("Đồng ý")
    screenshot("consent-accepted")

    page.goto("/admin/zalo/message/add/")
    template = oa.templates.get(template_id=410001)
    expect(page.locator(f"#id_template optgroup[label^='{shop} · {oa.name}']")).to_have_count(1)  # grouped by OA
    page.select_option("#id_template", str(template.pk))
    page.click("#zns-pick-form [type=submit]")
    expect(page.locator("#zns-cost")).to_contain_text(f"{template.price}\u00a0₫")  # the cost before sending
    page.fill("#id_phone", "0912000001")
    page.fill("#id_param_customer_name", "Nguyễn Văn An")
    page.fill("#id_param_order_code", "DH-1001")
    # As it is typed: the count against the limit, and the message as the customer will read it.
    expect(page.locator("[data-count-for=id_param_order_code]")).to_have_text("7 / 20")
    expect(page.locator("[data-preview-for=customer_name]")).to_have_text("Nguyễn Văn An")
    page.fill("#id_param_order_code", "X" * 21)  # the field stops at the template's limit
    expect(page.locator("[data-count-for=id_param_order_code]")).to_have_text("20 / 20")
    page.fill("#id_param_order_code", "DH-1001")
    page.click("#zns-send-form [name=preview]")
    expect(page.locator("#zns-preview")).to_contain_text("DH-1001")
    screenshot("zns-preview")
    page.click("#zns-send-form [name=send]")
    expect(page.locator(".messagelist .success")).to_contain_text("0912000001")
    for _ in range(40):
        page.reload()
        if "Đã nhận" in page.locator(".field-delivery_status").inner_text():
            break
        page.wait_for_timeout(250)
    expect(page.locator(".field-delivery_status")).to_contain_text("Đã nhận")
    screenshot("zns-delivered")
