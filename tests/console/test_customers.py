"""The customer view: one page per phone number, found from the header's search in any spelling, that shows the
customer's calls, call permission requests, ZNS, SMS and Zalo conversation in the user's shops only, newest first."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from pbx.models import CallRecord
from shops.roles import SUPPORT
from sms.models import SmsMessage
from zalo.models import Consent, ConversationMessage, Follower, Message

from ..shops.factories import FACTORIES, make_oa, make_shop

PHONE = "0912345678"


@pytest.fixture(autouse=True)
def _in_english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    """Shop A (the user's) and shop B, each with a call, a request, a ZNS, an SMS and a conversation of PHONE."""
    rows = {}
    for name in ("Cửa hàng A", "Cửa hàng B"):
        shop = make_shop(name)
        call = FACTORIES[CallRecord](shop)
        CallRecord.objects.filter(pk=call.pk).update(
            customer_number=PHONE, started_at=timezone.now() - timedelta(hours=5)
        )
        FACTORIES[Consent](shop)
        FACTORIES[Message](shop)
        FACTORIES[SmsMessage](shop)
        oa = make_oa(shop)
        follower = Follower.objects.create(
            oa=oa, zl_user_id=f"99{shop.pk}", full_name=f"Khách của {name}", phone=PHONE, synced_at=timezone.now()
        )
        ConversationMessage.objects.create(
            oa=oa, zl_user_id=follower.zl_user_id, direction="in", kind="text", text=f"Tin nhắn ở {name}",
            sent_at=timezone.now() - timedelta(minutes=1),
        )  # fmt: skip
        rows[name] = (shop, follower)
    return rows


def customer(client, phone):
    return client.get(reverse("admin:customer"), {"phone": phone})


@pytest.mark.parametrize("spelling", ["0912345678", "84912345678", "+84 912 345 678", "0912.345.678"])
def test_every_spelling_finds_the_customer_in_the_users_shops_only(world, make_user, client, spelling):
    shop_a, follower_a = world["Cửa hàng A"]
    client.force_login(make_user("hotro", SUPPORT, shops=[shop_a]))
    body = customer(client, spelling).content.decode()
    assert "Tin nhắn ở Cửa hàng A" in body
    assert reverse("admin:zalo_follower_change", args=[follower_a.pk]) in body
    for kind in ("Call", "Call permission", "ZNS", "SMS", "Zalo conversation"):
        assert f"<td>{kind}</td>" in body, kind
    assert "Cửa hàng B" not in body


def test_the_newest_comes_first(world, admin_client):
    body = customer(admin_client, PHONE).content.decode()
    assert body.index("Tin nhắn ở") < body.index("<td>Call</td>")


@pytest.mark.parametrize(
    "phone", ["12345", "０９１２３４５６７８", "0912345678' OR 1=1 --", "<script>alert(1)</script>", "9" * 40]
)
def test_what_is_no_phone_number_is_a_form_error(world, admin_client, phone):
    response = customer(admin_client, phone)
    assert response.status_code == 200
    body = response.content.decode()
    assert "errornote" in body and "Tin nhắn ở" not in body and "<script>alert" not in body


def test_the_header_offers_the_search_on_every_page(admin_client):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert f'action="{reverse("admin:customer")}"' in body and 'name="phone"' in body


def test_an_empty_search_is_the_form(admin_client):
    response = admin_client.get(reverse("admin:customer"))
    assert response.status_code == 200 and "errornote" not in response.content.decode()
