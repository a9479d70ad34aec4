"""ZNS messages: sending one (never twice: an ambiguous send is settled by reading back), storing what
eTelecom reports, and the message sync."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from etelecom import (
    EtelecomError,
)
from etelecom import zns as zns_api
from etelecom.webhook import ZaloEvent, record_of
from shops import jobs
from shops.clients import Actor, job_client, shop_client
from shops.common.mirror import Mirror, renamed, same
from shops.common.people import person
from shops.common.phones import canonical_phone
from shops.common.refusals import describe_error, reference
from shops.errors import Refused
from shops.models import Shop, SyncRun
from shops.webhooks import Skipped

from . import rollups
from .models import Consent, ConversationMessage, Message, OfficialAccount, ZnsTemplate
from .oas import event_oa
from .outcomes import AMBIGUOUS, UNCONFIRMED_AFTER, since_last_complete
from .selectors import shops_with_oa

MESSAGE_OVERLAP = timedelta(minutes=15)


# A ZNS message as ListMessages, a send's answer or a status read returns it: what it changes on its row.
MESSAGE = Mirror(
    {
        **same(
            "msg_id",
            "type",
            "status",
            "delivery_status",
            "delivery_time",
            "sent_time",
            "error_code",
            "error_message",
            "fee_main",
            "fee_token",
            "is_charged",
            "is_development",
            "sending_mode",
            "journey_id",
            "template_data",
            "note",
            "submit_time",
        ),
        **renamed(etelecom_id="id", template_id_sent="template_id", etelecom_updated_at="updated_at"),
        "phone": lambda remote: canonical_phone(remote.phone),
        "request_time": lambda remote: remote.request_time or remote.created_at,
        "rate": lambda remote: remote.rate or None,
        "feedback": lambda remote: list(remote.feedback),
        "synced_at": lambda remote: timezone.now(),
        "send_state": lambda remote: Message.SendState.SENT,
    }
)


def message_store(oa: OfficialAccount, remote: zns_api.Message, *, template: ZnsTemplate | None = None) -> Message:
    """Upsert a message eTelecom reported: by our tracking id when it carries one, else by eTelecom's id."""
    values = MESSAGE.values(remote)
    values["template"] = template or ZnsTemplate.objects.filter(oa=oa, template_id=remote.template_id).first()
    key = {"tracking_id": remote.tracking_id} if remote.tracking_id else {"etelecom_id": remote.id}
    day = rollups.local_day(remote.request_time or remote.sent_time or remote.created_at)
    message, _ = Message.objects.update_or_create(oa=oa, **key, defaults=values, create_defaults={**values, "day": day})
    return message


def new_message(
    *,
    template: ZnsTemplate,
    phone: str,
    data: dict[str, str],
    user=None,
    development=False,
    journey_id="",
    tracking_id="",
    sending_mode="",
) -> Message:
    """The row a send is recorded in before eTelecom is called (unsaved)."""
    return Message(
        oa=template.oa,
        template=template,
        template_id_sent=template.template_id,
        tracking_id=tracking_id or uuid.uuid4().hex,
        send_state=Message.SendState.SENDING,
        phone=phone,
        template_data=data,
        is_development=development,
        sending_mode=sending_mode,
        journey_id=journey_id,
        sent_by=person(user),
        day=rollups.local_day(None),
    )


def zns_send(
    *,
    template: ZnsTemplate,
    phone: str,
    data: dict[str, str],
    user,
    development: bool = False,
    journey_id: str = "",
    sending_mode: str = "",
) -> Message:
    """Send one ZNS exactly once (`sending_mode` `tag3` asks eTelecom to send past the OA's daily quota). The row
    exists (with its tracking id) before eTelecom is called, so even a worker that dies mid-call leaves something
    to settle; an answer that never came is settled by reading back by tracking id, and a send eTelecom does not
    know yet stays "not confirmed" for the message sync to settle. Raises Refused when eTelecom refused (nothing
    was sent)."""
    message = new_message(
        template=template,
        phone=phone,
        data=data,
        user=user,
        development=development,
        journey_id=journey_id,
        sending_mode=sending_mode,
    )
    message.save()
    try:
        return zns_send_stored(message, client=shop_client(template.oa.shop, Actor(user=user)))
    finally:
        rollups.refresh_messages([(message.oa_id, message.day)])


