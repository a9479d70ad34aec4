"""A Support user connects a shop through eTelecom's (the sandbox's) login page, and never sees other shops.

The sandbox answers `Shop/AuthorizeShop` exactly as the docs' samples do, so these run the connection as eTelecom
documents it: `shop_request` and its login page, the redirect back with `token` and `shop_id`, then `shop_key`.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from shops.models import Shop, ShopMembership
from shops.roles import SUPPORT
from tests.conftest import enrol

from .conftest import log_in as sign_in

pytestmark = pytest.mark.browser

PASSWORD = "Hỗ-trợ-2026"


@pytest.fixture
def support_user(django_user_model, console_on_sandbox):
    user = django_user_model.objects.create_user("hotro", "hotro@example.vn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT))
    return user


def log_in(page, username):
    sign_in(page, username, PASSWORD)


def callbacks_of(page) -> list[dict]:
    """The query of every request the browser makes to the connect callback, as eTelecom sent it there."""
    seen = []
    page.on(
        "request",
        lambda request: (
            seen.append(parse_qs(urlsplit(request.url).query))
            if "/admin/shops/shop/connect/callback/" in request.url
            else None
        ),
    )
    return seen


def connect_through_etelecom(page, email: str, phone: str, name: str) -> None:
    page.goto("/admin/shops/shop/")
    page.click("#connect-shop")
    page.fill("#id_email", email)
    page.fill("#id_phone", phone)
    page.fill("#id_name", name)
    page.click("#connect-form [type=submit]")


def test_support_connects_a_shop_through_the_etelecom_login_page(page, screenshot, support_user, console_on_sandbox):
    log_in(page, "hotro")
    callbacks = callbacks_of(page)
    connect_through_etelecom(page, "moi@example.vn", "0909123456", "Cửa hàng Mới")

    expect(page.locator("#shop-name")).to_have_text("Cửa hàng Mới")  # eTelecom's page, served by the sandbox
    screenshot("etelecom-login")
    page.click("#approve")

    expect(page.locator(".messagelist .success")).to_contain_text("Cửa hàng Mới")
    screenshot("connected")
    shop = Shop.objects.get(name="Cửa hàng Mới")
    assert [sorted(query) for query in callbacks] == [["shop_id", "state", "token"]]
    assert callbacks[0]["token"][0].startswith("request:") and callbacks[0]["shop_id"] == [shop.etelecom_id]
    assert shop.memberships.filter(user=support_user).exists()
    page.goto("/admin/shops/shop/")
    row = page.locator("#result_list tbody tr", has_text="Cửa hàng Mới")
    expect(row.locator(".badge-ok")).to_have_text("Hợp lệ")
    screenshot("shop-list")
    assert Shop.objects.get(name="Cửa hàng Mới").credential_status == "valid"


def test_support_gets_no_shop_the_console_already_has(page, screenshot, support_user, console_on_sandbox):
    record = console_on_sandbox.shop("Spa Thảo Mộc")
    shop = Shop(name="Spa Thảo Mộc", etelecom_id=record["id"], connection="partner", credential_status="valid")
    shop.set_credential(record["shop_key"])
    shop.save()
    log_in(page, "hotro")
    connect_through_etelecom(page, record["email"], "0909000000", "Spa")

    expect(page.locator("#shop-name")).to_have_text("Spa Thảo Mộc")
    page.click("#approve")

    expect(page.locator(".messagelist .error")).to_contain_text("đã có trong bảng điều khiển")
    expect(page.locator("#content")).not_to_contain_text("Spa Thảo Mộc")
    screenshot("refused")
    assert not ShopMembership.objects.exists() and Shop.objects.get().credential == record["shop_key"]


def test_a_superuser_reconnects_a_shop_that_must_log_in_again(page, screenshot, django_user_model, console_on_sandbox):
    enrol(django_user_model.objects.create_superuser("quantri", "quantri@example.vn", PASSWORD))
    record = console_on_sandbox.shop("Spa Thảo Mộc")
    shop = Shop(name="Spa Thảo Mộc", etelecom_id=record["id"], connection="partner", credential_status="valid")
    shop.set_credential(record["shop_key"])
    shop.save()
    console_on_sandbox.control.shop_action(record["id"], "unlink")  # the old key stops working
    log_in(page, "quantri")
    page.goto(f"/admin/shops/shop/{shop.pk}/change/")
    page.click("#reconnect-shop")

    expect(page.locator("#shop-name")).to_have_text("Spa Thảo Mộc")
    page.click("#approve")

    expect(page.locator(".messagelist .success")).to_contain_text("Spa Thảo Mộc")
    screenshot("reconnected")
    shop.refresh_from_db()
    assert shop.credential == console_on_sandbox.shop("Spa Thảo Mộc")["shop_key"] != record["shop_key"]


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
