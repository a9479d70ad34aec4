"""Sandbox handlers for an OA's conversations: consulting messages (OASendText, OASendSticker, OASendImage,
OASendFile, RequestUserInfo), transaction messages (SendZNSTxn) and the uploads they take (UploadImage, UploadFile).

The window and the quota (the docs give only the send result's `quota`; docs/sandbox.md, "Readings"): a consulting
message goes to a user whose last interaction with the OA (a message, a follow, recorded by `/_sandbox/oas/<id>/
events` or set by `/_sandbox/oas/<id>/interactions`) is at most `CONSULT_WINDOW` old. The first `REPLY_LIMIT`
messages after each interaction are free replies (`quota_type: reply`); the next ones come from the OA's package
(`sub_quota`); when that is used up too the send is refused. Both refusals are `failed_precondition` with
`meta.reason` `outside_window` or `quota_exhausted`, and nothing is sent.

Longer than ~400 lines on purpose: the window and the quota above are one rule every send of this service
follows; split by kind of message, each module would repeat it.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from .api import ID, SHOP, ApiError, Call, api, invalid
from .state import OARecord, iso

CONSULT_WINDOW = timedelta(hours=48)
REPLY_LIMIT = 8
MAX_TEXT = 2000

IMAGE_TYPES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}
IMAGE_MAX_BYTES = 1024 * 1024
FILE_TYPES = {
    "application/pdf": (b"%PDF-",),
    "application/msword": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
}
FILE_MAX_BYTES = 5 * 1024 * 1024

TEMPLATE_TYPES = (
    "unknown",
    "transaction_billing",
    "transaction_order",
    "transaction_reward",
    "transaction_contract",
    "transaction_booking",
    "transaction_membership",
    "transaction_event",
    "transaction_transaction",
    "transaction_account",
    "transaction_internal",
    "transaction_partnership",
    "transaction_education",
)
LANGUAGES = ("unknown", "VI", "EN")
BUTTON_TYPES = ("unknown", "oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.sms", "oa.open.phone")
MAX_BUTTONS = 4
MAX_BUTTON_TITLE = 100
MAX_PAYLOAD = 1000

CONVERSATION = {"oa_id": ID, "recipient": dict, "message": dict}


def _oa(call: Call, oa_id) -> OARecord:
    oa = call.state.oas.get(str(oa_id or ""))
    if oa is None or oa.shop_id != call.shop.id:
        raise ApiError(404, "not_found", f"no OA {oa_id} for this shop")
    if oa.status != "P":
        raise invalid("the OA is not connected; renew its authorization", field="oa_id")
    return oa


def _http_url(value, name: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid(f"{name} must be an absolute http(s) URL", field=name)
    return value


def _only(value: dict, names: tuple[str, ...], where: str) -> dict:
    """`value` when it is an object with only the documented fields, each a string."""
    if not isinstance(value, dict):
        raise invalid(f"{where}: expected object", field=where)
    for name, item in value.items():
        if name not in names:
            raise invalid(f"{where}.{name} is not a documented field (it takes {', '.join(names)})", field=where)
        if not isinstance(item, str):
            raise invalid(f"{where}.{name}: expected string", field=f"{where}.{name}")
    return value


def _follower(call: Call, oa: OARecord, user_id, field: str) -> dict:
    if not isinstance(user_id, str) or not user_id:
        raise invalid(f"{field} is required", field=field)
    row = next((row for row in call.state.followers.get(oa.oa_id, []) if row["zl_user_id"] == user_id), None)
    if row is None:
        raise ApiError(404, "not_found", f"Zalo user {user_id} has never interacted with OA {oa.oa_id}")
    return row


def _recipient(call: Call, oa: OARecord) -> dict:
    recipient = _only(call.payload.get("recipient") or {}, ("user_id",), "recipient")
    return _follower(call, oa, recipient.get("user_id"), "recipient.user_id")


def _spend(call: Call, oa: OARecord, user: dict) -> dict:
    """Take one consulting message from the reply window or the package: its `quota` object, or a refusal."""
    state = call.state
    now = state.now()
    key = (oa.oa_id, user["zl_user_id"])
    last = state.interactions.get(key)
    if last is None or now - last > state.consult_window:
        since = f"since {iso(last)}" if last else "ever"
        raise ApiError(
            400,
            "failed_precondition",
            f"Zalo user {user['zl_user_id']} has not interacted with the OA {since}: the consulting window is closed",
            {"reason": "outside_window", "oa_id": oa.oa_id},
        )
    used = state.replies_used.get(key, 0)
    if used < REPLY_LIMIT:
        state.replies_used[key] = used + 1
        remain, total, kind, expires = REPLY_LIMIT - used - 1, REPLY_LIMIT, "reply", last + state.consult_window
    elif oa.consult_quota_remain > 0:
        oa.consult_quota_remain -= 1
        remain, total, kind, expires = oa.consult_quota_remain, oa.consult_quota_total, "sub_quota", oa.expires_at
    else:
        raise ApiError(
            400,
            "failed_precondition",
            "the reply window's messages and the OA's consulting quota are used up",
            {"reason": "quota_exhausted", "oa_id": oa.oa_id},
        )
    return {
        "quota_type": kind,
        "remain": str(remain),
        "total": str(total),
        "expired_date": iso(expires),
        "owner_type": "OA",
        "owner_id": oa.oa_id,
    }


def _conversation(call: Call, oa: OARecord, user: dict, kind: str, content: dict, quota: dict) -> dict:
    """Record a sent consulting message and answer `mrZlOAConversation`."""
    state = call.state
    answer = {
        "direction": "out",
        "msg_id": uuid.uuid4().hex,
        "oa_id": oa.oa_id,
        "quota": quota,
        "recipient_id": user["zl_user_id"],
        "sender_id": oa.oa_id,
        "shop_id": oa.shop_id,
        "type": kind,
        "user_id": user["id"],
        "wl_partner_id": call.partner.id if call.partner is not None else "0",
        "zl_user_id": user["zl_user_id"],
    }
    state.oa_messages.setdefault(oa.oa_id, []).append({**answer, "message": content, "sent_at": iso(state.now())})
    user["has_conversation"] = True
    return answer


def _consulting(call: Call, kind: str, fields: tuple[str, ...], check) -> dict:
    with call.state.lock:
        oa = _oa(call, call.payload["oa_id"])
        user = _recipient(call, oa)
        message = _only(call.payload.get("message") or {}, fields, "message")
        content = check(call, oa, message)
        quota = _spend(call, oa, user)
        return _conversation(call, oa, user, kind, content, quota)


def _text(call: Call, oa: OARecord, message: dict) -> dict:
    text = message.get("text") or ""
    if not text.strip():
        raise invalid("message.text is required", field="message.text")
    if len(text) > MAX_TEXT:
        raise invalid(f"message.text is longer than {MAX_TEXT} characters", field="message.text")
    return {"text": text}


def _sticker(call: Call, oa: OARecord, message: dict) -> dict:
    sticker = message.get("attachment_id") or ""
    if not sticker.strip():
        raise invalid("message.attachment_id (the sticker id) is required", field="message.attachment_id")
    return {"attachment_id": sticker}


def _upload(call: Call, oa: OARecord, key: str, kind: str, field: str) -> dict:
    upload = call.state.uploads.get(key)
    if upload is None or upload["oa_id"] != oa.oa_id or upload["kind"] != kind:
        raise invalid(f"{field} is not a {kind} uploaded for this OA", field=field)
    return upload


def _image(call: Call, oa: OARecord, message: dict) -> dict:
    """The docs' sample sends both fields: an `attachment_id` is used when given, else the `image_url`."""
    if message.get("attachment_id"):
        _upload(call, oa, message["attachment_id"], "image", "message.attachment_id")
        return {"attachment_id": message["attachment_id"]}
    if message.get("image_url"):
        return {"image_url": _http_url(message["image_url"], "message.image_url")}
    raise invalid("message takes an attachment_id (from UploadImage) or an image_url", field="message")


