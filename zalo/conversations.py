"""OA conversations: a follower's messages both ways, the consulting window, unread counts.

Zalo lets an OA send consulting messages (text, sticker, image, file, the information request) only within a window
after the customer's last message (ZALO_CONSULTING_WINDOW_HOURS, 48 by Zalo's rule), and counts each against an
allowance whose remainder the send answers (`quota.quota_type`, `quota.remain`). The console keeps, per follower,
when the customer last wrote, the newest message either way and when staff last read the conversation: the window,
the open-conversation list and the unread counts come from these, with no scan of the messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, TextChoices, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from etelecom import EtelecomError
from etelecom import oa as oa_api
from etelecom.webhook import ZaloEvent
from shops.clients import Actor, shop_client
from shops.common.refusals import describe_error, reference
from shops.errors import Refused
from shops.models import Shop

from .models import ConversationMessage, Follower, OfficialAccount
from .oas import event_oa
from .outcomes import AMBIGUOUS

NEVER = datetime(2000, 1, 1, tzinfo=UTC)  # before any message: "read" of a conversation nobody has read yet


def window() -> timedelta:
    return timedelta(hours=settings.ZALO_CONSULTING_WINDOW_HOURS)


def window_closes_at(follower: Follower) -> datetime | None:
    """When the consulting window closes; None when the customer never wrote."""
    if follower.last_customer_message_at is None:
        return None
    return follower.last_customer_message_at + window()


def window_open(follower: Follower, now: datetime | None = None) -> bool:
    closes = window_closes_at(follower)
    return closes is not None and closes > (now or timezone.now())


def quota_left(follower: Follower) -> ConversationMessage | None:
    """The OA's last send to this customer since they last wrote that reported a quota (its `quota_type` and
    `quota_remaining`), or None when nothing was sent since."""
    if follower.last_customer_message_at is None:
        return None
    return (
        ConversationMessage.objects.filter(
            oa=follower.oa_id,
            zl_user_id=follower.zl_user_id,
            direction=ConversationMessage.Direction.OUT,
            sent_at__gte=follower.last_customer_message_at,
            quota_remaining__isnull=False,
        )
        .order_by("-sent_at", "-pk")
        .first()
    )


def messages_of(follower: Follower) -> QuerySet[ConversationMessage]:
    return ConversationMessage.objects.filter(oa=follower.oa_id, zl_user_id=follower.zl_user_id).select_related(
        "sent_by"
    )


def noted(oa: OfficialAccount, zl_user_id: str, *, direction: str, at: datetime) -> None:
    """A message to or from `zl_user_id` at `at`: move the follower's conversation times on (never back: webhook
    events may arrive out of order). A customer the console has not synced yet is added without an eTelecom id, as
    a follow event adds one; the next follower sync replaces it with eTelecom's record."""
    changes = {"last_message_at": Greatest(Coalesce(F("last_message_at"), at), at)}
    if direction == ConversationMessage.Direction.IN:
        changes["last_customer_message_at"] = Greatest(Coalesce(F("last_customer_message_at"), at), at)
        changes["has_conversation"] = True
    if not Follower.objects.filter(oa=oa, zl_user_id=zl_user_id).update(**changes):
        Follower.objects.create(
            oa=oa,
            zl_user_id=zl_user_id,
            has_conversation=True,
            last_message_at=at,
            last_customer_message_at=at if direction == ConversationMessage.Direction.IN else None,
            synced_at=timezone.now(),
        )


def mark_read(follower: Follower) -> None:
    follower.read_at = timezone.now()
    Follower.objects.filter(pk=follower.pk).update(read_at=follower.read_at)


def with_unread(followers: QuerySet[Follower]) -> QuerySet[Follower]:
    """`followers` with `unread`: the customer's messages since staff last read the conversation (all of them when
    nobody has yet)."""
    unread = (
        ConversationMessage.objects.filter(
            oa=OuterRef("oa"),
            zl_user_id=OuterRef("zl_user_id"),
            direction=ConversationMessage.Direction.IN,
            sent_at__gt=Coalesce(OuterRef("read_at"), Value(NEVER)),
        )
        .order_by()
        .values("oa")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return followers.annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0))


# --- replies --------------------------------------------------------------------------------------------------


class Kind(TextChoices):
    TEXT = "text", gettext_lazy("Text")
    STICKER = "sticker", gettext_lazy("Sticker")
    IMAGE = "image", gettext_lazy("Image")
    FILE = "file", gettext_lazy("File")
    USER_INFO = "request_user_info", gettext_lazy("Ask for the customer's details")


