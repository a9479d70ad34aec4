"""Sandbox handlers for consents, ZNS templates, journey tokens and ZNS messages.

It validates as eTelecom would (unknown OA, disconnected OA, template not approved, missing or too long
parameters, quota used up, bad phone), charges quota on every live send, and lets time pass: a consent request is
answered after `consent_reply_seconds` and a ZNS delivered after `delivery_seconds`. Zalo's events go to the OA's
webhook URL in Zalo's shape (`oa_send_consent` SENT and EXPIRED, `user_reply_consent`, `user_received_message`),
and a delivered ZNS also to the `zl_oa_message` webhooks in eTelecom's envelope. How a customer answers follows the
phone's last digit: 0-5 accept, 6-7 refuse, 8 see it and never answer (no event), 9 let the request expire; a ZNS
to a number ending in 7 is never delivered.

Phones are kept and echoed as they were sent (0…, 84… or +84…), and every phone filter matches the three forms.

Longer than ~400 lines on purpose: one module per eTelecom service, as the client's `etelecom/zns.py`; its four
records share the OA, quota, phone and delivery rules above, which split modules would each repeat.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from .api import (
    ID,
    INT,
    PHONE_NUMBER,
    SHOP,
    TIME,
    ApiError,
    Call,
    api,
    check_phone,
    filters,
    in_range,
    invalid,
    paginate,
    phone_key,
)
from .delivery import envelope, millis, zalo_event
from .state import OARecord, State, iso
from .webhook_api import registered_urls

CALL_TYPES = ("audio", "video", "audio_and_video")
REASON_CODES = (
    "product_service_consulting",
    "order_appointment_confirmation",
    "delivery_notification",
    "flight_announcement",
    "update_order",
)
TEMPLATE_TYPES = ("text", "otp", "table", "rating")
MODES = ("unknown", "development")
SENDING_MODES = ("unknown", "default", "tag3")
STATUSES = ("Z", "P", "N")
DELIVERY_STATUSES = ("unknown", "received", "seen")
TOKEN_DAYS = {"token_logistics_7": 7, "token_logistics_30": 30, "token_coach_bus_7": 7, "token_coach_bus_30": 30}
# How long a call permission request stays valid: the docs state no duration, but their consent webhook sample
# puts its `expired_time` 2,592,000,000 ms (30 days) after its `create_time`.
CONSENT_DAYS = 30
# Parameters of the templates Zalo "has", by type: (name, type, required, min length, max length).
PARAMS = {
    "text": [
        ("customer_name", "string", True, 1, 30),
        ("order_code", "string", True, 1, 20),
        ("note", "string", False, 0, 100),
    ],
    "otp": [("otp", "number", True, 4, 8)],
    "table": [
        ("customer_name", "string", True, 1, 30),
        ("order_code", "string", True, 1, 20),
        ("amount", "number", True, 1, 12),
    ],
    "rating": [("customer_name", "string", True, 1, 30), ("order_code", "string", True, 1, 20)],
}
PRICES = {"text": 300, "otp": 250, "table": 400, "rating": 300}


def _oa(call: Call, oa_id, *, connected: bool = True) -> OARecord:
    oa = call.state.oas.get(str(oa_id or ""))
    if oa is None or oa.shop_id != call.shop.id:
        raise ApiError(404, "not_found", f"no OA {oa_id} for this shop")
    if connected and oa.status != "P":
        raise invalid("the OA is not connected; renew its authorization", field="oa_id")
    return oa


def _later(state: State, delay: float, action) -> None:
    if state.later is not None:
        state.later.at(delay, action)


def _to_oa(state: State, oa: OARecord | None, name: str, **fields) -> None:
    """Zalo's events go where the OA's webhook points (UpdateShopOA)."""
    if state.deliver is not None and oa is not None and oa.webhook_url:
        state.deliver(oa.webhook_url, zalo_event(name, oa=oa, at=state.now(), **fields))


def _consent_event(state: State, consent: dict, name: str, **fields) -> None:
    """Zalo names the OA and the phone (in its 84 form), not eTelecom's request."""
    phone = consent["phone"]
    _to_oa(state, state.oas.get(consent["oa_id"]), name, oa_id=consent["oa_id"], phone=f"84{phone[1:]}", **fields)


