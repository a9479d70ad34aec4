"""A record nobody edits in the console (it mirrors eTelecom or logs what happened) has no Save on its page, and a
save posted to it anyway is refused without touching the row or the history; a page with something to edit keeps
its Save."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from pbx.models import Extension
from shops.models import Shop
from tests.shops.factories import FACTORIES, make_shop
from zalo.models import Consent, Message, ZnsTemplate

SAVES = ('name="_save"', 'name="_continue"', 'name="_addanother"')


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Message, Consent, ZnsTemplate, Extension], ids=lambda m: m.__name__)
def test_a_mirrored_record_has_no_save_and_refuses_a_posted_one(admin_client, model):
    obj = FACTORIES[model](make_shop("Cửa hàng chỉ xem"))
    page = admin_client.get(change_url(obj)).content.decode()
    assert not any(save in page for save in SAVES)
    before = model.objects.filter(pk=obj.pk).values().get()
    response = admin_client.post(change_url(obj), {"_save": "1", "phone": "0999999999"})
    assert response.status_code == 403
    assert model.objects.filter(pk=obj.pk).values().get() == before
    assert not LogEntry.objects.exists()


@pytest.mark.django_db
def test_every_registered_page_with_nothing_to_edit_shows_no_save(admin_client, rf, admin_user):
    """Walks the registry: a change page shows Save exactly when its form has a field to change."""
    shop = make_shop("Cửa hàng đi dạo")
    for model, model_admin in admin.site._registry.items():
        if model not in FACTORIES:
            continue
        obj = FACTORIES[model](shop)
        request = rf.get("/")
        request.user = admin_user
        page = admin_client.get(change_url(obj)).content.decode()
        has_save = 'name="_save"' in page
        assert has_save == (not model_admin.nothing_to_edit(request, obj)), model.__name__


@pytest.mark.django_db
def test_a_shop_keeps_its_save(admin_client):
    shop = make_shop("Cửa hàng sửa được", credential_status=Shop.CredentialStatus.VALID)
    assert 'name="_save"' in admin_client.get(change_url(shop)).content.decode()
