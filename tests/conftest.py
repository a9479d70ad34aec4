import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from etelecom.sandbox import DEMO_PARTNER_KEY, Sandbox
from etelecom.sandbox.control import SandboxControl
from shops.models import ShopMembership
from shops.roles import MANAGER, SUPPORT


def pytest_configure(config):
    # Password hashing strength is Django's business; tests that log in many times need it fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests serve static files from the apps without `collectstatic`; CI's production step runs `collectstatic`
    # with the manifest storage and `check --deploy`.
    settings.STATIC_ROOT = None
    settings.WHITENOISE_USE_FINDERS = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def sandbox_server():
    """One sandbox for the whole run, on a free loopback port, spoken to over real HTTP."""
    with Sandbox(port=0) as server:
        yield server


class SandboxHandle:
    def __init__(self, server: Sandbox):
        self.url = server.url
        self.shop_base_url = server.shop_base_url
        self.partner_base_url = server.partner_base_url
        self.sms_base_url = server.sms_base_url
        self.partner_key = DEMO_PARTNER_KEY
        self.control = SandboxControl(server.url)

    def shop(self, name: str) -> dict:
        """A demo shop's sandbox record (id and keys) by name."""
        return next(shop for shop in self.control.shops() if shop["name"] == name)


@pytest.fixture
def sandbox(sandbox_server):
    """The sandbox reset to the demo data set with no faults, and Django pointed at it."""
    handle = SandboxHandle(sandbox_server)
    handle.control.reset("demo")
    yield handle


@pytest.fixture
def console_on_sandbox(sandbox, settings):
    settings.ETELECOM_SHOP_BASE_URL = sandbox.shop_base_url
    settings.ETELECOM_PARTNER_BASE_URL = sandbox.partner_base_url
    settings.ETELECOM_PARTNER_API_KEY = sandbox.partner_key
    settings.ETELECOM_SMS_BASE_URL = sandbox.sms_base_url
    return sandbox


PASSWORD = "Mật-khẩu-thử-2026"


def enrol(user):
    """A confirmed authenticator for `user`, as the enrolment page leaves it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def verified_login(client, user):
    """`client.force_login(user)` plus the second sign-in step done, as django_otp.login records it; superusers (and
    everyone under REQUIRE_2FA) reach no admin page without it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, signed in through the second step."""
    return verified_login(client, admin_user)


@pytest.fixture
def make_user(db, django_user_model):
    def make(username, role=None, shops=()):
        user = django_user_model.objects.create_user(username, f"{username}@example.vn", PASSWORD, is_staff=True)
        if role:
            user.groups.add(Group.objects.get(name=role))
        for shop in shops:
            ShopMembership.objects.create(user=user, shop=shop)
        return user

    return make


@pytest.fixture
def support(make_user):
    return make_user("hotro", SUPPORT)


@pytest.fixture
def manager(make_user):
    return make_user("quanly", MANAGER)
