"""Zalo call-permission requests (consents), ZNS templates, journey tokens, and sending and reading ZNS messages.

Every call takes a shop's key. Sends (`RequestConsent`, `SendZNS`, `SendZNSJourney`, `CreateJourney`) are writes
and are never retried by the client: an ambiguous send is settled by reading back (`find_message` by the
`tracking_id` the caller gave it), never by sending again.

Longer than ~400 lines on purpose: these are the four records of eTelecom's one `Zalo` ZNS service, each a
decoder and three or four calls of a few lines, sharing `_filter` and the send rule above; split by record, every
module would repeat both and a reader would lose the rule's one statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from . import fields
from .client import Client

SERVICE = "Zalo"

METHODS = (
    "Zalo/RequestConsent",
    "Zalo/CheckConsent",
    "Zalo/ListRequestConsent",
    "Zalo/CreateTemplate",
    "Zalo/GetTemplate",
    "Zalo/ListTemplates",
    "Zalo/CreateJourney",
    "Zalo/GetJourney",
    "Zalo/ListJourneys",
    "Zalo/ListMessages",
    "Zalo/GetMessage",
    "Zalo/SendZNS",
    "Zalo/SendZNSJourney",
)

# The codes the console compares against; anything else is kept as it came.
REPLY_AWAITING = "S"
TEMPLATE_ENABLED = "ENABLE"
MODE_DEVELOPMENT = "development"
# `sending_mode` of SendZNS: `default` (a normal send) or `tag3` (past the daily quota, for whitelisted OAs only).
SENDING_MODES = ("default", "tag3")


@dataclass(frozen=True, slots=True)
class Consent:
    """A call-permission request (`RequestConsent`, `ListRequestConsent`)."""

    id: str
    shop_id: str
    user_id: str
    oa_id: str
    phone: str
    call_type: str
    reason_code: str
    status: str
    reply_status: str
    delivery_status: str
    delivery_time: datetime | None
    is_charged: bool
    error_code: int
    error_message: str
    expires_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> Consent:
        return cls(
            id=fields.ident(data, "id"),
            shop_id=fields.ident(data, "shop_id"),
            user_id=fields.ident(data, "user_id"),
            oa_id=fields.ident(data, "oa_id"),
            phone=fields.text(data, "phone"),
            call_type=fields.text(data, "call_type"),
            reason_code=fields.text(data, "reason_code"),
            status=fields.text(data, "status"),
            reply_status=fields.text(data, "reply_status"),
            delivery_status=fields.text(data, "delivery_status"),
            delivery_time=fields.timestamp(data, "delivery_time"),
            is_charged=fields.boolean(data, "is_charged"),
            error_code=fields.integer(data, "error_code", default=0),
            error_message=fields.text(data, "error_message"),
            expires_at=fields.timestamp(data, "expires_at", "expired_at"),
            created_at=fields.timestamp(data, "created_at"),
            updated_at=fields.timestamp(data, "updated_at"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class ConsentCheck:
    """`CheckConsent`: `granted` when eTelecom answers no error and a permission that has not ended."""

    error: int
    message: str
    expired_time: datetime | None

    def granted(self, now: datetime) -> bool:
        return self.error == 0 and self.expired_time is not None and self.expired_time > now


@dataclass(frozen=True, slots=True)
class TemplateParam:
    name: str
    type: str
    require: bool
    accept_null: bool
    min_length: int | None
    max_length: int | None

    @classmethod
    def from_api(cls, data: dict) -> TemplateParam:
        return cls(
            name=fields.text(data, "name"),
            type=fields.text(data, "type"),
            require=fields.boolean(data, "require"),
            accept_null=fields.boolean(data, "accept_null"),
            min_length=fields.integer(data, "min_length"),
            max_length=fields.integer(data, "max_length"),
        )


@dataclass(frozen=True, slots=True)
class Template:
    """A ZNS template registered for an OA (`CreateTemplate`, `GetTemplate`, `ListTemplates`)."""

    template_id: int
    oa_id: str
    template_name: str
    type: str
    status: str
    quality: str
    tag: str
    price: int | None
    timeout: int | None
    apply_template_quota: bool
    daily_quota: int | None
    remaining_quota: int | None
    params: tuple[TemplateParam, ...]
    preview_url: str
    is_journey: bool
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @property
    def sendable(self) -> bool:
        return self.status == TEMPLATE_ENABLED

    @classmethod
    def from_api(cls, data: dict) -> Template:
        params = data.get("template_params") if isinstance(data.get("template_params"), list) else []
        return cls(
            template_id=fields.integer(data, "template_id", default=0),
            oa_id=fields.ident(data, "oa_id"),
            template_name=fields.text(data, "template_name"),
            type=fields.text(data, "type"),
            status=fields.text(data, "template_status"),
            quality=fields.text(data, "template_quality"),
            tag=fields.text(data, "template_tag"),
            price=fields.integer(data, "price"),
            timeout=fields.integer(data, "timeout"),
            apply_template_quota=fields.boolean(data, "apply_template_quota"),
            daily_quota=fields.integer(data, "template_daily_quota"),
            remaining_quota=fields.integer(data, "template_remaining_quota"),
            params=tuple(TemplateParam.from_api(p) for p in params if isinstance(p, dict)),
            preview_url=fields.text(data, "preview_url"),
            is_journey=fields.boolean(data, "is_journey"),
            created_at=fields.timestamp(data, "created_at"),
            updated_at=fields.timestamp(data, "updated_at"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Journey:
    """A journey token (`CreateJourney`, `GetJourney`, `ListJourneys`). The JSON spells `expired_at`, the
    tables `expires_at`: both are read."""

    id: str
    journey_id: str
    journey_token: str
    phone: str
    status: str
    is_charged: bool
    error_code: int
    error_message: str
    expires_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> Journey:
        return cls(
            id=fields.ident(data, "id"),
            journey_id=fields.text(data, "journey_id"),
            journey_token=fields.text(data, "journey_token"),
            phone=fields.text(data, "phone"),
            status=fields.text(data, "status"),
            is_charged=fields.boolean(data, "is_charged"),
            error_code=fields.integer(data, "error_code", default=0),
            error_message=fields.text(data, "error_message"),
            expires_at=fields.timestamp(data, "expired_at", "expires_at"),
            created_at=fields.timestamp(data, "created_at"),
            updated_at=fields.timestamp(data, "updated_at"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Message:
    """A ZNS message (`SendZNS`, `SendZNSJourney`, `ListMessages`, `GetMessage`). SendZNSJourney's hand-written
    sample spells `msg_type` and `price` for `type` and `fee_main`: both are read."""

    id: str
    shop_id: str
    oa_id: str
    msg_id: str
    type: str
    status: str
    delivery_status: str
    delivery_time: datetime | None
    sent_time: datetime | None
    request_time: datetime | None
    error_code: int
    error_message: str
    fee_main: int | None
    fee_token: int | None
    is_charged: bool
    is_development: bool
    sending_mode: str
    journey_id: str
    template_id: int | None
    template_data: dict
    phone: str
    tracking_id: str
    rate: int | None
    note: str
    feedback: tuple[str, ...]
    submit_time: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> Message:
        template_data = data.get("template_data") if isinstance(data.get("template_data"), dict) else {}
        feedback = data.get("feedback") if isinstance(data.get("feedback"), list) else []
        return cls(
            id=fields.ident(data, "id"),
            shop_id=fields.ident(data, "shop_id"),
            oa_id=fields.ident(data, "oa_id"),
            msg_id=fields.text(data, "msg_id"),
            type=fields.text(data, "type", "msg_type"),
            status=fields.text(data, "status"),
            delivery_status=fields.text(data, "delivery_status"),
            delivery_time=fields.timestamp(data, "delivery_time"),
            sent_time=fields.timestamp(data, "sent_time"),
            request_time=fields.timestamp(data, "request_time"),
            error_code=fields.integer(data, "error_code", default=0),
            error_message=fields.text(data, "error_message"),
            fee_main=fields.integer(data, "fee_main", "price"),
            fee_token=fields.integer(data, "fee_token"),
            is_charged=fields.boolean(data, "is_charged"),
            is_development=fields.boolean(data, "is_development"),
            sending_mode=fields.text(data, "sending_mode"),
            journey_id=fields.text(data, "journey_id"),
            template_id=fields.integer(data, "template_id"),
            template_data={str(k): str(v) for k, v in template_data.items()},
            phone=fields.text(data, "phone"),
            tracking_id=fields.text(data, "tracking_id"),
            rate=fields.integer(data, "rate"),
            note=fields.text(data, "note"),
            feedback=tuple(str(item) for item in feedback),
            submit_time=fields.timestamp(data, "submit_time"),
            created_at=fields.timestamp(data, "created_at"),
            updated_at=fields.timestamp(data, "updated_at"),
            raw=data,
        )


def _filter(**values) -> dict:
    """A list filter with the parts that are set; datetimes as RFC 3339."""
    result = {}
    for name, value in values.items():
        if value is None or value == "":
            continue
        result[name] = value.isoformat() if isinstance(value, datetime) else value
    return {"filter": result} if result else {}


# --- consents -----------------------------------------------------------------------------------------------


def request_consent(client: Client, *, oa_id: str, phone: str, call_type: str, reason_code: str) -> Consent:
    payload = {"oa_id": oa_id, "phone": phone, "call_type": call_type, "reason_code": reason_code}
    return Consent.from_api(client.call(SERVICE, "RequestConsent", payload))


def check_consent(client: Client, *, oa_id: str, phone: str) -> ConsentCheck:
    answer = client.call(SERVICE, "CheckConsent", {"oa_id": oa_id, "phone": phone})
    return ConsentCheck(
        error=fields.integer(answer, "error", "error_code", default=0),
        message=fields.text(answer, "message"),
        expired_time=fields.timestamp(answer, "expired_time"),
    )


def iter_consents(client: Client, *, limit: int = 100, **filters) -> Iterator[Consent]:
    """Filters: oa_id, phone, call_type, reason_code, reply_status, status, is_charged, user_id, date_from,
    date_to."""
    for item in client.paginate(SERVICE, "ListRequestConsent", _filter(**filters), items_key="consents", limit=limit):
        yield Consent.from_api(item)


# --- templates ----------------------------------------------------------------------------------------------


def create_template(client: Client, *, oa_id: str, template_id: int, type: str) -> Template:
    """Register a template Zalo already approved (or is reviewing) for the OA with eTelecom."""
    payload = {"oa_id": oa_id, "template_id": int(template_id), "type": type}
    return Template.from_api(client.call(SERVICE, "CreateTemplate", payload))


def get_template(client: Client, *, oa_id: str, template_id: int) -> Template:
    return Template.from_api(client.call(SERVICE, "GetTemplate", {"oa_id": oa_id, "template_id": int(template_id)}))


def iter_templates(client: Client, *, limit: int = 100, **filters) -> Iterator[Template]:
    """Filters: oa_id, type, template_id, template_name, date_from, date_to."""
    for item in client.paginate(SERVICE, "ListTemplates", _filter(**filters), items_key="templates", limit=limit):
        yield Template.from_api(item)


# --- journeys -----------------------------------------------------------------------------------------------


def create_journey(client: Client, *, oa_id: str, phone: str, token_type: str = "") -> Journey:
    payload = {"oa_id": oa_id, "phone": phone}
    if token_type:
        payload["token_type"] = token_type
    return Journey.from_api(client.call(SERVICE, "CreateJourney", payload))


def get_journey(client: Client, *, journey_id: str, oa_id: str = "") -> Journey:
    payload = {"journey_id": journey_id, **({"oa_id": oa_id} if oa_id else {})}
    return Journey.from_api(client.call(SERVICE, "GetJourney", payload))


def iter_journeys(client: Client, *, limit: int = 100, **filters) -> Iterator[Journey]:
    """Filters: oa_id, journey_id, phone, is_charged, status, date_from, date_to."""
    for item in client.paginate(SERVICE, "ListJourneys", _filter(**filters), items_key="journeys", limit=limit):
        yield Journey.from_api(item)


# --- messages -----------------------------------------------------------------------------------------------


def send_zns(
    client: Client,
    *,
    oa_id: str,
    phone: str,
    template_id: int,
    template_data: dict[str, str],
    tracking_id: str,
    development: bool = False,
    sending_mode: str = "",
) -> Message:
    """One ZNS, sent once. `tracking_id` is the caller's reference: after a timeout or a 5xx, look the message
    up with `find_message(tracking_id=...)` before deciding anything. `sending_mode` (`SENDING_MODES`) is sent
    only when given; eTelecom echoes it in the answer."""
    payload = {
        "oa_id": oa_id,
        "phone": phone,
        "template_id": int(template_id),
        "template_data": template_data,
        "tracking_id": tracking_id,
    }
    if development:
        payload["mode"] = MODE_DEVELOPMENT
    if sending_mode:
        if sending_mode not in SENDING_MODES:
            raise ValueError(f"sending_mode is one of {', '.join(SENDING_MODES)}")
        payload["sending_mode"] = sending_mode
    return Message.from_api(client.call(SERVICE, "SendZNS", payload))


def send_zns_journey(
    client: Client,
    *,
    oa_id: str,
    journey_id: str,
    phone: str,
    template_id: int,
    template_data: dict[str, str],
    tracking_id: str,
) -> Message:
    payload = {
        "oa_id": oa_id,
        "journey_id": journey_id,
        "phone": phone,
        "template_id": int(template_id),
        "template_data": template_data,
        "tracking_id": tracking_id,
    }
    return Message.from_api(client.call(SERVICE, "SendZNSJourney", payload))


def get_message(client: Client, *, oa_id: str, msg_id: str) -> Message:
    return Message.from_api(client.call(SERVICE, "GetMessage", {"oa_id": oa_id, "msg_id": msg_id}))


def iter_messages(client: Client, *, limit: int = 100, **filters) -> Iterator[Message]:
    """Filters: oa_id, campaign_id, template_id, journey_id, msg_id, msg_type, is_charged, is_development,
    delivery_status, phone, status, user_id, tracking_id, date_from, date_to, time_type (request_time,
    updated_time (the default), submit_time)."""
    for item in client.paginate(SERVICE, "ListMessages", _filter(**filters), items_key="messages", limit=limit):
        yield Message.from_api(item)


def find_message(client: Client, *, oa_id: str, tracking_id: str) -> Message | None:
    """The message sent with `tracking_id`, or None if eTelecom has none: how an ambiguous send is settled."""
    return next(iter_messages(client, oa_id=oa_id, tracking_id=tracking_id, limit=10), None)