def _file(call: Call, oa: OARecord, message: dict) -> dict:
    token = message.get("token") or ""
    if not token:
        raise invalid("message.token (from UploadFile) is required", field="message.token")
    _upload(call, oa, token, "file", "message.token")
    return {"token": token}


@api("Zalo/OASendText", scope=SHOP, fields=CONVERSATION, required=("oa_id", "recipient", "message"))
def oa_send_text(call: Call) -> dict:
    return _consulting(call, "text", ("text",), _text)


@api("Zalo/OASendSticker", scope=SHOP, fields=CONVERSATION, required=("oa_id", "recipient", "message"))
def oa_send_sticker(call: Call) -> dict:
    return _consulting(call, "sticker", ("attachment_id",), _sticker)


@api("Zalo/OASendImage", scope=SHOP, fields=CONVERSATION, required=("oa_id", "recipient", "message"))
def oa_send_image(call: Call) -> dict:
    return _consulting(call, "photo", ("attachment_id", "image_url"), _image)


@api("Zalo/OASendFile", scope=SHOP, fields=CONVERSATION, required=("oa_id", "recipient", "message"))
def oa_send_file(call: Call) -> dict:
    return _consulting(call, "file", ("token",), _file)


@api(
    "Zalo/RequestUserInfo",
    scope=SHOP,
    fields={"oa_id": ID, "zl_user_id": ID, "title": str, "subtitle": str, "image_url": str},
    required=("oa_id", "zl_user_id"),
)
def request_user_info(call: Call) -> dict:
    """The VN page's limits: `title` 100 characters, `subtitle` 500. A consulting message: the window applies."""
    payload = call.payload
    for name, most in (("title", 100), ("subtitle", 500)):
        if len(payload.get(name) or "") > most:
            raise invalid(f"{name} is longer than {most} characters", field=name)
    if payload.get("image_url"):
        _http_url(payload["image_url"], "image_url")
    with call.state.lock:
        oa = _oa(call, payload["oa_id"])
        user = _follower(call, oa, payload["zl_user_id"], "zl_user_id")
        quota = _spend(call, oa, user)
        content = {name: payload[name] for name in ("title", "subtitle", "image_url") if payload.get(name)}
        _conversation(call, oa, user, "business_card", {"request_user_info": content}, quota)
    return {"updated": 1}


