import pytest
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.utils import timezone

from etelecom_console.admin import ConsoleAdminSite


def test_the_console_site_is_the_admin_site():
    assert isinstance(admin.site, ConsoleAdminSite)


def test_times_are_stored_in_utc_and_shown_in_vietnam():
    assert settings.USE_TZ and settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert timezone.get_current_timezone_name() == "Asia/Ho_Chi_Minh"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"] and settings.LANGUAGE_CODE == "vi"


@pytest.mark.django_db
def test_the_login_page_is_vietnamese_by_default(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Bảng điều khiển eTelecom" in response.content.decode()
    assert 'id="language-switcher"' in response.content.decode()


@pytest.mark.django_db
def test_the_language_switcher_changes_the_language(admin_client):
    response = admin_client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "Shops at a glance" in page and "eTelecom Console" in page
    response = admin_client.post("/i18n/setlang/", {"language": "vi", "next": "/admin/"}, follow=True)
    assert "Tổng quan cửa hàng" in response.content.decode()


@pytest.mark.django_db
def test_the_root_url_leads_to_the_admin(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/admin/login/")


@pytest.mark.django_db
def test_an_unknown_page_is_a_plain_404_not_a_traceback(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404 and b"Traceback" not in response.content


@pytest.mark.django_db
def test_load_demo_with_a_wrong_key_fails_clearly_without_the_key(console_on_sandbox, settings):
    from django.core.management.base import CommandError

    settings.ETELECOM_PARTNER_API_KEY = "partner1000:wrong-and-secret"
    with pytest.raises(CommandError) as caught:
        call_command("load_demo")
    assert "unauthenticated" in str(caught.value) and "wrong-and-secret" not in str(caught.value)


def test_init_env_writes_secrets_once(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    call_command("init_env")
    first = (tmp_path / ".env").read_text()
    assert "SECRET_KEY=" in first and "FIELD_ENCRYPTION_KEYS=" in first and "DEMO_ADMIN_PASSWORD=" in first
    assert oct((tmp_path / ".env").stat().st_mode)[-3:] == "600"
    call_command("init_env")
    assert (tmp_path / ".env").read_text() == first


def test_init_env_prints_a_valid_fernet_key(capsys):
    import base64

    call_command("init_env", "--print-key")
    key = capsys.readouterr().out.strip()
    assert len(base64.urlsafe_b64decode(key)) == 32


def test_the_deploy_check_refuses_the_development_encryption_key(settings):
    from etelecom_console.checks import check_field_encryption_keys

    settings.FIELD_ENCRYPTION_KEYS_FROM_ENV = False
    assert [error.id for error in check_field_encryption_keys(None)] == ["console.E001"]
    settings.FIELD_ENCRYPTION_KEYS_FROM_ENV = True
    assert check_field_encryption_keys(None) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)", "/admin/shops/shop/"]
)
def test_a_login_goes_to_next_only_on_this_site_and_else_to_the_dashboard(client, django_user_model, next_url):
    django_user_model.objects.create_user("nhanvien", password="Mật-khẩu-2026", is_staff=True)
    response = client.post("/admin/login/", {"username": "nhanvien", "password": "Mật-khẩu-2026", "next": next_url})
    assert response.status_code == 302
    assert response.url == (next_url if next_url.startswith("/admin/") else "/admin/")
