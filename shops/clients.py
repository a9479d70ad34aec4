"""The one place the console builds `etelecom.Client`s: keys from settings or the shop, every call audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from etelecom import CallInfo, Client
from etelecom.sms import SmsClient

from .common import upsert
from .common.people import person
from .models import ApiCall, Shop

# ApiCall columns in the order AuditLog records them.
COLUMNS = ["shop", "user", "job", "method", "status", "error_code", "error", "duration_ms", "created_at"]


@dataclass(frozen=True)
class Actor:
    """Who makes a call: a staff user, or a background job by name."""

    user: object = None
    job: str = ""


class AuditLog:
    """`on_call` hook: one `ApiCall` row per HTTP attempt. CallInfo carries no key; its message is redacted.

    Rows are written `batch` at a time (1: at once; None: only when `flush()` is called); `flush()` writes the rest.
    A job that makes calls from a second thread passes None and flushes from its own thread.
    """

    def __init__(self, shop: Shop | None, actor: Actor, *, batch: int | None = 1):
        self.shop = shop
        self.actor = actor
        self.batch = batch
        self.pending: list[tuple] = []

    def __call__(self, info: CallInfo) -> None:
        self.pending.append(
            (
                self.shop.pk if self.shop and self.shop.pk else None,
                getattr(person(self.actor.user), "pk", None),
                self.actor.job,
                info.endpoint,
                info.status,
                info.code[:64],
                info.message,
                round(info.duration * 1000),
                timezone.now(),
            )
        )
        if self.batch is not None and len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        # Swapped before writing: a row another thread records meanwhile goes to the next flush.
        pending, self.pending = self.pending, []
        upsert.insert(ApiCall, COLUMNS, pending)


def _client(base_url: str, key: str, audit: AuditLog) -> Client:
    return Client(
        base_url, key, timeout=settings.ETELECOM_TIMEOUT, max_retries=settings.ETELECOM_MAX_RETRIES, on_call=audit
    )


def _base_url(connection: str) -> str:
    """A shop_key works on the partner base URL, a shop's own api_key on the shop base URL."""
    if connection == Shop.Connection.PARTNER:
        return settings.ETELECOM_PARTNER_BASE_URL
    return settings.ETELECOM_SHOP_BASE_URL


def partner_client(actor: Actor, *, shop: Shop | None = None) -> Client:
    """Partner-wide calls (`Shop/AuthorizeShop`, `Shop/GetShops`, ...) with the partner's own key."""
    return _client(settings.ETELECOM_PARTNER_BASE_URL, settings.ETELECOM_PARTNER_API_KEY, AuditLog(shop, actor))


def shop_client(shop: Shop, actor: Actor) -> Client:
    """Calls for one shop made by a person: every call audited at once."""
    return _client(_base_url(shop.connection), shop.credential, AuditLog(shop, actor))


@contextmanager
def job_client(shop: Shop, job: str, *, batch: int | None = 100) -> Iterator[Client]:
    """A shop client for a background job. Its audit rows are written in batches (a commit per call costs a sync
    of many calls a third of its time), and the rest when the job ends, however it ends."""
    audit = AuditLog(shop, Actor(job=job), batch=batch)
    try:
        yield _client(_base_url(shop.connection), shop.credential, audit)
    finally:
        audit.flush()


def key_client(connection: str, key: str, actor: Actor, *, shop: Shop | None = None) -> Client:
    """A shop client for a key that is not stored yet (checked before saving)."""
    return _client(_base_url(connection), key, AuditLog(shop, actor))


def sms_client(shop: Shop, actor: Actor, *, username: str, password: str, batch: int | None = 1) -> SmsClient:
    """A client for the shop's SMS Brandname account on the gateway (`ETELECOM_SMS_BASE_URL`), audited like the others.
    With `batch` other than 1, flush the client's `on_call` when done."""
    return SmsClient(
        settings.ETELECOM_SMS_BASE_URL,
        username,
        password,
        timeout=settings.ETELECOM_TIMEOUT,
        max_retries=settings.ETELECOM_MAX_RETRIES,
        on_call=AuditLog(shop, actor, batch=batch),
    )