# --- transaction messages -----------------------------------------------------------------------------------


def _enum(value, values: tuple[str, ...], field: str) -> str:
    value = value or "unknown"
    if not isinstance(value, str) or value not in values:
        raise invalid(f"{field} must be one of {', '.join(values)}", field=field)
    return value


def _block(message: dict, name: str, *, required: bool) -> None:
    if name not in message:
        if required:
            raise invalid(f"message.{name}.content is required", field=f"message.{name}")
        return
    block = _only(message[name], ("align", "content"), f"message.{name}")
    if not (block.get("content") or "").strip():
        raise invalid(f"message.{name}.content is required", field=f"message.{name}.content")


def _button(call: Call, oa: OARecord, button, where: str) -> None:
    if not isinstance(button, dict):
        raise invalid(f"{where}: expected object", field=where)
    unknown = set(button) - {"image_icon", "payload", "title", "type"}
    if unknown:
        raise invalid(f"{where}.{sorted(unknown)[0]} is not a documented field", field=where)
    title = button.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_BUTTON_TITLE:
        raise invalid(f"{where}.title is required, at most {MAX_BUTTON_TITLE} characters", field=f"{where}.title")
    kind = _enum(button.get("type"), BUTTON_TYPES, f"{where}.type")
    if kind == "unknown":
        raise invalid(f"{where}.type is required", field=f"{where}.type")
    payload = _only(button.get("payload") or {}, ("content", "phone_code", "url"), f"{where}.payload")
    needs = {
        "oa.open.url": ("url",),
        "oa.query.show": ("content",),
        "oa.query.hide": ("content",),
        "oa.open.sms": ("content", "phone_code"),
        "oa.open.phone": ("phone_code",),
    }[kind]
    for name in needs:
        if not payload.get(name):
            raise invalid(f"{where}.payload.{name} is required for {kind}", field=f"{where}.payload.{name}")
    if "url" in needs:
        _http_url(payload["url"], f"{where}.payload.url")
    if len(payload.get("content") or "") > MAX_PAYLOAD:
        raise invalid(f"{where}.payload.content is longer than {MAX_PAYLOAD}", field=f"{where}.payload.content")
    icon = button.get("image_icon") or ""
    if not isinstance(icon, str):
        raise invalid(f"{where}.image_icon: expected string", field=f"{where}.image_icon")
    if icon and icon != "default" and not icon.startswith(("http://", "https://")):
        _upload(call, oa, icon, "image", f"{where}.image_icon")