# --- consents -----------------------------------------------------------------------------------------------


@api(
    "Zalo/RequestConsent",
    scope=SHOP,
    fields={"oa_id": ID, "phone": str, "call_type": str, "reason_code": str},
    required=("oa_id", "phone", "call_type", "reason_code"),
)
def request_consent(call: Call) -> dict:
    payload, state = call.payload, call.state
    if payload["call_type"] not in CALL_TYPES:
        raise invalid(f"call_type must be one of {', '.join(CALL_TYPES)}", field="call_type")
    if payload["reason_code"] not in REASON_CODES:
        raise invalid(f"reason_code must be one of {', '.join(REASON_CODES)}", field="reason_code")
    phone = check_phone(payload["phone"])
    with state.lock:
        oa = _oa(call, payload["oa_id"])
        now = state.now()
        consent = {
            "id": state.new_id(),
            "shop_id": call.shop.id,
            "user_id": "",
            "oa_id": oa.oa_id,
            "phone": phone,
            "call_type": payload["call_type"],
            "reason_code": payload["reason_code"],
            "status": "P",
            "reply_status": "S",
            "delivery_status": "unknown",
            "delivery_time": "",
            "is_charged": True,
            "error_code": 0,
            "error_message": "",
            "expires_at": iso(now + timedelta(days=CONSENT_DAYS)),
            "created_at": iso(now),
            "updated_at": iso(now),
        }
        state.zns_consents.setdefault(call.shop.id, []).append(consent)
    # Zalo reports the request sent a moment after eTelecom answered, and before the customer can answer it.
    sent = {
        "request_type": "SENT",
        "create_time": millis(now),
        "expired_time": millis(now + timedelta(days=CONSENT_DAYS)),
    }
    reply_after = state.zns_timing["consent_reply_seconds"]
    _later(state, reply_after / 2, lambda: _consent_event(state, consent, "oa_send_consent", **sent))
    _later(state, reply_after, lambda: _answer(state, call.shop.id, consent))
    return dict(consent)


def _answer(state: State, shop_id: str, consent: dict) -> None:
    """The customer answers (or not), by the phone's last digit."""
    digit = int(consent["phone"][-1])
    with state.lock:
        if consent not in state.zns_consents.get(shop_id, []):
            return
        now = state.now()
        consent["delivery_status"], consent["delivery_time"] = "seen", iso(now)
        if digit <= 5:
            consent["reply_status"] = "P"
        elif digit <= 7:
            consent["reply_status"] = "N"
        else:
            consent["reply_status"] = "NS"
            if digit == 9:
                consent["expires_at"] = iso(now)
        consent["updated_at"] = iso(now)
        data = dict(consent)
    if digit <= 7:
        until = millis(datetime.fromisoformat(data["expires_at"])) if digit <= 5 else "0"
        reply = "ALLOW" if digit <= 5 else "DENY"
        _consent_event(
            state, data, "user_reply_consent", user_consent=reply, confirmed_time=millis(now), expired_time=until
        )
    elif digit == 9:
        created = millis(datetime.fromisoformat(data["created_at"]))
        _consent_event(
            state, data, "oa_send_consent", request_type="EXPIRED", create_time=created, expired_time=millis(now)
        )


