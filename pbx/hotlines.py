"""Hotlines: adding one to the partner's pool for a shop, and storing what eTelecom answers."""

from __future__ import annotations

from django.utils import timezone

from etelecom import EtelecomError
from etelecom import pbx as pbx_api
from shops.clients import Actor, partner_client
from shops.errors import Refused
from shops.models import Shop

from .models import Hotline, Tenant


def hotline_store(shop: Shop, remote: pbx_api.Hotline) -> Hotline:
    hotline, _ = Hotline.objects.update_or_create(
        etelecom_id=remote.id,
        defaults={
            "shop": shop,
            "hotline": remote.hotline,
            "name": remote.name,
            "description": remote.description,
            "network": remote.network,
            "is_free_charge": remote.is_free_charge,
            "owner_id": remote.owner_id,
            "connection_id": remote.connection_id,
            "connection_method": remote.connection_method,
            "status": remote.status,
            "etelecom_created_at": remote.created_at,
            "etelecom_updated_at": remote.updated_at,
            "synced_at": timezone.now(),
        },
    )
    return hotline


def hotline_add(
    *, shop: Shop, user, hotline: str, name: str, description: str = "", network: str = "", is_free_charge=False
) -> Hotline:
    """`PartnerAddHotline` into the partner's pool, owned by the shop's tenant owner when the shop has a tenant."""
    owner_id = Tenant.objects.filter(shop=shop).values_list("owner_id", flat=True).first() or ""
    try:
        remote = pbx_api.add_hotline(
            partner_client(Actor(user=user), shop=shop),
            hotline=hotline,
            name=name,
            description=description,
            network=network or "unknown",
            is_free_charge=is_free_charge,
            owner_id=owner_id,
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return hotline_store(shop, remote)