@dataclass(frozen=True)
class Upload:
    """A file staff attached to a reply, checked (`check_upload`) before anything is sent."""

    name: str
    content: bytes
    content_type: str


# What an attachment's first bytes must be, by the type it is sent as: the type a browser declares is not trusted.
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "application/msword": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
}
EXTENSIONS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def check_upload(uploaded, *, kind: str) -> Upload:
    """The attachment of an image or file reply, read and checked: within the upload's size limit, a type it
    takes by the file's extension, and content that starts as that type does. ValidationError otherwise."""
    image = kind == Kind.IMAGE
    limit = oa_api.IMAGE_MAX_BYTES if image else oa_api.FILE_MAX_BYTES
    allowed = oa_api.IMAGE_TYPES if image else oa_api.FILE_TYPES
    if uploaded is None:
        raise ValidationError(_("Choose the file to send."), code="required")
    if uploaded.size > limit:
        raise ValidationError(
            _("The file is larger than %(size)s KB.") % {"size": f"{limit // 1024:,}"}, code="too_big"
        )
    name = PurePosixPath(uploaded.name or "").name[-255:]
    content_type = EXTENSIONS.get(PurePosixPath(name.lower()).suffix, "")
    if content_type not in allowed:
        raise ValidationError(
            _("Zalo takes %(types)s here.")
            % {"types": ", ".join(ext for ext, kind_ in EXTENSIONS.items() if kind_ in allowed)},
            code="type",
        )
    content = uploaded.read(limit + 1)
    if len(content) > limit or not content:
        raise ValidationError(_("The file is empty or too large."), code="size")
    if not content.startswith(SIGNATURES[content_type]):
        raise ValidationError(_("The file's content is not what its name says (%(name)s).") % {"name": name})
    return Upload(name=name, content=content, content_type=content_type)


def reply(
    *,
    follower: Follower,
    user,
    kind: str,
    text: str = "",
    sticker_id: str = "",
    upload: Upload | None = None,
    title: str = "",
    subtitle: str = "",
) -> ConversationMessage:
    """Send one consulting message to `follower` from their OA; the sent message is kept with what its quota
    answered (the information request answers no message id and no quota). Refused before eTelecom is called
    when the consulting window is closed. A consulting send has no tracking id and nothing reads it back: an answer
    that never came is reported as unknown (the OA's `oa_send_*` event records it if it went), never sent again."""
    oa = follower.oa
    if not window_open(follower):
        raise Refused(window_closed_text())
    client = shop_client(oa.shop, Actor(user=user))
    recipient = {"oa_id": oa.oa_id, "user_id": follower.zl_user_id}
    try:
        if kind == Kind.TEXT:
            sent = oa_api.send_text(client, **recipient, text=text)
        elif kind == Kind.STICKER:
            sent = oa_api.send_sticker(client, **recipient, sticker_id=sticker_id)
        elif kind == Kind.IMAGE:
            attachment_id = oa_api.upload_image(client, oa_id=oa.oa_id, **_upload_args(upload))
            sent = oa_api.send_image(client, **recipient, attachment_id=attachment_id)
        elif kind == Kind.FILE:
            token = oa_api.upload_file(client, oa_id=oa.oa_id, **_upload_args(upload))
            sent = oa_api.send_file(client, **recipient, token=token)
        elif kind == Kind.USER_INFO:
            oa_api.request_user_info(
                client, oa_id=oa.oa_id, zl_user_id=follower.zl_user_id, title=title, subtitle=subtitle
            )
            sent, text = None, "\n".join(part for part in (title, subtitle) if part)
        else:
            raise ValueError(f"unknown reply kind {kind!r}")
    except oa_api.ConsultingWindowClosed as exc:
        raise Refused.of(exc, f"{window_closed_text()} {reference(exc)}") from exc
    except oa_api.ConsultingQuotaExhausted as exc:
        sentence = _("The OA has no consulting messages left for this customer. %(reference)s")
        raise Refused.of(exc, sentence % {"reference": reference(exc)}) from exc
    except AMBIGUOUS as exc:
        raise Refused.of(
            exc,
            _(
                "eTelecom did not confirm the message; it may have gone. It shows here if Zalo reports it: "
                "check before sending it again. %(reason)s"
            )
            % {"reason": describe_error(exc)},
        ) from exc
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return _keep(follower, sent, kind=kind, text=text, sticker_id=sticker_id, upload=upload, user=user)


def window_closed_text() -> str:
    return _(
        "The customer last wrote more than %(hours)d hours ago: Zalo lets the OA reply only within that window. "
        "Nothing was sent."
    ) % {"hours": settings.ZALO_CONSULTING_WINDOW_HOURS}


