import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from shops.models import ShopMembership
from shops.roles import MANAGER, SUPPORT

PASSWORD = "Mật-khẩu-thử-2026"


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


@pytest.fixture(autouse=True)
def _etelecom_is_the_sandbox(console_on_sandbox):
    """Every shops test talks to the test sandbox, reset to the demo data."""


@pytest.fixture(autouse=True)
def _in_english(settings):
    """Assertions read the English messages; the catalogue tests prove each has its Vietnamese translation."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
