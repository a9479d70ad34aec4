"""Webhook handlers for an OA's events (Zalo's shape, forwarded by eTelecom to the OA's webhook URL) and for
eTelecom's `zl_oa_message` entity. Each updates what the event is about and recounts the rollups it touches; an
event about a row the console does not have yet is skipped (the next sync brings the row), a malformed one fails.

Zalo's consent events name the OA and the phone, not the request: a reply goes to the newest request from that OA
to that phone still awaiting one (else the newest), in any of the phone's spellings.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from etelecom import fields
from etelecom import zns as zns_api
from etelecom.webhook import ZaloEvent
from shops.models import Shop
from shops.phones import normalise_phone
from shops.webhooks import Skipped, register_handler

from . import conversations, rollups
from .messages import message_store
from .models import Consent, ConversationMessage, Follower, Journey, Message, OfficialAccount

USER_MESSAGES = ("text", "image", "link", "audio", "video", "sticker", "gif", "location", "business_card", "file")
OA_MESSAGES = ("text", "image", "gif", "list", "file", "sticker")


def _oa(shop: Shop, oa_id: str) -> OfficialAccount:
    if not oa_id:
        raise ValueError("the event names no OA")
    oa = OfficialAccount.objects.filter(shop=shop, oa_id=oa_id[:32]).first()
    if oa is None:
        raise Skipped(f"OA {oa_id[:32]} is not in the console yet")
    return oa


def _consent(oa: OfficialAccount, phone: str) -> Consent:
    try:
        national = normalise_phone(phone)
    except ValidationError:
        raise ValueError(f"the event's phone {phone[:20]!r} is not a Vietnamese number") from None
    spellings = [national, "84" + national[1:], "+84" + national[1:]]
    requests = Consent.objects.filter(oa=oa, phone__in=spellings).order_by("-etelecom_created_at", "-pk")
    consent = requests.filter(reply_status=Consent.Reply.AWAITING).first() or requests.first()
    if consent is None:
        raise Skipped(f"no call permission request from this OA to {national} yet")
    return consent


def _save_consent(consent: Consent, fields: list[str]) -> None:
    consent.save(update_fields=fields)
    rollups.refresh_consents([(consent.oa_id, consent.day)])


def consent_sent(shop: Shop, data: dict) -> None:
    """`oa_send_consent`: the request went out (`SENT`, with its expiry) or lapsed unanswered (`EXPIRED`)."""
    event = ZaloEvent.from_api(data)
    if event.request_type not in ("SENT", "EXPIRED"):
        raise ValueError(f"request_type {event.request_type[:20]!r} is neither SENT nor EXPIRED")
    consent = _consent(_oa(shop, event.oa_id), event.phone)
    awaiting = consent.reply_status in (Consent.Reply.AWAITING, "")
    if event.request_type == "SENT":
        consent.status = Consent.Status.SENT
        if awaiting and event.expires_at:
            consent.expires_at = event.expires_at
        _save_consent(consent, ["status", "expires_at"])
        return
    if not (awaiting or consent.reply_status == Consent.Reply.NONE):
        raise Skipped(f"the request to {consent.phone} was already answered")
    # eTelecom marks a lapsed request `NS` with its expiry at the lapse (what the consent report counts as expired).
    lapsed = event.expires_at or event.at or timezone.now()
    consent.reply_status = Consent.Reply.NONE
    consent.expires_at = lapsed
    consent.etelecom_updated_at = max(lapsed, event.at or lapsed)
    _save_consent(consent, ["reply_status", "expires_at", "etelecom_updated_at"])


def consent_replied(shop: Shop, data: dict) -> None:
    """`user_reply_consent`: `ALLOW` accepts (the OA may call until `expired_time`, 0 meaning no end); any other
    answer refuses."""
    event = ZaloEvent.from_api(data)
    if not event.user_consent:
        raise ValueError("the reply carries no user_consent")
    consent = _consent(_oa(shop, event.oa_id), event.phone)
    answered = event.confirmed_at or event.at or timezone.now()
    accepted = event.user_consent == "ALLOW"
    consent.reply_status = Consent.Reply.ACCEPTED if accepted else Consent.Reply.REFUSED
    consent.delivery_status = Consent.Delivery.SEEN
    consent.delivery_time = consent.delivery_time or answered
    consent.etelecom_updated_at = answered
    consent.permission_until = event.expires_at if accepted else None
    fields = ["reply_status", "delivery_status", "delivery_time", "etelecom_updated_at", "permission_until"]
    _save_consent(consent, fields)


def message_received(shop: Shop, data: dict) -> None:
    """`user_received_message`: a ZNS (found by our tracking id, else Zalo's message id) or an OA message reached
    the phone."""
    event = ZaloEvent.from_api(data)
    oa = _oa(shop, event.oa_id)
    delivered = event.delivered_at or event.at or timezone.now()
    messages = Message.objects.filter(oa=oa)
    message = (event.tracking_id and messages.filter(tracking_id=event.tracking_id[:64]).first()) or (
        event.msg_id and messages.filter(msg_id=event.msg_id[:64]).first()
    )
    if message:
        if message.delivery_status != Consent.Delivery.SEEN:
            message.delivery_status = Consent.Delivery.RECEIVED
        message.delivery_time = delivered
        message.save(update_fields=["delivery_status", "delivery_time"])
        rollups.refresh_messages([(oa.pk, message.day)])
        return
    if event.msg_id and ConversationMessage.objects.filter(oa=oa, msg_id=event.msg_id[:64]).update(
        delivered_at=delivered
    ):
        return
    raise Skipped(f"no ZNS or OA message {event.tracking_id or event.msg_id} of this OA")


def follow_changed(shop: Shop, data: dict) -> None:
    """`follow` / `unfollow`: the follower's state; one the console has not synced yet is added without an
    eTelecom id, and the next follower sync replaces it with eTelecom's record."""
    event = ZaloEvent.from_api(data)
    oa = _oa(shop, event.oa_id)
    if not event.user_id:
        raise ValueError("the event names no follower")
    state = "follow" if event.name == "follow" else "unfollow"
    changed = event.at or timezone.now()
    zl_user_id = event.user_id[:32]
    if not Follower.objects.filter(oa=oa, zl_user_id=zl_user_id).update(state=state, etelecom_updated_at=changed):
        Follower.objects.create(
            oa=oa, zl_user_id=zl_user_id, state=state, etelecom_updated_at=changed, synced_at=timezone.now()
        )


def conversation_message(shop: Shop, data: dict) -> None:
    """`user_send_*` and `oa_send_*`: the message, once per Zalo message id."""
    event = ZaloEvent.from_api(data)
    oa = _oa(shop, event.oa_id)
    if not event.user_id:
        raise ValueError("the message names no Zalo user")
    values = {
        "direction": event.direction,
        "zl_user_id": event.user_id[:64],
        "kind": event.name.removeprefix("user_send_").removeprefix("oa_send_")[:32],
        "text": event.text,
        "attachments": event.attachments,
        "sent_at": event.at or timezone.now(),
    }
    with transaction.atomic():
        if event.msg_id:
            ConversationMessage.objects.update_or_create(oa=oa, msg_id=event.msg_id[:64], defaults=values)
        else:
            ConversationMessage.objects.create(oa=oa, **values)
        conversations.noted(oa, values["zl_user_id"][:32], direction=values["direction"], at=values["sent_at"])


SHARED_INFO = ("name", "phone", "address", "city", "district", "ward")


def info_shared(shop: Shop, data: dict) -> None:
    """`user_submit_info`: the customer answered the OA's information request (`RequestUserInfo`). What they shared
    joins the follower's `shared_info`, and the answer is an interaction: the consulting window opens again."""
    sender = data.get("sender") if isinstance(data.get("sender"), dict) else {}
    recipient = data.get("recipient") if isinstance(data.get("recipient"), dict) else {}
    oa = _oa(shop, fields.ident(data, "oa_id") or fields.ident(recipient, "id"))
    user_id = fields.ident(sender, "id")[:32]
    info = data.get("info")
    if not user_id:
        raise ValueError("the answer names no Zalo user")
    if not isinstance(info, dict):
        raise ValueError("the answer carries no info object")
    shared = {name: info[name][:255] for name in SHARED_INFO if isinstance(info.get(name), str)}
    at = ZaloEvent.from_api(data).at or timezone.now()
    with transaction.atomic():
        conversations.noted(oa, user_id, direction=ConversationMessage.Direction.IN, at=at)
        for follower in Follower.objects.select_for_update().filter(oa=oa, zl_user_id=user_id):
            follower.shared_info = {**follower.shared_info, **shared}
            follower.save(update_fields=["shared_info"])


def journey_event(shop: Shop, data: dict) -> None:
    """`event_journey_acknowledged` (the journey token is charged) and `event_journey_time_out` (it expired)."""
    event = ZaloEvent.from_api(data)
    oa = _oa(shop, event.oa_id)
    if not event.journey_id:
        raise ValueError("the event names no journey")
    journey = Journey.objects.filter(oa=oa, journey_id=event.journey_id[:64]).first()
    if journey is None:
        raise Skipped(f"no journey token {event.journey_id[:64]} of this OA yet")
    if event.name == "event_journey_acknowledged":
        journey.is_charged = True
        journey.save(update_fields=["is_charged"])
        return
    ended = event.at or timezone.now()
    journey.status = Journey.Status.DISABLED
    journey.expires_at = min(journey.expires_at or ended, ended)
    journey.save(update_fields=["status", "expires_at"])


def zns_record(shop: Shop, data: dict) -> None:
    """`zl_oa_message` in eTelecom's envelope: the ZNS message record in `data` (delivered, seen, rated) is stored
    as a sync would."""
    record = data.get("data")
    if not isinstance(record, dict):
        raise ValueError("a zl_oa_message event carries the message in 'data'")
    remote = zns_api.Message.from_api(record)
    oa = _oa(shop, remote.oa_id)
    if not (remote.id or remote.tracking_id):
        raise ValueError("the message record has no id")
    message = message_store(oa, remote)
    rollups.refresh_messages([(oa.pk, message.day)])


def register() -> None:
    register_handler("oa_send_consent", consent_sent)
    register_handler("user_reply_consent", consent_replied)
    register_handler("user_received_message", message_received)
    register_handler("follow", follow_changed)
    register_handler("unfollow", follow_changed)
    for kind in USER_MESSAGES:
        register_handler(f"user_send_{kind}", conversation_message)
    for kind in OA_MESSAGES:
        register_handler(f"oa_send_{kind}", conversation_message)
    register_handler("user_submit_info", info_shared)
    register_handler("event_journey_acknowledged", journey_event)
    register_handler("event_journey_time_out", journey_event)
    register_handler("zl_oa_message", zns_record)
