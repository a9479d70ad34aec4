"""Every write to shops and every call to eTelecom that shops make. Views, forms, actions and tasks call these."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from etelecom import AuthenticationError, EtelecomError
from etelecom import shop as shop_api
from etelecom import webhook as webhook_api

from . import webhooks
from .clients import Actor, job_client, key_client, partner_client, shop_client
from .common.links import login_page
from .common.refusals import describe_error
from .errors import Refused
from .models import Shop, ShopMembership, SyncRun, new_webhook_secret

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectStart:
    """Where to send the browser (`auth_url`, with eTelecom's `request_token` for it, which the redirect back
    carries as `token`), or the shop when eTelecom answered with a key at once."""

    auth_url: str = ""
    request_token: str = field(default="", repr=False)
    shop: Shop | None = None


# --- credentials ----------------------------------------------------------------------------------------------


def shop_credential_record(*, shop: Shop, error: EtelecomError | None = None) -> None:
    """Store the outcome of a key check: valid, or invalid on a 401. Other errors say nothing about the key."""
    now = timezone.now()
    if error is None:
        status, message = Shop.CredentialStatus.VALID, ""
    elif isinstance(error, AuthenticationError):
        status, message = Shop.CredentialStatus.INVALID, describe_error(error)
    else:
        Shop.objects.filter(pk=shop.pk).update(credential_error=describe_error(error), credential_checked_at=now)
        return
    Shop.objects.filter(pk=shop.pk).update(
        credential_status=status, credential_error=message, credential_checked_at=now
    )
    shop.credential_status, shop.credential_error, shop.credential_checked_at = status, message, now


def check_credential_work(run: SyncRun) -> dict:
    """Sync-run work: `Shop/CurrentShop` with the stored key. A 401 propagates: the sync helper marks the shop
    invalid for every kind of run; any other error is noted on the shop without judging the key."""
    try:
        with job_client(run.shop, "credential_check") as client:
            shop_api.current_shop(client)
    except AuthenticationError:
        raise
    except EtelecomError as exc:
        shop_credential_record(shop=run.shop, error=exc)
        raise
    shop_credential_record(shop=run.shop)
    return {"checked": 1}


# --- connecting -----------------------------------------------------------------------------------------------


def _save_connected(
    *, remote: shop_api.Shop, connection: str, key: str, user, shop: Shop | None = None, new_only: bool = False
) -> Shop:
    """Store `remote` with its key, into `shop` or the console's row for it (a new one if none). `new_only` refuses
    a row the console already has, even one another request stored a moment ago."""
    try:
        with transaction.atomic():
            if shop is None:
                shop = Shop.objects.select_for_update().filter(etelecom_id=remote.id).first()
                if shop is not None and new_only:
                    raise Refused(_already_in_console())
                shop = shop or Shop()
            shop.etelecom_id = remote.id
            shop.name = remote.name or shop.name or remote.id
            # `Shop/CurrentShop` answers no contact (its documented fields are id, name, image_url, type,
            # website): keep the one the shop has, or the partner's list gave.
            shop.email, shop.phone = remote.email or shop.email, remote.phone or shop.phone
            shop.connection = connection
            shop.set_credential(key)
            shop.credential_status = Shop.CredentialStatus.VALID
            shop.credential_checked_at, shop.credential_error = timezone.now(), ""
            shop.save()
            if user is not None and not user.is_superuser:
                ShopMembership.objects.get_or_create(shop=shop, user=user)
    except IntegrityError:
        if not new_only:
            raise
        raise Refused(_already_in_console()) from None
    return shop


def shop_connect_start(*, user, email: str, phone: str, name: str, redirect_url: str) -> ConnectStart:
    """Partner flow, step 1: `Shop/AuthorizeShop` with the shop's contact. eTelecom answers `shop_request`: the
    browser goes to `auth_url`, and comes back to `redirect_url?token=<auth_token>&shop_id=<id>`."""
    try:
        answer = shop_api.authorize_shop(
            partner_client(Actor(user=user)), redirect_url=redirect_url, email=email, phone=phone, name=name
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return _login_at_etelecom(answer)


def shop_connect_finish(
    *, user, shop_id: str, redirect_url: str, shop: Shop | None = None, email: str = ""
) -> ConnectStart:
    """Partner flow, step 2 (our callback) or a reconnect: `Shop/AuthorizeShop` with the shop id, then check and
    store the key. eTelecom may ask the shop to log in (again): then the browser goes to `auth_url`.

    `shop` is the console's shop a reconnect started from, which its user may change. Without one, the shop must
    be new to the console unless the user is a superuser: finishing a login never hands anyone a shop the console
    already has (a superuser assigns it), and that is refused before eTelecom is called. `email` is the contact
    the connection started with; the shop eTelecom names must have it wherever eTelecom says."""
    if shop is None:
        shop = Shop.objects.filter(etelecom_id=shop_id).first()
        if shop is not None and not user.is_superuser:
            raise Refused(_already_in_console())
    try:
        answer = shop_api.authorize_shop(
            partner_client(Actor(user=user), shop=shop), redirect_url=redirect_url, shop_id=shop_id
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    if not answer.shop_key:
        return _login_at_etelecom(answer)
    try:
        remote = shop_api.current_shop(
            key_client(Shop.Connection.PARTNER, answer.shop_key, Actor(user=user), shop=shop)
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    if remote.id != shop_id:
        raise Refused(_unexpected("shop_id"))
    if shop is None:
        remote = _with_partner_contact(remote, partner_client(Actor(user=user)))
    if email and remote.email and remote.email.casefold() != email.casefold():
        raise Refused(
            _(
                "The shop that logged in on eTelecom is not the one this connection was started for. Nothing was "
                "stored; start again from “Connect a shop”."
            )
        )
    saved = _save_connected(
        remote=remote,
        connection=Shop.Connection.PARTNER,
        key=answer.shop_key,
        user=user,
        shop=shop,
        new_only=shop is None and not user.is_superuser,
    )
    return ConnectStart(shop=saved)


def _with_partner_contact(remote: shop_api.Shop, client) -> shop_api.Shop:
    """`remote` with the contact the partner's list (`Shop/GetShops`) gives it, which `Shop/CurrentShop` does not:
    the email a new connection must match. A shop the list does not name keeps what it has."""
    try:
        listed = next((item for item in shop_api.iter_shops(client) if item.id == remote.id), None)
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    if listed is None:
        return remote
    return dataclasses.replace(remote, email=listed.email or remote.email, phone=listed.phone or remote.phone)


def _login_at_etelecom(answer: shop_api.Authorization) -> ConnectStart:
    if answer.needs_login and answer.auth_url and answer.auth_token:
        return ConnectStart(auth_url=login_page(answer.auth_url, Refused), request_token=answer.auth_token)
    raise Refused(_unexpected(answer.type))


def _already_in_console() -> str:
    return _(
        "This eTelecom shop is already in the console, so nothing was changed. If you work on it, use “Reconnect "
        "through the partner” on its page; otherwise a superuser can give you access to it."
    )


def _unexpected(what: str) -> str:
    return _("eTelecom answered in a way the console does not expect (%(what)s). Try again.") % {"what": what}


def shop_check_direct_key(*, api_key: str, user) -> shop_api.Shop:
    """Direct flow: `Shop/CurrentShop` with a shop's own api_key, before anything is saved."""
    try:
        return shop_api.current_shop(key_client(Shop.Connection.DIRECT, api_key, Actor(user=user)))
    except EtelecomError as exc:
        raise Refused.of(exc) from exc


