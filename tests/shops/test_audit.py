"""Changing who works on which shop is in the admin's History of the shop and of the user, whichever page did it."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.urls import reverse

from shops.models import ShopMembership
from tests.history import history

from .factories import make_shop

pytestmark = pytest.mark.django_db


def test_giving_and_taking_away_access_is_in_the_shops_and_the_users_history(admin_client, make_user):
    shop, staff = make_shop("Cửa hàng A"), make_user("lan")
    admin_client.post(reverse("admin:shops_shopmembership_add"), {"shop": shop.pk, "user": staff.pk})
    membership = ShopMembership.objects.get(shop=shop, user=staff)
    assert [flag for flag, _, _ in history(membership)] == [ADDITION]
    given = f"Gave lan access to {shop}."
    assert history(shop) == [(CHANGE, given, "admin")] and history(staff) == [(CHANGE, given, "admin")]

    changelist = reverse("admin:shops_shopmembership_changelist")
    admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"})
    assert not ShopMembership.objects.exists()
    taken = f"Took away the access of lan to {shop}."
    assert history(shop)[-1] == (CHANGE, taken, "admin") and history(staff)[-1] == (CHANGE, taken, "admin")
    assert [flag for flag, _, _ in history(membership)] == [ADDITION, DELETION]


def test_a_membership_added_on_the_shops_page_is_in_its_history(admin_client, make_user):
    shop, staff = make_shop("Cửa hàng A"), make_user("lan")
    data = {
        "name": shop.name,
        "is_active": "on",
        "notes": "",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-user": staff.pk,
        "memberships-0-shop": shop.pk,
    }
    answer = admin_client.post(reverse("admin:shops_shop_change", args=[shop.pk]), data)
    assert answer.status_code == 302, answer.context["errors"] if answer.context else answer
    assert ShopMembership.objects.filter(shop=shop, user=staff).exists()
    (flag, message, who), *_ = history(shop)
    assert (flag, who) == (CHANGE, "admin") and "shop member" in message.lower()
