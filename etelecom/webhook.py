"""Webhook registration (`Webhook/CreateWebhook`, `GetWebhooks`, `DeleteWebhook`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from . import fields
from .client import Client

METHODS = ("Webhook/CreateWebhook", "Webhook/GetWebhooks", "Webhook/DeleteWebhook")

CALL_LOG = "call_log"
ZALO_OA_MESSAGE = "zl_oa_message"
ENTITIES = (CALL_LOG, ZALO_OA_MESSAGE)


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    url: str
    entities: tuple[str, ...]
    state: str  # ok | retry | stop (delivery health)
    last_sent_at: datetime | None
    last_error: dict
    created_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> Webhook:
        data = data.get("webhook") or data
        states = data.get("states") if isinstance(data.get("states"), dict) else {}
        return cls(
            id=fields.ident(data, "id"),
            url=fields.text(data, "url"),
            entities=tuple(e for e in data.get("entities") or [] if isinstance(e, str)),
            state=fields.text(states, "state"),
            last_sent_at=fields.timestamp(states, "last_sent_at"),
            last_error=states.get("last_error") if isinstance(states.get("last_error"), dict) else {},
            created_at=fields.timestamp(data, "created_at"),
            raw=data,
        )


def create_webhook(client: Client, *, url: str, entities: tuple[str, ...] = ENTITIES) -> Webhook:
    return Webhook.from_api(client.call("Webhook", "CreateWebhook", {"url": url, "entities": list(entities)}))


def list_webhooks(client: Client) -> list[Webhook]:
    return [Webhook.from_api(item) for item in client.call("Webhook", "GetWebhooks").get("webhooks") or []]


def delete_webhook(client: Client, *, webhook_id: str) -> list[Webhook]:
    """Delete one; eTelecom answers with the webhooks that remain."""
    answer = client.call("Webhook", "DeleteWebhook", {"id": webhook_id})
    return [Webhook.from_api(item) for item in answer.get("webhooks") or []]
