"""Extensions: creating one, assigning or removing its user, moving it to another hotline, and storing what
eTelecom answers (its password encrypted)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from etelecom import EtelecomError
from etelecom import pbx as pbx_api
from shops.clients import Actor, shop_client
from shops.crypto import encrypt, hint
from shops.errors import Refused
from shops.models import Shop

from .models import Extension, Hotline, PbxUser


def extension_store(shop: Shop, remote: pbx_api.Extension) -> Extension:
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
    return extension_store(shop, remote)


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