def _upload_args(upload: Upload | None) -> dict:
    if upload is None:
        raise ValueError("an image or file reply needs its checked upload")
    return {"name": upload.name, "content": upload.content, "content_type": upload.content_type}


def _keep(follower, sent, *, kind, text, sticker_id, upload, user) -> ConversationMessage:
    now = timezone.now()
    attachments = []
    if kind == Kind.STICKER:
        attachments = [{"type": "sticker", "payload": {"id": sticker_id}}]
    elif upload is not None:
        attachments = [{"type": kind, "payload": {"name": upload.name, "size": len(upload.content)}}]
    values = {
        "direction": ConversationMessage.Direction.OUT,
        "zl_user_id": follower.zl_user_id,
        "kind": kind,
        "text": text,
        "attachments": attachments,
        "sent_at": now,
        "send_state": ConversationMessage.SendState.SENT,
        "quota_type": sent.quota.quota_type[:32] if sent and sent.quota else "",
        "quota_remaining": sent.quota.remain if sent and sent.quota else None,
        "sent_by": user,
    }
    with transaction.atomic():
        if sent and sent.msg_id:
            # The OA's own `oa_send_*` event may have come first: this send's row completes it.
            message, _created = ConversationMessage.objects.update_or_create(
                oa=follower.oa, msg_id=sent.msg_id[:64], defaults=values
            )
        else:
            message = ConversationMessage.objects.create(oa=follower.oa, **values)
        noted(follower.oa, follower.zl_user_id, direction=ConversationMessage.Direction.OUT, at=now)
    return message


# --- transaction messages -----------------------------------------------------------------------------------


def txn_send(
    *, follower: Follower, user, message: oa_api.TxnMessage, template_type: str, language: str, tracking_id: str
) -> ConversationMessage:
    """Send a transaction message once. The row (with the form's `tracking_id`) is committed before eTelecom is
    called, so a form posted twice finds the first send instead of sending again; `SendZNSTxn` takes no tracking id
    and nothing lists these messages, so an answer that never came leaves the row unconfirmed, never sent again.
    Raises Refused when eTelecom refused (nothing was sent) or the form was already sent."""
    oa = follower.oa
    wire = message.to_api()
    row, created = ConversationMessage.objects.get_or_create(
        oa=oa,
        tracking_id=tracking_id[:64],
        defaults={
            "direction": ConversationMessage.Direction.OUT,
            "zl_user_id": follower.zl_user_id,
            "kind": "transaction",
            "text": "\n".join(part for part in (message.header, message.text) if part),
            "attachments": [{"type": "transaction", "payload": {**wire, "template_type": template_type}}],
            "sent_at": timezone.now(),
            "send_state": ConversationMessage.SendState.SENDING,
            "sent_by": user,
        },
    )
    if not created:
        raise Refused(_("This message was already sent (or is being sent); it is not sent twice."))
    client = shop_client(oa.shop, Actor(user=user))
    try:
        message_id = oa_api.send_txn(
            client,
            oa_id=oa.oa_id,
            user_id=follower.zl_user_id,
            message=message,
            template_type=template_type,
            language=language,
        )
    except AMBIGUOUS as exc:
        row.send_state, row.error = ConversationMessage.SendState.UNCONFIRMED, describe_error(exc)
        row.save(update_fields=["send_state", "error"])
        return row
    except EtelecomError as exc:
        row.send_state, row.error = ConversationMessage.SendState.FAILED, describe_error(exc)
        row.save(update_fields=["send_state", "error"])
        raise Refused.of(exc, row.error) from exc
    row.send_state, row.msg_id = ConversationMessage.SendState.SENT, (message_id or "")[:64]
    with transaction.atomic():
        if row.msg_id:  # the OA's own event about this message may have come first: this row is the one kept
            ConversationMessage.objects.filter(oa=oa, msg_id=row.msg_id).exclude(pk=row.pk).delete()
        row.save(update_fields=["send_state", "msg_id"])
    noted(oa, follower.zl_user_id, direction=ConversationMessage.Direction.OUT, at=row.sent_at)
    return row


# --- webhook events ------------------------------------------------------------------------------------------------


def conversation_message(shop: Shop, data: dict) -> None:
    """`user_send_*` and `oa_send_*`: the message, once per Zalo message id."""
    event = ZaloEvent.from_api(data)
    oa = event_oa(shop, event.oa_id)
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
        noted(oa, values["zl_user_id"][:32], direction=values["direction"], at=values["sent_at"])
