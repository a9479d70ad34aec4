"""A Support user connects a shop through eTelecom's (the sandbox's) login page, and never sees other shops."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from shops.models import Shop, ShopMembership
from shops.roles import SUPPORT

pytestmark = pytest.mark.browser

PASSWORD = "Hỗ-trợ-2026"


@pytest.fixture
def support_user(django_user_model, console_on_sandbox):
    user = django_user_model.objects.create_user("hotro", "hotro@example.vn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT))
    return user


def log_in(page, username):
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")


def test_support_connects_a_shop_through_the_etelecom_login_page(page, screenshot, support_user, console_on_sandbox):
    log_in(page, "hotro")
    page.goto("/admin/shops/shop/")
    page.click("#connect-shop")
    page.fill("#id_email", "moi@example.vn")
    page.fill("#id_phone", "0909123456")
    page.fill("#id_name", "Cửa hàng Mới")
    page.click("#connect-form [type=submit]")

    expect(page.locator("#shop-name")).to_have_text("Cửa hàng Mới")  # eTelecom's page, served by the sandbox
    screenshot("etelecom-login")
    page.click("#approve")

    expect(page.locator(".messagelist .success")).to_contain_text("Cửa hàng Mới")
    screenshot("connected")
    page.goto("/admin/shops/shop/")
    row = page.locator("#result_list tbody tr", has_text="Cửa hàng Mới")
    expect(row.locator(".badge-ok")).to_have_text("Hợp lệ")
    screenshot("shop-list")
    assert Shop.objects.get(name="Cửa hàng Mới").credential_status == "valid"


def test_support_of_shop_a_finds_shop_b_nowhere(page, screenshot, support_user):
    shop_a = Shop.objects.create(name="Cửa hàng A", etelecom_id="901", connection="partner", credential_status="valid")
    shop_b = Shop.objects.create(name="Cửa hàng B", etelecom_id="902", connection="partner", credential_status="valid")
    ShopMembership.objects.create(user=support_user, shop=shop_a)
    log_in(page, "hotro")

    page.goto("/admin/shops/shop/")
    expect(page.locator("#result_list")).to_contain_text("Cửa hàng A")
    expect(page.locator("#content")).not_to_contain_text("Cửa hàng B")
    screenshot("list")

    page.goto("/admin/shops/shop/?q=Cửa+hàng+B")
    expect(page.locator("#content")).not_to_contain_text("Cửa hàng B")

    page.goto(f"/admin/shops/shop/{shop_b.pk}/change/")
    expect(page).to_have_url(page.url.split("/admin/")[0] + "/admin/")
    expect(page.locator(".messagelist")).to_be_visible()

    for url in ("/admin/shops/apicall/", "/admin/shops/syncrun/", "/admin/shops/shopmembership/"):
        page.goto(url)
        expect(page.locator("#content")).not_to_contain_text("Cửa hàng B")
