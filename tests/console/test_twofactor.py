"""Two-factor sign-in: required for superusers (and everyone under REQUIRE_2FA), enrolment, recovery codes, and
guessing codes throttled by django-otp and locked out by django-axes, through the real login pages."""

import re
from binascii import unhexlify

import pytest
from axes.models import AccessAttempt
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from etelecom_console.twofactor import SETUP_SESSION_KEY
from tests.conftest import PASSWORD, enrol

LOGIN, INDEX = "/admin/login/", "/admin/"
VERIFY, SETUP, CODES = "/admin/otp/verify/", "/admin/otp/setup/", "/admin/otp/codes/"


def code_for(key: str) -> str:
    """What the authenticator app shows now."""
    return f"{TOTP(unhexlify(key)).token():06d}"


def password_login(client, username, *, follow=False):
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": INDEX}, follow=follow)


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser("sep", "sep@example.vn", PASSWORD)


def test_a_superuser_with_a_password_alone_is_sent_to_enrol(client, boss):
    response = password_login(client, "sep", follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)
    page = response.content.decode()
    assert "<svg" in page and 'id="otp-secret"' in page and "otpauth://totp/" in page
    # Nothing inline (the CSP allows no inline script); the theme loads its scripts from static files.
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    for path in (INDEX, "/admin/shops/shop/", CODES):
        assert client.get(path).status_code == 302, path
    assert not TOTPDevice.objects.exists()  # a visit writes nothing


def test_enrolment_confirms_the_first_code_and_shows_recovery_codes_once(client, boss):
    password_login(client, "sep")
    client.get(SETUP)
    key = client.session[SETUP_SESSION_KEY]
    wrong = client.post(SETUP, {"code": "000000" if code_for(key) != "000000" else "111111"})
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    response = client.post(SETUP, {"code": code_for(key)})
    assert response.status_code == 302 and response["Location"] == CODES
    device = TOTPDevice.objects.get(user=boss)
    assert device.confirmed and device.key == key
    shown = client.get(CODES).content.decode()
    codes = re.findall(r"<li><code>([0-9a-f]{10})</code></li>", shown)
    assert len(codes) == 10 and set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    assert not re.findall(r"<li><code>", client.get(CODES).content.decode())  # once
    assert client.get(INDEX).status_code == 200


def test_a_superuser_with_an_authenticator_enters_its_code(client, boss):
    device = enrol(boss)
    response = password_login(client, "sep", follow=True)
    assert response.redirect_chain[-1][0].startswith(VERIFY)
    assert client.get(INDEX).status_code == 302
    response = client.post(VERIFY, {"code": code_for(device.key), "next": "/admin/shops/shop/"})
    assert response.status_code == 302 and response["Location"] == "/admin/shops/shop/"
    assert client.get(INDEX).status_code == 200


def test_a_recovery_code_signs_in_once(client, boss):
    enrol(boss)
    verified = client
    password_login(verified, "sep")
    verified.post(VERIFY, {"code": code_for(TOTPDevice.objects.get(user=boss).key)})
    verified.post(CODES)  # new codes
    code = re.findall(r"<li><code>([0-9a-f]{10})</code></li>", verified.get(CODES).content.decode())[0]
    verified.logout()
    password_login(client, "sep")
    assert client.post(VERIFY, {"code": f" {code.upper()} "})["Location"] == INDEX
    client.logout()
    password_login(client, "sep")
    assert client.post(VERIFY, {"code": code}).status_code == 200  # used up
    assert client.get(INDEX).status_code == 302


def test_support_staff_need_no_second_step_unless_required(client, support, settings):
    password_login(client, "hotro")
    assert client.get(INDEX).status_code == 200
    settings.REQUIRE_2FA = True
    assert client.get(INDEX).status_code == 302
    assert client.get(LOGIN)["Location"].startswith(SETUP)


def test_support_staff_who_enrolled_use_their_code(client, support):
    enrol(support)
    password_login(client, "hotro")
    assert client.get(INDEX).status_code == 302
    assert client.get(LOGIN)["Location"].startswith(VERIFY)


def test_a_wrong_code_then_an_immediate_right_one_is_throttled(client, boss):
    device = enrol(boss)
    password_login(client, "sep")
    client.post(VERIFY, {"code": "not-a-code"})
    response = client.post(VERIFY, {"code": code_for(device.key)})
    assert response.status_code == 200 and client.get(INDEX).status_code == 302


def test_guessing_codes_locks_the_account_out_like_wrong_passwords(client, boss, settings):
    enrol(boss)
    password_login(client, "sep")
    statuses = [
        client.post(VERIFY, {"code": f"{guess:06d}"}).status_code for guess in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}
    assert AccessAttempt.objects.get(username="sep").failures_since_start == settings.AXES_FAILURE_LIMIT
    assert client.get(INDEX).status_code == 302  # signed out
    locked = password_login(client, "sep")
    assert locked.status_code == 429  # the password alone no longer opens the door either


def test_verification_pages_refuse_anonymous_visitors_and_foreign_next(client, boss):
    for path in (VERIFY, SETUP, CODES):
        assert client.get(path)["Location"] == "/admin/login/"
    assert client.post(CODES).status_code == 302 and not StaticToken.objects.exists()
    device = enrol(boss)
    password_login(client, "sep")
    response = client.post(VERIFY, {"code": code_for(device.key), "next": "https://evil.example/"})
    assert response["Location"] == INDEX


def test_cancel_signs_out(client, boss):
    enrol(boss)
    password_login(client, "sep")
    assert client.post(VERIFY, {"cancel": "1"})["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_moving_to_a_new_phone_replaces_the_authenticator(client, boss):
    old = enrol(boss)
    password_login(client, "sep")
    client.post(VERIFY, {"code": code_for(old.key)})
    client.get(SETUP)
    key = client.session[SETUP_SESSION_KEY]
    assert client.post(SETUP, {"code": code_for(key)})["Location"] == CODES
    assert list(TOTPDevice.objects.filter(user=boss).values_list("key", flat=True)) == [key]


def test_no_admin_page_opens_to_a_superuser_with_a_password_alone(client, boss):
    # Every routed admin URL, parameters filled with anything: refused before the page is looked at.
    from tests.security.test_access_walker import PARAMETER, routes

    client.force_login(boss)  # the password step done, the second not
    opened = []
    for route, name in routes():
        if not route.startswith("admin/") or name in {"login", "logout", "otp_verify", "otp_setup", "otp_codes"}:
            continue
        path = "/" + PARAMETER.sub("1", route).replace("^", "").replace("$", "")
        for method in (client.get, client.post):
            response = method(path)
            if response.status_code not in (301, 302) or "/admin/login/" not in response.get(
                "Location", "/admin/login/"
            ):
                opened.append((method.__name__, path, response.status_code))
    assert opened == []