def shop_save_direct(*, remote: shop_api.Shop, api_key: str, user, shop: Shop | None = None) -> Shop:
    """Store a shop's own api_key once `shop_check_direct_key` accepted it (into `shop` when the admin has one)."""
    return _save_connected(remote=remote, connection=Shop.Connection.DIRECT, key=api_key, user=user, shop=shop)


# --- importing the partner's shops ----------------------------------------------------------------------------


def import_partner_shops_work(run: SyncRun) -> dict:
    """Sync-run work: every shop `Shop/GetShops` lists gets its shop_key from `Shop/AuthorizeShop` and is saved
    with its credential checked. Shops that must log in again are counted, not stored."""
    actor = Actor(user=run.triggered_by, job="" if run.triggered_by else "shop_import")
    client = partner_client(actor)
    counts = {"listed": 0, "created": 0, "updated": 0, "needs_login": 0, "failed": 0}
    redirect_url = settings.CONSOLE_URL.rstrip("/") + reverse("admin:shops_shop_connect_callback")
    for remote in shop_api.iter_shops(client):
        counts["listed"] += 1
        try:
            answer = shop_api.authorize_shop(client, redirect_url=redirect_url, shop_id=remote.id)
            if not answer.shop_key:
                counts["needs_login"] += 1
                continue
            created = not Shop.objects.filter(etelecom_id=remote.id).exists()
            checked = shop_api.current_shop(key_client(Shop.Connection.PARTNER, answer.shop_key, actor))
            if checked.id and checked.id != remote.id:
                raise Refused(_unexpected("shop_id"))
            # The list's record (a baShop) carries the contact that CurrentShop's answer does not.
            _save_connected(remote=remote, connection=Shop.Connection.PARTNER, key=answer.shop_key, user=None)
            counts["created" if created else "updated"] += 1
        except (EtelecomError, Refused) as exc:
            logger.warning("import of shop %s failed: %s", remote.id, exc)
            counts["failed"] += 1
    return counts