def add_answered_consents(state: State, oa: OARecord, count: int, *, days: int = 30) -> None:
    """`count` requests of the last `days` days, already answered (a data set for syncs of every size)."""
    rows = state.zns_consents.setdefault(oa.shop_id, [])
    now = state.now()
    replies = ("P", "P", "P", "N", "NS")
    for n in range(count):
        created = iso(now - timedelta(days=days) + timedelta(seconds=n * days * 86_400 // max(count, 1)))
        rows.append(
            {
                "id": state.new_id(),
                "shop_id": oa.shop_id,
                "user_id": "",
                "oa_id": oa.oa_id,
                "phone": f"09{(int(oa.oa_id[-4:]) * 1_000_003 + n) % 100_000_000:08d}",
                "call_type": CALL_TYPES[n % 3],
                "reason_code": REASON_CODES[n % 5],
                "status": "P",
                "reply_status": replies[n % 5],
                "delivery_status": "seen",
                "delivery_time": created,
                "is_charged": True,
                "error_code": 0,
                "error_message": "",
                "expires_at": iso(now + timedelta(days=CONSENT_DAYS)),
                "created_at": created,
                "updated_at": created,
            }
        )


def _message(state: State, shop_id: str, oa_id: str, template: dict, phone: str, at: str, **fields) -> dict:
    """A ZNS message as `ListMessages` answers it, sent at `at` (ISO time) and not yet delivered; `fields` replace
    what differs (a development send, a journey, a delivered message)."""
    return {
        "id": state.new_id(),
        "shop_id": shop_id,
        "user_id": "",
        "campaign_id": "",
        "oa_id": oa_id,
        "msg_id": uuid.uuid4().hex,
        "type": "template",
        "status": "P",
        "delivery_status": "unknown",
        "delivery_time": "",
        "sent_time": at,
        "request_time": at,
        "error_code": 0,
        "error_message": "",
        "fee_main": template["price"],
        "fee_token": 0,
        "is_charged": True,
        "is_development": False,
        "sending_mode": "default",
        "response_data": "",
        "journey_id": "",
        "template_id": template["template_id"],
        "template_data": {},
        "phone": phone,
        "zl_user_id": "",
        "rate": 0,
        "note": "",
        "feedback": [],
        "submit_time": "",
        "timeout": template["timeout"],
        "tracking_id": "",
        "created_at": at,
        "updated_at": at,
        **fields,
    }


def add_sent_messages(state: State, oa: OARecord, count: int, *, days: int = 30) -> None:
    """`count` ZNS of the OA's approved templates over the last `days` days, as eTelecom lists them a while after:
    delivered, except to numbers ending in 7 (the demo's message history)."""
    templates = [
        t for (oa_id, _id), t in state.zns_templates.items() if oa_id == oa.oa_id and t["template_status"] == "ENABLE"
    ]
    if not templates:
        return
    rows = state.zns_messages.setdefault(oa.shop_id, [])
    now = state.now()
    for n in range(count):
        template = templates[n % len(templates)]
        sent = iso(now - timedelta(days=days) + timedelta(seconds=n * days * 86_400 // max(count, 1)))
        phone = f"09{(int(oa.oa_id[-4:]) * 7_919 + n) % 100_000_000:08d}"
        delivered = not phone.endswith("7")
        rows.append(
            _message(
                state,
                oa.shop_id,
                oa.oa_id,
                template,
                phone,
                sent,
                delivery_status="received" if delivered else "unknown",
                delivery_time=sent if delivered else "",
            )
        )


@api("Zalo/CheckConsent", scope=SHOP, fields={"oa_id": ID, "phone": str}, required=("oa_id", "phone"))
def check_consent(call: Call) -> dict:
    phone = phone_key(check_phone(call.payload["phone"]))
    state = call.state
    with state.lock:
        oa = _oa(call, call.payload["oa_id"], connected=False)
        now = state.now()
        granted = [
            c
            for c in state.zns_consents.get(call.shop.id, [])
            if c["oa_id"] == oa.oa_id
            and phone_key(c["phone"]) == phone
            and c["reply_status"] == "P"
            and datetime.fromisoformat(c["expires_at"]) > now
        ]
    if not granted:
        return {"error": -201, "message": "the user has not granted the OA permission to call", "expired_time": ""}
    return {"error": 0, "message": "ok", "expired_time": granted[-1]["expires_at"]}


def _matches(record: dict, wanted: dict) -> bool:
    """Whether a record has every converted filter value (`filters`): phones by their key, the rest as equal."""
    for name, expected in wanted.items():
        if name in ("date_from", "date_to"):
            continue
        value = record.get("type" if name == "msg_type" else name)
        if name == "phone":
            if phone_key(value) != expected:
                return False
        elif isinstance(expected, bool):
            if bool(value) != expected:
                return False
        elif str(value) != str(expected):
            return False
    return True


CONSENT_FILTERS = {
    "oa_id": ID,
    "phone": PHONE_NUMBER,
    "call_type": ("unknown", *CALL_TYPES),
    "reason_code": ("unknown", *REASON_CODES),
    "reply_status": ("Z", "S", "NS", "P", "N"),
    "status": STATUSES,
    "is_charged": bool,
    "user_id": ID,
    "date_from": TIME,
    "date_to": TIME,
}


@api("Zalo/ListRequestConsent", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_consents(call: Call) -> dict:
    """The date range applies to the request's last update (`updated_at`): the docs do not say which time."""
    wanted = filters(call.payload, CONSENT_FILTERS)
    with call.state.lock:
        rows = call.state.zns_consents.get(call.shop.id, [])
        if wanted:
            rows = [c for c in rows if _matches(c, wanted) and in_range(c["updated_at"], wanted)]
        page, paging = paginate(rows, _by_id, call.payload)
    return {"consents": [dict(row) for row in page], "paging": paging}


def _by_id(record: dict) -> str:
    """Records keep the order of their ids (which grow and have one length): pages are binary searches."""
    return record["id"]


# --- templates ----------------------------------------------------------------------------------------------


def template_for(state: State, oa: OARecord, template_id: int, kind: str) -> dict:
    """A template as Zalo keeps it; ids ending in 9 are still under review, in 8 were rejected."""
    now = iso(state.now())
    status = {9: "PENDING_REVIEW", 8: "REJECT"}.get(template_id % 10, "ENABLE")
    return {
        "template_id": template_id,
        "oa_id": oa.oa_id,
        "shop_id": oa.shop_id,
        "template_name": f"Mẫu {kind} {template_id}",
        "type": kind,
        "price": PRICES[kind],
        "timeout": 7200,
        "apply_template_quota": kind == "table",
        "template_daily_quota": 200 if kind == "table" else 0,
        "template_remaining_quota": 200 if kind == "table" else 0,
        "template_quality": "HIGH" if status == "ENABLE" else "UNDEFINED",
        "template_status": status,
        "template_tag": "OTP" if kind == "otp" else "IN_TRANSACTION",
        "template_params": [
            {"name": n, "type": t, "require": r, "accept_null": not r, "min_length": lo, "max_length": hi}
            for n, t, r, lo, hi in PARAMS[kind]
        ],
        "preview_url": f"https://zns-preview.sandbox.etelecom.vn/{template_id}",
        "is_journey": kind == "text",
        "created_at": now,
        "updated_at": now,
    }


# Fields of a template that only the list's schema (`mkZlOATemplate`) carries, not the record's example.
LISTED_ONLY = ("oa_id", "shop_id", "is_journey")


def _template_json(template: dict, *, listed: bool = False) -> dict:
    return dict(template) if listed else {k: v for k, v in template.items() if k not in LISTED_ONLY}


@api(
    "Zalo/CreateTemplate",
    scope=SHOP,
    fields={"oa_id": ID, "template_id": INT, "type": str},
    required=("oa_id", "template_id", "type"),
)
def create_template(call: Call) -> dict:
    payload, state = call.payload, call.state
    if payload["type"] not in TEMPLATE_TYPES:
        raise invalid(f"type must be one of {', '.join(TEMPLATE_TYPES)}", field="type")
    if not 100_000 <= payload["template_id"] <= 99_999_999:
        raise invalid("template_id is not a Zalo template of this OA", field="template_id")
    with state.lock:
        oa = _oa(call, payload["oa_id"])
        key = (oa.oa_id, payload["template_id"])
        if key in state.zns_templates:
            raise ApiError(409, "already_exists", f"template {payload['template_id']} is already registered")
        template = template_for(state, oa, payload["template_id"], payload["type"])
        state.zns_templates[key] = template
        return _template_json(template)


def _template(call: Call, oa_id, template_id) -> dict:
    template = call.state.zns_templates.get((str(oa_id), template_id))
    if template is None:
        raise ApiError(404, "not_found", f"template {template_id} is not registered for OA {oa_id}")
    return template


@api("Zalo/GetTemplate", scope=SHOP, fields={"oa_id": ID, "template_id": INT}, required=("oa_id", "template_id"))
def get_template(call: Call) -> dict:
    with call.state.lock:
        oa = _oa(call, call.payload["oa_id"], connected=False)
        return _template_json(_template(call, oa.oa_id, call.payload["template_id"]))


TEMPLATE_FILTERS = {
    "oa_id": ID,
    "type": ("unknown", *TEMPLATE_TYPES),
    "template_id": INT,
    "template_name": str,
    "date_from": TIME,
    "date_to": TIME,
}


@api("Zalo/ListTemplates", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_templates(call: Call) -> dict:
    """`template_name` matches a part of the name, ignoring case; the date range applies to `created_at`."""
    wanted = filters(call.payload, TEMPLATE_FILTERS)
    name = wanted.pop("template_name", "").lower()
    with call.state.lock:
        mine = set(call.state.shop_oas.get(call.shop.id, []))
        rows = [
            _template_json(t, listed=True)
            for (oa_id, _id), t in sorted(call.state.zns_templates.items())
            if oa_id in mine
            and _matches(t, wanted)
            and name in t["template_name"].lower()
            and in_range(t["created_at"], wanted)
        ]
    page, paging = paginate(rows, lambda t: f"{t['oa_id']}:{t['template_id']:012d}", call.payload, "oa_id,template_id")
    return {"templates": page, "paging": paging}


# --- journeys -----------------------------------------------------------------------------------------------


@api(
    "Zalo/CreateJourney",
    scope=SHOP,
    fields={"oa_id": ID, "phone": str, "token_type": str},
    required=("oa_id", "phone"),
)
def create_journey(call: Call) -> dict:
    payload, state = call.payload, call.state
    token_type = payload.get("token_type") or "token_logistics_7"
    if token_type == "unknown":
        token_type = "token_logistics_7"
    if token_type not in TOKEN_DAYS:
        raise invalid(f"token_type must be one of {', '.join(TOKEN_DAYS)}", field="token_type")
    phone = check_phone(payload["phone"])
    with state.lock:
        oa = _oa(call, payload["oa_id"])
        now = state.now()
        journey = {
            "id": state.new_id(),
            "oa_id": oa.oa_id,
            "journey_id": uuid.uuid4().hex[:16],
            "journey_token": state.secret("journey")[:24],
            "phone": phone,
            "status": "P",
            "is_charged": True,
            "error_code": 0,
            "error_message": "",
            "expired_at": iso(now + timedelta(days=TOKEN_DAYS[token_type])),
            "created_at": iso(now),
            "updated_at": iso(now),
        }
        state.zns_journeys.setdefault(call.shop.id, []).append(journey)
        return _journey_json(journey)


def _journey_json(journey: dict) -> dict:
    """A journey as the docs' example shows it: the OA it belongs to is kept for the list's filter only."""
    return {k: v for k, v in journey.items() if k != "oa_id"}


def _journey(call: Call, journey_id) -> dict:
    journey = next(
        (j for j in call.state.zns_journeys.get(call.shop.id, []) if journey_id in (j["journey_id"], j["id"])), None
    )
    if journey is None:
        raise ApiError(404, "not_found", f"no journey {journey_id} for this shop")
    return journey


@api("Zalo/GetJourney", scope=SHOP, fields={"journey_id": str, "oa_id": ID}, required=("journey_id",))
def get_journey(call: Call) -> dict:
    with call.state.lock:
        return _journey_json(_journey(call, call.payload["journey_id"]))


JOURNEY_FILTERS = {
    "oa_id": ID,
    "journey_id": str,
    "phone": PHONE_NUMBER,
    "is_charged": bool,
    "status": STATUSES,
    "date_from": TIME,
    "date_to": TIME,
}


@api("Zalo/ListJourneys", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_journeys(call: Call) -> dict:
    """The date range applies to `created_at`."""
    wanted = filters(call.payload, JOURNEY_FILTERS)
    with call.state.lock:
        rows = [
            j
            for j in call.state.zns_journeys.get(call.shop.id, [])
            if _matches(j, wanted) and in_range(j["created_at"], wanted)
        ]
        page, paging = paginate(rows, _by_id, call.payload)
    return {"journeys": [_journey_json(j) for j in page], "paging": paging}


# --- sending and reading messages ---------------------------------------------------------------------------


def _check_data(template: dict, data) -> dict:
    if not isinstance(data, dict):
        raise invalid("template_data: expected object", field="template_data")
    for param in template["template_params"]:
        value = data.get(param["name"])
        value = "" if value is None else str(value)
        if not value:
            if param["require"] and not param["accept_null"]:
                raise invalid(f"template_data.{param['name']} is required", field=f"template_data.{param['name']}")
            continue
        if not param["min_length"] <= len(value) <= param["max_length"]:
            raise invalid(
                f"template_data.{param['name']}: {param['min_length']} to {param['max_length']} characters",
                field=f"template_data.{param['name']}",
            )
        if param["type"] == "number" and not value.isdigit():
            raise invalid(f"template_data.{param['name']}: digits only", field=f"template_data.{param['name']}")
    return {str(k): str(v) for k, v in data.items()}


def _enum(payload: dict, name: str, values: tuple[str, ...]) -> str:
    value = payload.get(name) or "unknown"
    if value not in values:
        raise invalid(f"{name} must be one of {', '.join(values)}", field=name)
    return value


def _send(call: Call, *, kind: str, journey: dict | None = None) -> dict:
    """A ZNS send. `mode: development` goes to the OA's administrators for free; `sending_mode` (echoed as sent,
    `unknown` when absent) `tag3` lets a whitelisted OA send past its daily quota and is refused for the others."""
    payload, state = call.payload, call.state
    phone = check_phone(payload.get("phone"))
    development = _enum(payload, "mode", MODES) == "development"
    sending_mode = _enum(payload, "sending_mode", SENDING_MODES) if kind == "template" else "unknown"
    with state.lock:
        oa = _oa(call, payload.get("oa_id"))
        template = _template(call, oa.oa_id, payload.get("template_id"))
        if template["template_status"] != "ENABLE":
            raise invalid(
                f"template {template['template_id']} is not approved ({template['template_status']})",
                field="template_id",
            )
        data = _check_data(template, payload.get("template_data") or {})
        if journey is not None and (phone_key(journey["phone"]) != phone_key(phone) or journey["status"] != "P"):
            raise invalid("the journey token is for another phone or no longer active", field="journey_id")
        over_quota = sending_mode == "tag3"
        if over_quota and not oa.tag3_whitelisted:
            raise ApiError(403, "permission_denied", "sending_mode tag3 is only for OAs on Zalo's whitelist")
        if not development:
            if oa.remaining_quota <= 0 and not over_quota:
                raise ApiError(400, "failed_precondition", "the OA's daily ZNS quota is used up", {"oa_id": oa.oa_id})
            if template["apply_template_quota"] and template["template_remaining_quota"] <= 0:
                raise ApiError(400, "failed_precondition", "the template's daily quota is used up")
            oa.remaining_quota = max(oa.remaining_quota - 1, 0)
            if template["apply_template_quota"]:
                template["template_remaining_quota"] -= 1
        now = iso(state.now())
        message = _message(
            state,
            call.shop.id,
            oa.oa_id,
            template,
            phone,
            now,
            type=kind,
            fee_main=0 if development else template["price"],
            is_charged=not development,
            is_development=development,
            sending_mode=sending_mode,
            journey_id=journey["journey_id"] if journey else "",
            template_data=data,
            tracking_id=str(payload.get("tracking_id") or ""),
        )
        state.zns_messages.setdefault(call.shop.id, []).append(message)
    if not phone.endswith("7"):
        _later(state, state.zns_timing["delivery_seconds"], lambda: _deliver(state, call.shop.id, message))
    return dict(message)


def _deliver(state: State, shop_id: str, message: dict) -> None:
    with state.lock:
        if message not in state.zns_messages.get(shop_id, []):
            return
        now = iso(state.now())
        message.update(delivery_status="received", delivery_time=now, updated_at=now)
        data = dict(message)
        urls = registered_urls(state, shop_id, "zl_oa_message")
    receipt = {"msg_id": data["msg_id"], "delivery_time": millis(state.now()), "tracking_id": data["tracking_id"]}
    oa = state.oas.get(data["oa_id"])
    _to_oa(
        state,
        oa,
        "user_received_message",
        sender={"id": data["oa_id"]},
        recipient={"id": data["zl_user_id"]},
        message=receipt,
    )
    if state.deliver is not None:
        for url in urls:
            state.deliver(url, envelope("zl_oa_message", shop_id=shop_id, created_at=now, data=data))


@api(
    "Zalo/SendZNS",
    scope=SHOP,
    fields={
        "oa_id": ID,
        "phone": str,
        "template_id": INT,
        "template_data": dict,
        "tracking_id": str,
        "mode": str,
        "sending_mode": str,
    },
    required=("oa_id", "phone", "template_id"),
)
def send_zns(call: Call) -> dict:
    return _send(call, kind="template")


@api(
    "Zalo/SendZNSJourney",
    scope=SHOP,
    fields={
        "oa_id": ID,
        "journey_id": str,
        "phone": str,
        "template_id": INT,
        "template_data": dict,
        "tracking_id": str,
    },
    required=("oa_id", "journey_id", "phone", "template_id"),
)
def send_zns_journey(call: Call) -> dict:
    with call.state.lock:
        journey = _journey(call, call.payload["journey_id"])
    return _send(call, kind="journey", journey=journey)


@api("Zalo/GetMessage", scope=SHOP, fields={"oa_id": ID, "msg_id": str}, required=("msg_id",))
def get_message(call: Call) -> dict:
    msg_id = call.payload["msg_id"]
    with call.state.lock:
        found = next(
            (m for m in call.state.zns_messages.get(call.shop.id, []) if msg_id in (m["msg_id"], m["id"])), None
        )
        if found is None:
            raise ApiError(404, "not_found", f"no message {msg_id}")
        return dict(found)


# `time_type` says which time the date range applies to; omitted (or `unknown`), the last update.
TIME_TYPES = {"request_time": "request_time", "updated_time": "updated_at", "submit_time": "submit_time"}
MESSAGE_FILTERS = {
    "oa_id": ID,
    "campaign_id": ID,
    "template_id": INT,
    "journey_id": str,
    "msg_id": str,
    "msg_type": ("unknown", "template", "journey", "uid"),
    "is_charged": bool,
    "is_development": bool,
    "delivery_status": DELIVERY_STATUSES,
    "phone": PHONE_NUMBER,
    "status": STATUSES,
    "user_id": ID,
    "tracking_id": str,
    "date_from": TIME,
    "date_to": TIME,
    "time_type": ("unknown", *TIME_TYPES),
}


@api("Zalo/ListMessages", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_messages(call: Call) -> dict:
    wanted = filters(call.payload, MESSAGE_FILTERS)
    moment = TIME_TYPES[wanted.pop("time_type", "updated_time")]
    with call.state.lock:
        rows = call.state.zns_messages.get(call.shop.id, [])
        if wanted:
            rows = [m for m in rows if _matches(m, wanted) and in_range(m[moment], wanted)]
        page, paging = paginate(rows, _by_id, call.payload)
    return {"messages": [dict(row) for row in page], "paging": paging}
