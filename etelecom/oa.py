"""Zalo OA conversations: consulting messages (text, sticker, image, file, the user-information form), transaction
messages (`SendZNSTxn`) and the uploads that image and file messages need.

Every call takes a shop's key and is a write: the client never repeats it. Zalo lets an OA send consulting messages
only within a window after the customer's last interaction, and counts each against a quota that the send result
reports (`SentMessage.quota`); a send outside the window raises `ConsultingWindowClosed`, one past the quota
`ConsultingQuotaExhausted`, before anything reaches the customer.

The upload has no page in the stored docs. The reading chosen (docs/sandbox.md, "Readings"): two JSON methods like
every other call, `Zalo/UploadImage` answering the `attachment_id` that OASendImage and SendZNSTxn take, and
`Zalo/UploadFile` answering the `token` that OASendFile takes; the file travels base64-encoded in `data`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from . import errors, fields
from .client import Client

SERVICE = "Zalo"

METHODS = (
    "Zalo/OASendText",
    "Zalo/OASendSticker",
    "Zalo/OASendImage",
    "Zalo/OASendFile",
    "Zalo/RequestUserInfo",
    "Zalo/SendZNSTxn",
    "Zalo/UploadImage",
    "Zalo/UploadFile",
)

# `quota.quota_type`: which allowance paid for a consulting message (§0.5 `mrZlQuota`).
QUOTA_REPLY = "reply"  # inside Zalo's reply window after the customer's last interaction
QUOTA_TYPES = ("reply", "sub_quota", "purchase_quota", "reward_quota")

# What the uploads take (the sandbox's reading, after Zalo's own upload limits).
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")
IMAGE_MAX_BYTES = 1024 * 1024
FILE_TYPES = (
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
FILE_MAX_BYTES = 5 * 1024 * 1024

# `SendZNSTxn`: the documented button types (the table is cut after `oa.open.sms`), at most 4 buttons.
BUTTON_TYPES = ("oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.sms", "oa.open.phone")
MAX_BUTTONS = 4

# `meta.reason` of a refused consulting send.
REASON_WINDOW_CLOSED = "outside_window"
REASON_QUOTA_EXHAUSTED = "quota_exhausted"


class ConsultingWindowClosed(errors.FailedPrecondition):
    """The customer's last interaction is older than Zalo's consulting window: nothing was sent."""


class ConsultingQuotaExhausted(errors.FailedPrecondition):
    """The reply window's messages and the OA's consulting quota are used up: nothing was sent."""


REASONS = {REASON_WINDOW_CLOSED: ConsultingWindowClosed, REASON_QUOTA_EXHAUSTED: ConsultingQuotaExhausted}


@dataclass(frozen=True, slots=True)
class Quota:
    """`mrZlQuota`: the allowance a consulting message was taken from and what is left of it (all strings on the
    wire). `remain` counts the reply window's messages for `reply`, the package's for `sub_quota`."""

    quota_type: str
    remain: int | None
    total: int | None
    expired_date: str
    owner_type: str
    owner_id: str
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> Quota:
        return cls(
            quota_type=fields.text(data, "quota_type"),
            remain=fields.integer(data, "remain"),
            total=fields.integer(data, "total"),
            expired_date=fields.text(data, "expired_date"),
            owner_type=fields.text(data, "owner_type"),
            owner_id=fields.ident(data, "owner_id"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class SentMessage:
    """`mrZlOAConversation`, the answer of OASendText, OASendSticker, OASendImage and OASendFile. `quota` is None
    when the answer carries none (the OASendFile sample has none). `user_id` is an eTelecom user id; the Zalo user
    is `zl_user_id`."""

    msg_id: str
    direction: str
    type: str
    oa_id: str
    shop_id: str
    user_id: str
    zl_user_id: str
    recipient_id: str
    sender_id: str
    wl_partner_id: str
    quota: Quota | None
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> SentMessage:
        quota = data.get("quota")
        return cls(
            msg_id=fields.text(data, "msg_id"),
            direction=fields.text(data, "direction"),
            type=fields.text(data, "type"),
            oa_id=fields.ident(data, "oa_id"),
            shop_id=fields.ident(data, "shop_id"),
            user_id=fields.ident(data, "user_id"),
            zl_user_id=fields.ident(data, "zl_user_id"),
            recipient_id=fields.ident(data, "recipient_id"),
            sender_id=fields.ident(data, "sender_id"),
            wl_partner_id=fields.ident(data, "wl_partner_id"),
            quota=Quota.from_api(quota) if isinstance(quota, dict) else None,
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class TxnButton:
    """A call-to-action button of a transaction message. `payload` keys by type: `url` (`oa.open.url`), the
    string sent back (`content`, for `oa.query.*`), `content` and `phone_code` (`oa.open.sms`), `phone_code`
    (`oa.open.phone`). `image_icon`: an image URL, an `attachment_id`, or "" for Zalo's default icon."""

    title: str
    type: str
    payload: dict[str, str]
    image_icon: str = ""

    def to_api(self) -> dict:
        return {"title": self.title, "type": self.type, "payload": dict(self.payload), "image_icon": self.image_icon}