# --- webhooks -------------------------------------------------------------------------------------------------


def shop_webhook_register(*, shop: Shop, user=None) -> str:
    """Point eTelecom's `call_log` and `zl_oa_message` events for this shop at its webhook URL
    (`Webhook/CreateWebhook` with the shop's key), remove the console's webhooks with an older secret, and let the
    apps point their own objects at it (zalo: `Zalo/UpdateShopOA` for each OA). Safe to repeat."""
    url = webhooks.webhook_url(shop)
    ours = settings.CONSOLE_URL.rstrip("/") + "/webhooks/etelecom/"
    actor = Actor(user=user, job="" if user else "webhook_register")
    client = shop_client(shop, actor)
    try:
        existing = webhook_api.list_webhooks(client)
        for hook in existing:
            if hook.url.startswith(ours) and hook.url != url:
                webhook_api.delete_webhook(client, webhook_id=hook.id)
        if not any(hook.url == url for hook in existing):
            webhook_api.create_webhook(client, url=url)
        for listener in webhooks.URL_LISTENERS:
            listener(shop=shop, url=url, actor=actor)
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    Shop.objects.filter(pk=shop.pk).update(webhook_registered_at=timezone.now())
    return url


def shop_webhook_states(*, shop: Shop, user=None) -> list[dict]:
    """The console's webhooks that eTelecom keeps for this shop (`Webhook/GetWebhooks`), each with its delivery
    state (`ok`, `retry`, `stop`), last delivery and last error, and whether it is the current address. The
    addresses themselves are left out: their path is the shop's secret."""
    url = webhooks.webhook_url(shop)
    ours = settings.CONSOLE_URL.rstrip("/") + "/webhooks/etelecom/"
    try:
        found = webhook_api.list_webhooks(shop_client(shop, Actor(user=user, job="" if user else "webhook_state")))
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return [
        {
            "state": hook.state,
            "last_sent_at": hook.last_sent_at,
            "last_error": hook.last_error,
            "current": hook.url == url,
        }
        for hook in found
        if hook.url.startswith(ours)
    ]


def shop_webhook_rotate(*, shop: Shop, user=None) -> str:
    """A new secret (the old URL answers 404 at once), registered with eTelecom in place of the old one."""
    shop.webhook_secret = new_webhook_secret()
    shop.save(update_fields=["webhook_secret", "updated_at"])
    return shop_webhook_register(shop=shop, user=user)
