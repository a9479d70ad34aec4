"""eTelecom's events for a shop arrive at /webhooks/etelecom/<secret>/. This module holds what the apps plug in:
a handler per event kind, and listeners told when a shop's webhook URL changes (zalo points its OAs at it).

eTelecom documents neither a payload format nor a signature. The console reads `entity` (or `type`) as the kind and
`id` as the event id, falls back to a hash of the body for de-duplication, and keeps what it cannot handle.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.http import parse_header_parameters

from etelecom import safejson

from .models import Shop, WebhookEvent

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024

Handler = Callable[[Shop, dict], None]
HANDLERS: dict[str, Handler] = {}
URL_LISTENERS: list[Callable] = []


def register_handler(kind: str, handler: Handler) -> None:
    HANDLERS[kind] = handler


def on_url_change(listener: Callable) -> None:
    """`listener(shop=..., url=..., actor=...)` is called after the shop's webhook URL is registered."""
    URL_LISTENERS.append(listener)


def webhook_url(shop: Shop) -> str:
    return settings.CONSOLE_URL.rstrip("/") + reverse("etelecom_webhook", args=[shop.webhook_secret])


class Rejected(Exception):
    """A request the receiver refuses with 400 and this reason."""


def parse(content_type: str, body: bytes) -> dict:
    media, params = parse_header_parameters(content_type)
    if media != "application/json":
        raise Rejected("Content-Type must be application/json")
    if params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        raise Rejected("the body must be UTF-8 JSON")
    if len(body) > MAX_BODY:
        raise Rejected(f"the body is larger than {MAX_BODY // 1024} KiB")
    try:
        data = safejson.loads(body)
    except safejson.UnsafeJSON as exc:
        raise Rejected(str(exc)) from None
    if not isinstance(data, dict):
        raise Rejected("the body must be a JSON object")
    return data


def receive(shop: Shop, data: dict, body: bytes) -> tuple[WebhookEvent, bool]:
    """Store an event once and process it if its kind is known. Returns (event, created)."""
    kind = str(data.get("entity") or data.get("type") or "unknown")[:32]
    event_id = data.get("id")
    dedupe_key = (
        str(event_id)[:64] if isinstance(event_id, str | int) and event_id else hashlib.sha256(body).hexdigest()
    )
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                shop=shop, kind=kind, dedupe_key=dedupe_key, body=data, status=WebhookEvent.Status.UNKNOWN
            )
    except IntegrityError:
        return WebhookEvent.objects.get(shop=shop, dedupe_key=dedupe_key), False
    handler = HANDLERS.get(kind)
    if handler is None:
        return event, True
    try:
        with transaction.atomic():
            handler(shop, data)
    except Exception as exc:  # a bad event is kept with its error; eTelecom is not asked to send it again
        logger.exception("webhook event %s (%s) failed", event.pk, kind)
        event.status, event.error = WebhookEvent.Status.FAILED, f"{type(exc).__name__}: {exc}"[:500]
    else:
        event.status = WebhookEvent.Status.PROCESSED
    event.save(update_fields=["status", "error"])
    return event, True
