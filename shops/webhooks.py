"""eTelecom's events for a shop arrive at /webhooks/etelecom/<secret>/. This module holds what the apps plug in:
a handler per event kind, and listeners told when a shop's webhook URL changes (zalo points its OAs at it).

eTelecom signs nothing, and posts two shapes to the same URL (etelecom/webhook.py): an OA's events as Zalo makes
them (the kind is `event_name`; they carry no id) and the entities registered with `CreateWebhook` in eTelecom's
envelope (the kind is `entity`, the event id `id`). An event is stored once per id, or per hash of its content when
it has none, and kept whatever becomes of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.http import parse_header_parameters

from etelecom import safejson
from etelecom import webhook as webhook_api

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


_SECRET_IN_PATH = re.compile(r"(/webhooks/etelecom/)([^/?#]+)")


def masked_url(url: str) -> str:
    """A webhook address as the console keeps and shows it outside `Shop.webhook_secret`: the secret cut to its last
    four characters (`…/webhooks/etelecom/…AbCd/`). Anyone who has the full address can post the shop's events."""
    return _SECRET_IN_PATH.sub(lambda match: f"{match[1]}…{match[2][-4:]}", url)


class Rejected(Exception):
    """A request the receiver refuses with 400 and this reason."""


class Skipped(Exception):
    """Raised by a handler for an event of a known kind that has nothing to update (a row the console does not
    have yet): the event is kept with this reason."""


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


def dedupe_key(data: dict) -> str:
    """The event's id, or a hash of its content (the same event sent again with its keys in another order or other
    white space is the same event)."""
    event_id = data.get("id")
    if isinstance(event_id, str | int) and not isinstance(event_id, bool) and event_id:
        return str(event_id)[:64]
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def receive(shop: Shop, data: dict) -> tuple[WebhookEvent, bool]:
    """Store an event once and process it if its kind is known, in one transaction: the event is seen with its
    outcome or not at all. Returns (event, created)."""
    name = webhook_api.kind_of(data)
    key = dedupe_key(data)
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = WebhookEvent.objects.create(
                    shop=shop,
                    kind=(name or "unknown")[:64],
                    dedupe_key=key,
                    body=data,
                    status=WebhookEvent.Status.UNKNOWN,
                )
        except IntegrityError:
            return WebhookEvent.objects.get(shop=shop, dedupe_key=key), False
        handler = HANDLERS.get(name)
        if handler is None:
            return event, True
        try:
            with transaction.atomic():
                handler(shop, data)
        except Skipped as exc:
            event.status, event.error = WebhookEvent.Status.SKIPPED, str(exc)[:500]
        except Exception as exc:  # a bad event is kept with its error; eTelecom is not asked to send it again
            logger.exception("webhook event %s (%s) failed", event.pk, event.kind)
            event.status, event.error = WebhookEvent.Status.FAILED, f"{type(exc).__name__}: {exc}"[:500]
        else:
            event.status = WebhookEvent.Status.PROCESSED
        event.save(update_fields=["status", "error"])
    return event, True