def zns_send_stored(message: Message, *, client) -> Message:
    """Send a message already stored with its tracking id (`new_message`), and record the outcome."""
    oa, template = message.oa, message.template
    send = {"oa_id": oa.oa_id, "phone": message.phone, "template_id": template.template_id}
    send.update(template_data=message.template_data, tracking_id=message.tracking_id)
    try:
        if message.journey_id:
            remote = zns_api.send_zns_journey(client, journey_id=message.journey_id, **send)
        else:
            mode = message.sending_mode if message.sending_mode in zns_api.SENDING_MODES else ""
            remote = zns_api.send_zns(client, development=message.is_development, sending_mode=mode, **send)
    except AMBIGUOUS as exc:
        # One thing to say: it may have gone, so it must not be sent again ("try again later" would say the opposite).
        lost = _(
            "eTelecom's answer was lost: the ZNS may have gone. Do not send it again; the console checks it with "
            "eTelecom and shows the outcome here."
        )
        return _settle(message, client, reason=f"{lost} {reference(exc)}")
    except EtelecomError as exc:
        Message.objects.filter(pk=message.pk).update(
            send_state=Message.SendState.FAILED, error_message=describe_error(exc)
        )
        raise Refused.of(exc) from exc
    for name, value in MESSAGE.values(remote).items():
        setattr(message, name, value)
    message.save(update_fields=MESSAGE.fields)
    return message


def _settle(message: Message, client, *, reason: str) -> Message:
    """After an ambiguous send: what eTelecom knows by the tracking id decides. Nothing is sent again."""
    try:
        remote = zns_api.find_message(client, oa_id=message.oa.oa_id, tracking_id=message.tracking_id)
    except EtelecomError:
        remote = None
    if remote is not None:
        return message_store(message.oa, remote)
    Message.objects.filter(pk=message.pk).update(send_state=Message.SendState.UNCONFIRMED, error_message=reason)
    message.refresh_from_db()
    return message


def messages_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: `ListMessages` by update time since the last complete run (less an overlap)
    for each OA; then sends still unconfirmed are settled: found by tracking id, or, past UNCONFIRMED_AFTER,
    recorded as not sent."""
    shop = run.shop
    since = since_last_complete(shop, "message_sync", MESSAGE_OVERLAP)
    count = 0
    with job_client(shop, "message_sync") as client:
        for oa in OfficialAccount.objects.filter(shop=shop, missing_since__isnull=True):
            templates = {t.template_id: t for t in ZnsTemplate.objects.filter(oa=oa)}
            days = set()
            for remote in zns_api.iter_messages(client, oa_id=oa.oa_id, date_from=since, time_type="updated_time"):
                days.add(message_store(oa, remote, template=templates.get(remote.template_id)).day)
                count += 1
            settled = _settle_unconfirmed(client, oa)
            count += len(settled)
            rollups.refresh_messages((oa.pk, day) for day in days.union(settled))
    return {"messages": count}


def _settle_unconfirmed(client, oa: OfficialAccount) -> list:
    """Settle the OA's sends left unconfirmed; returns the day of each message it settled."""
    days = []
    stale = timezone.now() - UNCONFIRMED_AFTER
    pending = Message.objects.filter(
        oa=oa, send_state__in=[Message.SendState.UNCONFIRMED, Message.SendState.SENDING], created_at__lt=stale
    )
    for message in pending:
        remote = zns_api.find_message(client, oa_id=oa.oa_id, tracking_id=message.tracking_id)
        if remote is not None:
            message_store(oa, remote)
        else:
            Message.objects.filter(pk=message.pk).update(send_state=Message.SendState.FAILED)
        days.append(message.day)
    return days


class MessageSync(jobs.Job):
    kind, label = "message_sync", gettext_lazy("ZNS message sync")
    schedule_name, interval_setting = "zalo: sync ZNS messages", "ZALO_MESSAGE_SYNC_MINUTES"

    @classmethod
    def shops(cls):
        return shops_with_oa()

    @classmethod
    def work(cls, run):
        return messages_sync_work(run)


# --- webhook events ------------------------------------------------------------------------------------------------


def message_received(shop: Shop, data: dict) -> None:
    """`user_received_message`: a ZNS (found by our tracking id, else Zalo's message id) or an OA message reached
    the phone."""
    event = ZaloEvent.from_api(data)
    oa = event_oa(shop, event.oa_id)
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


def zns_record(shop: Shop, data: dict) -> None:
    """`zl_oa_message` in eTelecom's envelope: the ZNS message record in `data` (delivered, seen, rated) is stored
    as a sync would."""
    remote = zns_api.Message.from_api(record_of(data, "the message"))
    oa = event_oa(shop, remote.oa_id)
    if not (remote.id or remote.tracking_id):
        raise ValueError("the message record has no id")
    message = message_store(oa, remote)
    rollups.refresh_messages([(oa.pk, message.day)])
