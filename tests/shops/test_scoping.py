"""Every registered admin of a shop-owned model keeps a Support user of shop A away from shop B's rows, and a
Manager from changing anything. New shop-owned models are picked up from the admin registry."""

import pytest
from django.contrib import admin
from django.db.models import ForeignKey
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse

from shops.roles import MANAGER, SUPPORT

from .factories import FACTORIES, make_shop

SHOP_OWNED = [model_admin for model, model_admin in admin.site._registry.items() if hasattr(model, "shop_lookup")]


def ids(model_admin):
    return f"{model_admin.model._meta.label}"


def url(model_admin, view, *args):
    opts = model_admin.model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.fixture
def two_shops(db):
    return make_shop("Cửa hàng A"), make_shop("Cửa hàng B")


def test_every_shop_owned_admin_has_a_factory():
    assert SHOP_OWNED, "no shop-owned admin registered"
    missing = [ids(ma) for ma in SHOP_OWNED if ma.model not in FACTORIES]
    assert missing == [], "add a factory in tests/shops/factories.py"


@pytest.mark.parametrize("model_admin", SHOP_OWNED, ids=ids)
def test_support_of_shop_a_never_reaches_shop_b(model_admin, two_shops, make_user, client):
    shop_a, shop_b = two_shops
    row_a, row_b = FACTORIES[model_admin.model](shop_a), FACTORIES[model_admin.model](shop_b)
    user = make_user("support-a", SUPPORT, shops=[shop_a])
    client.force_login(user)
    request = RequestFactory().get("/")
    request.user = user

    if model_admin.has_view_permission(request):
        response = client.get(url(model_admin, "changelist"))
        assert response.status_code == 200
        listed = {obj.pk for obj in response.context["cl"].result_list}
        assert row_a.pk in listed and row_b.pk not in listed
        assert "Cửa hàng B" not in response.content.decode()

    for view in ("change", "delete", "history"):
        response = client.get(url(model_admin, view, row_b.pk))
        assert response.status_code in (302, 403), view
        if response.status_code == 302:
            assert response.url == reverse("admin:index")

    before, runs_before = model_to_dict(type(row_b).objects.get(pk=row_b.pk)), shop_b.sync_runs.count()
    for action in model_admin.get_actions(request):
        client.post(url(model_admin, "changelist"), {"action": action, "_selected_action": [row_b.pk]})
    assert model_to_dict(type(row_b).objects.get(pk=row_b.pk)) == before
    assert shop_b.sync_runs.count() == runs_before

    for field in model_admin.model._meta.get_fields():
        if isinstance(field, ForeignKey) and hasattr(field.related_model, "shop_lookup"):
            opts = model_admin.model._meta
            query = {"app_label": opts.app_label, "model_name": opts.model_name, "field_name": field.name, "term": ""}
            response = client.get(reverse("admin:autocomplete"), query)
            if response.status_code == 200:
                names = [result["text"] for result in response.json()["results"]]
                assert "Cửa hàng B" not in names
            form = model_admin.get_form(request, row_a)
            if field.name in form.base_fields:
                assert row_b not in form.base_fields[field.name].queryset


@pytest.mark.parametrize("model_admin", SHOP_OWNED, ids=ids)
def test_a_manager_reads_but_never_changes(model_admin, two_shops, make_user, client):
    shop_a, _ = two_shops
    row = FACTORIES[model_admin.model](shop_a)
    user = make_user("manager-a", MANAGER, shops=[shop_a])
    client.force_login(user)
    request = RequestFactory().get("/")
    request.user = user
    assert model_admin.has_view_permission(request, row)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)
    assert client.get(url(model_admin, "changelist")).status_code == 200
    assert client.get(url(model_admin, "change", row.pk)).status_code == 200
    assert client.post(url(model_admin, "change", row.pk), {}).status_code == 403
    assert client.post(url(model_admin, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


def test_the_shop_filter_lists_only_the_users_shops(two_shops, make_user, client):
    shop_a, _ = two_shops
    client.force_login(make_user("support-a", SUPPORT, shops=[shop_a]))
    page = client.get(reverse("admin:shops_apicall_changelist")).content.decode()
    assert "Cửa hàng A" in page and "Cửa hàng B" not in page


def test_a_support_user_may_not_assign_shops(two_shops, make_user, client):
    shop_a, _ = two_shops
    client.force_login(make_user("support-a", SUPPORT, shops=[shop_a]))
    assert client.get(reverse("admin:shops_shopmembership_add")).status_code == 403


def test_a_superuser_sees_every_shop(two_shops, admin_client):
    listed = admin_client.get(reverse("admin:shops_shop_changelist")).context["cl"].result_list
    assert {shop.name for shop in listed} == {"Cửa hàng A", "Cửa hàng B"}
