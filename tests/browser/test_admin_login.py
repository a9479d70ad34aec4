import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "Trình-duyệt-2026"


def log_in(page, username):
    page.goto("/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")


def test_log_in_to_the_admin_and_switch_language(page, screenshot, django_user_model):
    django_user_model.objects.create_superuser("quanly", "quanly@example.vn", PASSWORD)
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
