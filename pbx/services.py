"""Writes to the pbx app and its calls to eTelecom: provisioning, the directory sync and the call-history sync."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from etelecom import EtelecomError, NotFound
from etelecom import pbx as pbx_api
from shops.clients import Actor, job_client, partner_client, shop_client
from shops.common.phones import canonical_phone
from shops.crypto import encrypt, hint
from shops.errors import Refused
from shops.models import Shop, SyncRun

from .call_rows import LOCAL
from .models import CallDaily, CallHourly, CallRecord, Extension, Hotline, PbxUser, Tenant

# --- storing what eTelecom answers --------------------------------------------------------------------------


def _tenant_store(shop: Shop, remote: pbx_api.Tenant) -> Tenant:
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


def _hotline_store(shop: Shop, remote: pbx_api.Hotline) -> Hotline:
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


def _user_store(shop: Shop, remote: pbx_api.AccountUser) -> PbxUser:
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


def _extension_store(shop: Shop, remote: pbx_api.Extension) -> Extension:
    values = {
        "extension_number": remote.extension_number,
        "hotline_etelecom_id": remote.hotline_id,
        "user_etelecom_id": remote.user_id,
        "hotline": Hotline.objects.filter(shop=shop, etelecom_id=remote.hotline_id).first(),
        "user": PbxUser.objects.filter(shop=shop, etelecom_id=remote.user_id).first() if remote.user_id else None,
        "tenant_etelecom_id": remote.tenant_id,
        "tenant_domain": remote.tenant_domain,
        "account_id": remote.account_id,
        "subscription_id": remote.subscription_id,
        "state": remote.state,
        "etelecom_created_at": remote.created_at,
        "etelecom_updated_at": remote.updated_at,
        "expires_at": remote.expires_at,
        "synced_at": timezone.now(),
    }
    if remote.extension_password:
        values.update(
            password_ciphertext=encrypt(remote.extension_password), password_hint=hint(remote.extension_password)
        )
    extension, _ = Extension.objects.update_or_create(shop=shop, etelecom_id=remote.id, defaults=values)
    return extension


# --- provisioning -------------------------------------------------------------------------------------------


def tenant_create(*, shop: Shop, user) -> Tenant:
    """`CreateTenant` with the shop's key; the tenant is new until the partner activates it with a hotline."""
    try:
        remote = pbx_api.create_tenant(shop_client(shop, Actor(user=user)))
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return _tenant_store(shop, remote)


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
        _hotline_store(tenant.shop, attached)
    return _tenant_store(tenant.shop, fresh)


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
    return _hotline_store(shop, remote)