@dataclass(frozen=True, slots=True)
class TxnMessage:
    """The `message` of `SendZNSTxn`: one banner (an uploaded image's `attachment_id` or an `image_url`), one
    header, one text, a key/value table and up to four buttons. `align` and `style` values are not in the stored
    docs: they are passed as given ("" leaves them out)."""

    header: str
    text: str = ""
    table: tuple[tuple[str, str], ...] = ()
    buttons: tuple[TxnButton, ...] = ()
    banner_attachment_id: str = ""
    banner_image_url: str = ""
    header_align: str = ""
    text_align: str = ""
    table_style: str = ""

    def to_api(self) -> dict:
        message: dict = {"content_header": _block(self.header, self.header_align)}
        if self.text:
            message["content_text"] = _block(self.text, self.text_align)
        if self.table:
            message["content_table"] = [
                {"key": key, "value": value, **({"style": self.table_style} if self.table_style else {})}
                for key, value in self.table
            ]
        if self.buttons:
            message["buttons"] = [button.to_api() for button in self.buttons]
        if self.banner_attachment_id or self.banner_image_url:
            banner = {"attachment_id": self.banner_attachment_id, "image_url": self.banner_image_url}
            message["content_banner"] = {name: value for name, value in banner.items() if value}
        return message


def _block(content: str, align: str) -> dict:
    return {"content": content, **({"align": align} if align else {})}


def _send(client: Client, method: str, payload: dict) -> dict:
    """One consulting send; a refusal for the window or the quota raises its own class."""
    try:
        return client.call(SERVICE, method, payload)
    except errors.FailedPrecondition as exc:
        cls = REASONS.get(str(exc.meta.get("reason") or ""))
        if cls is None:
            raise
        raise cls(exc.msg, code=exc.code, status=exc.status, method=exc.method, meta=exc.meta) from exc


def _conversation(oa_id: str, user_id: str, message: dict) -> dict:
    return {"oa_id": oa_id, "recipient": {"user_id": user_id}, "message": message}


def send_text(client: Client, *, oa_id: str, user_id: str, text: str) -> SentMessage:
    """A text consulting message to the Zalo user `user_id` (a follower's `zl_user_id`)."""
    return SentMessage.from_api(_send(client, "OASendText", _conversation(oa_id, user_id, {"text": text})))


def send_sticker(client: Client, *, oa_id: str, user_id: str, sticker_id: str) -> SentMessage:
    """A sticker (its Zalo sticker id, sent as `message.attachment_id`)."""
    payload = _conversation(oa_id, user_id, {"attachment_id": sticker_id})
    return SentMessage.from_api(_send(client, "OASendSticker", payload))


def send_image(
    client: Client, *, oa_id: str, user_id: str, attachment_id: str = "", image_url: str = ""
) -> SentMessage:
    """An image: an uploaded one (`attachment_id` from `upload_image`) or a public `image_url`, exactly one."""
    if bool(attachment_id) == bool(image_url):
        raise ValueError("send_image takes an attachment_id or an image_url, one of them")
    message = {"attachment_id": attachment_id} if attachment_id else {"image_url": image_url}
    return SentMessage.from_api(_send(client, "OASendImage", _conversation(oa_id, user_id, message)))


def send_file(client: Client, *, oa_id: str, user_id: str, token: str) -> SentMessage:
    """A file uploaded with `upload_file` (its `token`)."""
    return SentMessage.from_api(_send(client, "OASendFile", _conversation(oa_id, user_id, {"token": token})))


def request_user_info(
    client: Client, *, oa_id: str, zl_user_id: str, title: str = "", subtitle: str = "", image_url: str = ""
) -> int:
    """The Zalo card asking the user to share their details (shared later as the follower's `shared_info`).
    `title` (≤ 100 characters), `subtitle` (≤ 500) and `image_url` are sent only when given. Returns the
    answer's `updated` (1 when the card went out)."""
    payload = {"oa_id": oa_id, "zl_user_id": zl_user_id}
    for name, value in (("title", title), ("subtitle", subtitle), ("image_url", image_url)):
        if value:
            payload[name] = value
    return fields.integer(_send(client, "RequestUserInfo", payload), "updated", default=0)


def send_txn(
    client: Client,
    *,
    oa_id: str,
    user_id: str,
    message: TxnMessage,
    template_type: str = "",
    language: str = "",
) -> str:
    """A transaction message; returns its `message_id`. `template_type` and `language` (values not in the stored
    docs; the sandbox takes `transaction_order`, ... and `VI`/`EN`) are sent only when given. No tracking id
    exists for this call and no list to read it back: a timeout leaves the outcome unknown, never resend blindly."""
    payload = {"oa_id": oa_id, "recipient": {"user_id": user_id}, "message": message.to_api()}
    if template_type:
        payload["template_type"] = template_type
    if language:
        payload["language"] = language
    return fields.text(client.call(SERVICE, "SendZNSTxn", payload), "message_id")


def _upload(client: Client, method: str, *, oa_id: str, name: str, content: bytes, content_type: str) -> dict:
    payload = {
        "oa_id": oa_id,
        "file_name": name,
        "content_type": content_type,
        "data": base64.b64encode(content).decode("ascii"),
    }
    return client.call(SERVICE, method, payload)


def upload_image(client: Client, *, oa_id: str, name: str, content: bytes, content_type: str) -> str:
    """Upload an image (`IMAGE_TYPES`, at most `IMAGE_MAX_BYTES`) for OASendImage or a transaction message's
    banner or button icon; returns its `attachment_id`."""
    answer = _upload(client, "UploadImage", oa_id=oa_id, name=name, content=content, content_type=content_type)
    return fields.text(answer, "attachment_id")


def upload_file(client: Client, *, oa_id: str, name: str, content: bytes, content_type: str) -> str:
    """Upload a file (`FILE_TYPES`, at most `FILE_MAX_BYTES`) for OASendFile; returns its `token`."""
    answer = _upload(client, "UploadFile", oa_id=oa_id, name=name, content=content, content_type=content_type)
    return fields.text(answer, "token")
