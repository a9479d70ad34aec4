import re
from base64 import b32decode

import pytest
from playwright.sync_api import expect

from tests.conftest import enrol

from .conftest import log_in as sign_in
from .conftest import totp_code

pytestmark = pytest.mark.browser

PASSWORD = "Trình-duyệt-2026"


def log_in(page, username):
    sign_in(page, username, PASSWORD)


def test_log_in_to_the_admin_and_switch_language(page, screenshot, django_user_model):
    enrol(django_user_model.objects.create_superuser("quanly", "quanly@example.vn", PASSWORD))
    page.goto("/admin/")
    expect(page).to_have_title("Đăng nhập | Bảng điều khiển eTelecom")
    log_in(page, "quanly")
    expect(page.locator("#header-inner h1")).to_have_text("Tổng quan cửa hàng")
    expect(page.locator("#site-name")).to_have_text("Bảng điều khiển eTelecom")
    screenshot("vi")

    page.select_option("#language-select", "en")
    expect(page.locator("#header-inner h1")).to_have_text("Shops at a glance")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot("en")

    page.select_option("#language-select", "vi")
    expect(page.locator("#header-inner h1")).to_have_text("Tổng quan cửa hàng")


def test_the_login_page_switches_language_before_logging_in(page, django_user_model):
    page.goto("/admin/login/")
    page.select_option("#language-select", "en")
    expect(page).to_have_title("Log in | eTelecom Console")
    expect(page.locator("#login-form [type=submit]")).to_contain_text("Log in")


def test_a_wrong_password_is_refused_with_a_message(page, django_user_model):
    django_user_model.objects.create_user("nhanvien", "nv@example.vn", "something-else-9", is_staff=True)
    log_in(page, "nhanvien")
    expect(page.locator(".errornote").first).to_be_visible()
    expect(page.locator("#id_username")).to_have_value("nhanvien")


def test_a_new_superuser_enrols_an_authenticator_and_keeps_recovery_codes(page, screenshot, django_user_model):
    django_user_model.objects.create_superuser("sep", "sep@example.vn", PASSWORD)
    log_in(page, "sep")
    expect(page.locator("#otp-secret")).to_be_visible()
    expect(page.locator(".otp-qr svg")).to_be_visible()
    screenshot("setup")
    secret = page.locator("#otp-secret").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8)).hex()
    page.fill("#id_code", totp_code(key))
    page.click("#otp-form [type=submit]")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    screenshot("codes")
    page.click("#content-main a.button")
    expect(page.locator("#header-inner h1")).to_have_text("Tổng quan cửa hàng")


def test_a_wrong_code_is_refused_with_a_message(page, django_user_model):
    enrol(django_user_model.objects.create_superuser("sep", "sep@example.vn", PASSWORD))
    page.goto("/admin/login/")
    page.fill("#id_username", "sep")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")
    page.fill("#id_code", "123")
    page.click("#otp-form [type=submit]")
    expect(page.locator(".errorlist")).to_be_visible()
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/otp/verify/"))