def _txn_message(call: Call, oa: OARecord, message: dict) -> None:
    names = ("buttons", "content_banner", "content_header", "content_table", "content_text")
    unknown = set(message) - set(names)
    if unknown:
        raise invalid(f"message.{sorted(unknown)[0]} is not a documented field", field="message")
    _block(message, "content_header", required=True)
    _block(message, "content_text", required=False)
    if "content_banner" in message:
        banner = _only(message["content_banner"], ("attachment_id", "image_url"), "message.content_banner")
        if banner.get("attachment_id"):
            _upload(call, oa, banner["attachment_id"], "image", "message.content_banner.attachment_id")
        elif banner.get("image_url"):
            _http_url(banner["image_url"], "message.content_banner.image_url")
    table = message.get("content_table", [])
    if not isinstance(table, list):
        raise invalid("message.content_table: expected array", field="message.content_table")
    for number, row in enumerate(table):
        row = _only(row, ("key", "style", "value"), f"message.content_table[{number}]")
        if not row.get("key") or not row.get("value"):
            raise invalid(f"message.content_table[{number}] needs a key and a value", field="message.content_table")
    buttons = message.get("buttons", [])
    if not isinstance(buttons, list) or len(buttons) > MAX_BUTTONS:
        raise invalid(f"message.buttons: an array of at most {MAX_BUTTONS}", field="message.buttons")
    for number, button in enumerate(buttons):
        _button(call, oa, button, f"message.buttons[{number}]")


@api(
    "Zalo/SendZNSTxn",
    scope=SHOP,
    fields={**CONVERSATION, "language": str, "template_type": str},
    required=("oa_id", "recipient", "message"),
)
def send_zns_txn(call: Call) -> dict:
    """A transaction message goes to any user who has interacted with the OA, without the consulting window (the
    docs give no rule; Zalo charges these per message)."""
    payload = call.payload
    template_type = _enum(payload.get("template_type"), TEMPLATE_TYPES, "template_type")
    language = _enum(payload.get("language"), LANGUAGES, "language")
    with call.state.lock:
        oa = _oa(call, payload["oa_id"])
        user = _recipient(call, oa)
        _txn_message(call, oa, payload["message"])
        message_id = uuid.uuid4().hex
        call.state.oa_messages.setdefault(oa.oa_id, []).append(
            {
                "message_id": message_id,
                "type": "transaction",
                "template_type": template_type,
                "language": language,
                "zl_user_id": user["zl_user_id"],
                "message": payload["message"],
                "sent_at": iso(call.state.now()),
            }
        )
    return {"message_id": message_id}


# --- uploads --------------------------------------------------------------------------------------------------

UPLOAD = {"oa_id": ID, "file_name": str, "content_type": str, "data": str}


def _store(call: Call, kind: str, types: dict, most: int) -> str:
    payload = call.payload
    content_type = payload["content_type"].split(";")[0].strip().lower()
    if content_type not in types:
        raise invalid(f"content_type must be one of {', '.join(types)}", field="content_type")
    try:
        content = base64.b64decode(payload["data"], validate=True)
    except (binascii.Error, ValueError):
        raise invalid("data is not base64", field="data") from None
    if not content:
        raise invalid("data is empty", field="data")
    if len(content) > most:
        raise invalid(f"the {kind} is larger than {most // 1024} KiB", field="data")
    if not content.startswith(types[content_type]):
        raise invalid(f"data is not a {content_type} file", field="data")
    name = payload["file_name"]
    if len(name) > 255 or "/" in name or "\\" in name or any(ord(char) < 32 for char in name):
        raise invalid("file_name must be a plain file name", field="file_name")
    with call.state.lock:
        oa = _oa(call, payload["oa_id"])
        key = uuid.uuid4().hex
        call.state.uploads[key] = {
            "oa_id": oa.oa_id,
            "kind": kind,
            "file_name": name,
            "content_type": content_type,
            "size": len(content),
        }
    return key


@api("Zalo/UploadImage", scope=SHOP, fields=UPLOAD, required=tuple(UPLOAD))
def upload_image(call: Call) -> dict:
    return {"attachment_id": _store(call, "image", IMAGE_TYPES, IMAGE_MAX_BYTES)}


@api("Zalo/UploadFile", scope=SHOP, fields=UPLOAD, required=tuple(UPLOAD))
def upload_file(call: Call) -> dict:
    return {"token": _store(call, "file", FILE_TYPES, FILE_MAX_BYTES)}
