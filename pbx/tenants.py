"""The shop's PBX tenant: creating it with the shop's key, activating it with the partner's key and a hotline, and
storing what eTelecom answers (the directory sync, `pbx.directory`, stores it too)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from etelecom import EtelecomError
from etelecom import pbx as pbx_api
from shops.clients import Actor, partner_client, shop_client
from shops.errors import Refused
from shops.models import Shop

from .hotlines import hotline_store
from .models import Hotline, Tenant


def tenant_store(shop: Shop, remote: pbx_api.Tenant) -> Tenant:
    tenant, _ = Tenant.objects.update_or_create(
        shop=shop,
        defaults={
            "etelecom_id": remote.id,
            "name": remote.name,
            "domain": remote.domain,
            "owner_id": remote.owner_id,
            "connection_id": remote.connection_id,
            "connection_method": remote.connection_method,
            "status": remote.status,
            "etelecom_created_at": remote.created_at,
            "etelecom_updated_at": remote.updated_at,
            "synced_at": timezone.now(),
        },
    )
    return tenant


def tenant_create(*, shop: Shop, user) -> Tenant:
    """`CreateTenant` with the shop's key; the tenant is new until the partner activates it with a hotline."""
    try:
        remote = pbx_api.create_tenant(shop_client(shop, Actor(user=user)))
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return tenant_store(shop, remote)


def tenant_activate(*, tenant: Tenant, hotline: Hotline, user) -> Tenant:
    """`PartnerActivateTenant` with the partner's key, attaching `hotline`; then `GetTenant` for its new state."""
    if hotline.shop_id != tenant.shop_id:
        raise Refused(_("The hotline belongs to another shop."))
    actor = Actor(user=user)
    partner = partner_client(actor, shop=tenant.shop)
    try:
        activated = pbx_api.activate_tenant(
            partner,
            tenant_id=tenant.etelecom_id,
            owner_id=tenant.owner_id,
            connection_id=tenant.connection_id,
            hotline_id=hotline.etelecom_id,
        )
        if not activated:
            raise Refused(_("eTelecom did not activate the tenant."))
        fresh = pbx_api.get_tenant(shop_client(tenant.shop, actor))
        attached = next((h for h in pbx_api.iter_partner_hotlines(partner) if h.id == hotline.etelecom_id), None)
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    if attached is not None:
        hotline_store(tenant.shop, attached)
    return tenant_store(tenant.shop, fresh)
