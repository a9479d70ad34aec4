"""The one place the console builds `etelecom.Client`s: keys from settings or the shop, every call audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from etelecom import CallInfo, Client

from .models import ApiCall, Shop


@dataclass(frozen=True)
class Actor:
    """Who makes a call: a staff user, or a background job by name."""

    user: object = None
    job: str = ""


class AuditLog:
    """`on_call` hook: one `ApiCall` row per HTTP attempt. CallInfo carries no key; its message is redacted."""

    def __init__(self, shop: Shop | None, actor: Actor):
        self.shop = shop
        self.actor = actor

    def __call__(self, info: CallInfo) -> None:
        user = self.actor.user
        ApiCall.objects.create(
            shop=self.shop if self.shop and self.shop.pk else None,
            user=user if user is not None and user.is_authenticated else None,
            job=self.actor.job,
            method=info.endpoint,
            status=info.status,
            error_code=info.code[:64],
            error=info.message,
            duration_ms=round(info.duration * 1000),
            created_at=timezone.now(),
        )


def _client(base_url: str, key: str, shop: Shop | None, actor: Actor) -> Client:
    return Client(
        base_url,
        key,
        timeout=settings.ETELECOM_TIMEOUT,
        max_retries=settings.ETELECOM_MAX_RETRIES,
        on_call=AuditLog(shop, actor),
    )


def partner_client(actor: Actor, *, shop: Shop | None = None) -> Client:
    """Partner-wide calls (`Shop/AuthorizeShop`, `Shop/GetShops`, ...) with the partner's own key."""
    return _client(settings.ETELECOM_PARTNER_BASE_URL, settings.ETELECOM_PARTNER_API_KEY, shop, actor)


def shop_client(shop: Shop, actor: Actor) -> Client:
    """Calls for one shop: its shop_key on the partner base URL, or its own api_key on the shop base URL."""
    return key_client(shop.connection, shop.credential, actor, shop=shop)


def key_client(connection: str, key: str, actor: Actor, *, shop: Shop | None = None) -> Client:
    """A shop client for a key that is not stored yet (checked before saving)."""
    if connection == Shop.Connection.PARTNER:
        return _client(settings.ETELECOM_PARTNER_BASE_URL, key, shop, actor)
    return _client(settings.ETELECOM_SHOP_BASE_URL, key, shop, actor)
