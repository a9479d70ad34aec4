"""The shop's PBX staff users (eTelecom's account users): creating one, and storing what eTelecom answers."""

from __future__ import annotations

from django.utils import timezone

from etelecom import EtelecomError
from etelecom import pbx as pbx_api
from shops.clients import Actor, shop_client
from shops.common.phones import canonical_phone
from shops.errors import Refused
from shops.models import Shop

from .models import PbxUser


def user_store(shop: Shop, remote: pbx_api.AccountUser) -> PbxUser:
    user, _ = PbxUser.objects.update_or_create(
        shop=shop,
        etelecom_id=remote.id,
        defaults={
            "account_id": remote.account_id,
            "full_name": remote.full_name or remote.phone,
            "short_name": remote.short_name,
            "phone": canonical_phone(remote.phone),
            "email": remote.email,
            "deleted": remote.deleted,
            "department_id": remote.department_id,
            "position": remote.position,
            "roles": list(remote.roles),
            "synced_at": timezone.now(),
        },
    )
    return user


def pbx_user_create(*, shop: Shop, user, full_name: str, phone: str, password: str) -> PbxUser:
    """`CreateAccountUser`; the password goes to eTelecom and is kept nowhere here."""
    try:
        remote = pbx_api.create_account_user(
            shop_client(shop, Actor(user=user)), full_name=full_name, phone=phone, password=password
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return user_store(shop, remote)
