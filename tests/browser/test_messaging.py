"""A Support user answers a customer whose message reached the console by webhook, then sends an SMS with ZNS first
that falls back to SMS, and follows it to delivery: the whole of issue 19's console half in a real browser."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from shops import services, syncing
from shops.models import Shop, ShopMembership
from shops.roles import SUPPORT
from sms import services as sms_services
from sms.models import SmsMessage, SmsTemplate
from zalo import services as zalo_services
from zalo.models import ConversationMessage, Follower, OfficialAccount

pytestmark = pytest.mark.browser

PASSWORD = "Tin-nhắn-trình-duyệt-2026"
SHOP = "Nhà thuốc An Khang Quận 1"
CUSTOMER = "8800000000000000555"


def test_support_replies_to_a_webhook_message_and_sends_an_sms_that_falls_back(
    page, screenshot, django_user_model, console_on_sandbox, live_server, settings
):
    sandbox = console_on_sandbox
    settings.CONSOLE_URL = live_server.url
    syncing.run_now("shop_import", services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    syncing.run_now("oa_sync", zalo_services.oa_sync_work, shop=shop)
    services.shop_webhook_register(shop=shop)  # points every OA at the console's webhook URL
    oa = OfficialAccount.objects.get(shop=shop, name__endswith="Chăm sóc khách hàng")
    user = django_user_model.objects.create_user("hotro", "hotro@example.vn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT))
    ShopMembership.objects.create(user=user, shop=shop)
    gateway = sandbox.control.sms_account(shop.etelecom_id)
    SmsTemplate.objects.create(
        shop=shop,
        code="DONHANG",
        name="Giao hàng",
        params=["customer_name", "order_code"],
        content="Don hang {order_code} cua {customer_name} da duoc giao. Cam on quy khach!",
        price=750,
    )

    sandbox.control.oa_event(oa.oa_id, "user_send_text", zl_user_id=CUSTOMER, text="Đơn của mình tới đâu rồi shop?")
    for _ in range(40):
        if Follower.objects.filter(oa=oa, zl_user_id=CUSTOMER).exists():
            break
        page.wait_for_timeout(250)
    follower = Follower.objects.get(oa=oa, zl_user_id=CUSTOMER)

    page.goto("/admin/login/")
    page.fill("#id_username", "hotro")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")

    page.goto("/admin/zalo/follower/?conversation=unread")
    expect(page.locator("#result_list")).to_contain_text(CUSTOMER)
    screenshot("conversations")
    page.click(f"#result_list a[href^='/admin/zalo/follower/{follower.pk}/change/']")
    expect(page.locator("#conversation-messages")).to_contain_text("Đơn của mình tới đâu rồi shop?")
    expect(page.locator("#conversation-window .badge-ok")).to_be_visible()
    page.select_option("#id_kind", "text")
    page.fill("#id_text", "Dạ đơn DH-2001 đang giao, chiều nay tới ạ.")
    screenshot("reply")
    page.click("#reply-form [type=submit]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("#conversation-messages")).to_contain_text("Dạ đơn DH-2001 đang giao, chiều nay tới ạ.")
    sent = ConversationMessage.objects.get(direction="out", zl_user_id=CUSTOMER)
    assert sent.quota_type == "reply" and sent.sent_by == user
    assert [m["message"]["text"] for m in sandbox.control.oa_messages(oa.oa_id) if m.get("zl_user_id") == CUSTOMER]

    page.goto("/admin/sms/smsaccount/add/")
    page.select_option("#id_shop", label=SHOP)
    page.fill("#id_username", gateway["username"])
    page.fill("#id_password", gateway["password"])
    page.click("#sms-account-form [type=submit]")
    expect(page.locator(".messagelist .success")).to_contain_text(SHOP)

    page.goto("/admin/sms/smsmessage/add/")
    page.select_option("#id_template", label=f"{shop} – Giao hàng (DONHANG)")
    page.click("#sms-pick-form [type=submit]")
    page.fill("#id_phone", "0912 345 677")  # no Zalo account: the ZNS fails and the SMS goes
    page.select_option("#id_route", "1,3")
    page.fill("#id_param_customer_name", "Nguyen Van An")
    page.fill("#id_param_order_code", "DH-2001")
    page.click("#sms-send-form [name=preview]")
    expect(page.locator("#sms-preview")).to_contain_text("Don hang DH-2001 cua Nguyen Van An da duoc giao.")
    page.click("#sms-send-form [name=send]")
    expect(page.locator(".messagelist .success")).to_contain_text("0912345677")
    message = SmsMessage.objects.get()
    sandbox.control.settle_sms(message.omni_id)
    syncing.run_now("sms_status", sms_services.status_poll_work, shop=shop)
    page.goto("/admin/sms/smsmessage/")
    expect(page.locator("#result_list")).to_contain_text("0912345677")
    message.refresh_from_db()
    assert (message.status, message.channel, message.fell_back) == ("SUCCESS", "SMS", True)
    screenshot("sms-fell-back")

    page.fill("#customer-search-phone", "+84 912 345 677")
    page.press("#customer-search-phone", "Enter")
    expect(page.locator("#customer-timeline")).to_contain_text("DONHANG")
    screenshot("customer")
