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


# --- what eTelecom posts --------------------------------------------------------------------------------------
# Two shapes arrive at one URL. An OA's events, forwarded to the URL set with `Zalo/UpdateShopOA`, look like Zalo's
# own OA webhook events: `event_name`, the OA and the Zalo user as `oa_id` or `sender`/`recipient`, times in
# milliseconds as strings (the docs' one sample, the consent event, has this shape). The entities registered with
# `CreateWebhook` (`call_log`, `zl_oa_message`) come in eTelecom's envelope: `id`, `entity` and the record in `data`.


def kind_of(event: dict) -> str:
    """`event_name` for Zalo's shape, `entity` for eTelecom's, "" for neither."""
    for name in ("event_name", "entity"):
        value = event.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def record_of(event: dict, what: str) -> dict:
    """The record an event in eTelecom's envelope carries in `data` (`what` names it, for the error). ValueError
    when `data` holds no record: the receiver keeps the event as failed, with that reason."""
    record = event.get("data")
    if not isinstance(record, dict):
        raise ValueError(f"a {kind_of(event)} event carries {what} in 'data'")
    return record


@dataclass(frozen=True, slots=True)
class ZaloEvent:
    """One of an OA's events in Zalo's shape, the fields the console reads decoded, the rest in `raw`."""

    name: str
    oa_id: str
    user_id: str  # the Zalo user: the follower, or the other side of a message
    phone: str
    at: datetime | None  # `timestamp`: when Zalo made the event
    msg_id: str
    msg_ids: tuple[str, ...]
    tracking_id: str
    text: str
    attachments: list
    delivered_at: datetime | None
    journey_id: str
    request_type: str  # oa_send_consent: SENT | EXPIRED
    user_consent: str  # user_reply_consent: ALLOW, or a refusal
    created_at: datetime | None
    expires_at: datetime | None
    confirmed_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @property
    def direction(self) -> str:
        """`in` for a message a user sent the OA, `out` for one the OA sent, "" for other events."""
        if self.name.startswith("user_send_"):
            return "in"
        if self.name.startswith("oa_send_") and self.name != "oa_send_consent":
            return "out"
        return ""

    @classmethod
    def from_api(cls, data: dict) -> ZaloEvent:
        name = fields.text(data, "event_name")
        sender = _side(data, "sender")
        recipient = _side(data, "recipient")
        message = data.get("message") if isinstance(data.get("message"), dict) else {}
        from_oa = name.startswith("oa_send_") or name in ("user_received_message", "user_seen_message")
        if name.startswith("user_send_"):
            oa_id, user_id = recipient, sender
        elif from_oa and name != "oa_send_consent":
            oa_id, user_id = sender, recipient
        else:
            follower = data.get("follower") if isinstance(data.get("follower"), dict) else {}
            oa_id, user_id = "", fields.ident(follower, "id") or fields.ident(data, "user_id")
        ids = message.get("msg_ids") if isinstance(message.get("msg_ids"), list) else []
        attachments = message.get("attachments") if isinstance(message.get("attachments"), list) else []
        return cls(
            name=name,
            oa_id=fields.ident(data, "oa_id") or oa_id,
            user_id=user_id,
            phone=fields.text(data, "phone"),
            at=fields.millis(data, "timestamp"),
            msg_id=fields.ident(message, "msg_id") or fields.ident(data, "msg_id"),
            msg_ids=tuple(str(i) for i in ids if isinstance(i, str | int) and not isinstance(i, bool)),
            tracking_id=fields.text(message, "tracking_id"),
            text=fields.text(message, "text"),
            attachments=[a for a in attachments if isinstance(a, dict)],
            delivered_at=fields.millis(message, "delivery_time"),
            journey_id=fields.ident(data, "journey_id") or fields.ident(message, "journey_id"),
            request_type=fields.text(data, "request_type").upper(),
            user_consent=fields.text(data, "user_consent").upper(),
            created_at=fields.millis(data, "create_time"),
            expires_at=fields.millis(data, "expired_time"),
            confirmed_at=fields.millis(data, "confirmed_time"),
            raw=data,
        )


def _side(data: dict, name: str) -> str:
    value = data.get(name)
    return fields.ident(value, "id") if isinstance(value, dict) else ""