def pbx_user_create(*, shop: Shop, user, full_name: str, phone: str, password: str) -> PbxUser:
    """`CreateAccountUser`; the password goes to eTelecom and is kept nowhere here."""
    try:
        remote = pbx_api.create_account_user(
            shop_client(shop, Actor(user=user)), full_name=full_name, phone=phone, password=password
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return _user_store(shop, remote)


def extension_create(
    *, shop: Shop, user, hotline: Hotline, extension_number: int, pbx_user: PbxUser | None = None
) -> Extension:
    try:
        remote = pbx_api.create_extension(
            shop_client(shop, Actor(user=user)),
            hotline_id=hotline.etelecom_id,
            extension_number=extension_number,
            user_id=pbx_user.etelecom_id if pbx_user else "",
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return _extension_store(shop, remote)


def _extension_change(extension: Extension, by, change, /, **values) -> Extension:
    """Run one `updated`-answering call for the staff user `by`; store `values` only when eTelecom says it made
    the change."""
    try:
        updated = change(shop_client(extension.shop, Actor(user=by)))
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    if not updated:
        raise Refused(_("eTelecom changed nothing on extension %(number)s.") % {"number": extension})
    for name, value in values.items():
        setattr(extension, name, value)
    extension.save(update_fields=list(values))
    return extension


def extension_assign_user(*, extension: Extension, pbx_user: PbxUser, user) -> Extension:
    if pbx_user.shop_id != extension.shop_id:
        raise Refused(_("The user belongs to another shop."))
    return _extension_change(
        extension,
        user,
        lambda client: pbx_api.assign_user(client, extension_id=extension.etelecom_id, user_id=pbx_user.etelecom_id),
        user=pbx_user,
        user_etelecom_id=pbx_user.etelecom_id,
    )


def extension_change_hotline(*, extension: Extension, hotline: Hotline, user) -> Extension:
    if hotline.shop_id != extension.shop_id:
        raise Refused(_("The hotline belongs to another shop."))
    return _extension_change(
        extension,
        user,
        lambda client: pbx_api.change_hotline(
            client, extension_id=extension.etelecom_id, hotline_id=hotline.etelecom_id
        ),
        hotline=hotline,
        hotline_etelecom_id=hotline.etelecom_id,
    )


def extension_remove_user(*, extension: Extension, user) -> Extension:
    if not extension.user_etelecom_id:
        raise Refused(_("Extension %(number)s has no user.") % {"number": extension})
    return _extension_change(
        extension,
        user,
        lambda client: pbx_api.remove_user(
            client, extension_id=extension.etelecom_id, user_id=extension.user_etelecom_id
        ),
        user=None,
        user_etelecom_id="",
    )


# --- directory sync -----------------------------------------------------------------------------------------


def directory_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: its tenant, its hotlines (the partner's pool, those its tenant owns or it
    already uses), its staff users and its extensions."""
    shop = run.shop
    with job_client(shop, "pbx_sync") as client:
        try:
            tenant = _tenant_store(shop, pbx_api.get_tenant(client))
        except NotFound:  # no tenant yet
            return {"tenant": 0, "hotlines": 0, "users": 0, "extensions": 0}
        users = list(pbx_api.iter_account_users(client))
        extensions = list(pbx_api.iter_extensions(client))
    partner = partner_client(Actor(job="pbx_sync"), shop=shop)
    used = {remote.hotline_id for remote in extensions} | set(
        Hotline.objects.filter(shop=shop).values_list("etelecom_id", flat=True)
    )
    hotlines = [h for h in pbx_api.iter_partner_hotlines(partner) if h.owner_id == tenant.owner_id or h.id in used]
    with transaction.atomic():
        for remote in hotlines:
            _hotline_store(shop, remote)
        for remote in users:
            _user_store(shop, remote)
        for remote in extensions:
            _extension_store(shop, remote)
        gone = Extension.objects.filter(shop=shop).exclude(etelecom_id__in=[e.id for e in extensions])
        removed = gone.count()
        gone.delete()
    return {
        "tenant": 1,
        "hotlines": len(hotlines),
        "users": len(users),
        "extensions": len(extensions),
        "removed": removed,
    }


# --- retention ----------------------------------------------------------------------------------------------

RETENTION_BATCH = 5000  # calls a transaction: each deletes in a few tens of milliseconds and locks only its rows


def retention_start(now: datetime | None = None) -> datetime | None:
    """The start (local midnight) of the first day whose calls are kept, or None when every call is kept
    (PBX_CALL_RETENTION_DAYS is 0). Whole local days go, so a day's rollups never count calls that are gone."""
    days = settings.PBX_CALL_RETENTION_DAYS
    if days <= 0:
        return None
    today = timezone.localtime(now or timezone.now(), LOCAL).date()
    return datetime.combine(today - timedelta(days=days), datetime.min.time(), LOCAL)


def calls_prune(shop: Shop, before: datetime, *, batch: int = RETENTION_BATCH) -> int:
    """Delete `shop`'s calls started before `before` (a local midnight), oldest first, `batch` a transaction, then
    the daily and hourly rollups of the days before it. Each batch starts where the last one ended: deleted rows
    stay in the index until a vacuum, and a batch that looked for the oldest call again would walk past them all."""
    deleted, since = 0, None
    while True:
        doomed = CallRecord.objects.filter(shop=shop, started_at__lt=before)
        if since is not None:
            doomed = doomed.filter(started_at__gte=since)
        chunk = list(doomed.order_by("started_at", "id").values_list("pk", "started_at")[:batch])
        if not chunk:
            break
        with transaction.atomic():
            deleted += CallRecord.objects.filter(pk__in=[pk for pk, _ in chunk]).delete()[0]
        since = chunk[-1][1]
    day = before.astimezone(LOCAL).date()
    with transaction.atomic():
        CallDaily.objects.filter(shop=shop, day__lt=day).delete()
        CallHourly.objects.filter(shop=shop, day__lt=day).delete()
    return deleted


def calls_retention_work(run: SyncRun) -> dict:
    """Sync-run work (daily): every shop's calls from before the retention window, and their rollups, deleted."""
    before = retention_start()
    if before is None:
        return {"calls": 0}
    deleted = sum(calls_prune(shop, before, batch=RETENTION_BATCH) for shop in Shop.objects.order_by("pk").iterator())
    return {"calls": deleted}
