"""Sandbox handlers for consents, ZNS templates, journey tokens and ZNS messages.

It validates as eTelecom would (unknown OA, disconnected OA, template not approved, missing or too long
parameters, quota used up, bad phone), charges quota on every live send, and lets time pass: a consent request is
answered after `consent_reply_seconds` and a ZNS delivered after `delivery_seconds`. Zalo's events go to the OA's
webhook URL in Zalo's shape (`oa_send_consent` SENT and EXPIRED, `user_reply_consent`, `user_received_message`),
and a delivered ZNS also to the `zl_oa_message` webhooks in eTelecom's envelope. How a customer answers follows the
phone's last digit: 0-5 accept, 6-7 refuse, 8 see it and never answer (no event), 9 let the request expire; a ZNS
to a number ending in 7 is never delivered.
"""

from __future__ import annotations

import bisect
import re
import uuid
from datetime import datetime, timedelta

from .api import SHOP, ApiError, Call, api, invalid, page_request, page_response, paginate
from .delivery import envelope, millis, zalo_event
from .state import OARecord, State, iso
from .webhook_api import registered_urls

PHONE = re.compile(r"^(0|84)[1-9]\d{8}$")
CALL_TYPES = ("audio", "video", "audio_and_video")
REASON_CODES = (
    "product_service_consulting",
    "order_appointment_confirmation",
    "delivery_notification",
    "flight_announcement",
    "update_order",
)
TEMPLATE_TYPES = ("text", "otp", "table", "rating")
TOKEN_DAYS = {"token_logistics_7": 7, "token_logistics_30": 30, "token_coach_bus_7": 7, "token_coach_bus_30": 30}
CONSENT_DAYS = 7
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


def _phone(value) -> str:
    if not isinstance(value, str) or not PHONE.match(value.strip()):
        raise invalid("phone must be a Vietnamese number (0xxxxxxxxx or 84xxxxxxxxx)", field="phone")
    value = value.strip()
    return "0" + value[2:] if value.startswith("84") else value


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
    fields={"oa_id": str, "phone": str, "call_type": str, "reason_code": str},
    required=("oa_id", "phone", "call_type", "reason_code"),
)
def request_consent(call: Call) -> dict:
    payload, state = call.payload, call.state
    if payload["call_type"] not in CALL_TYPES:
        raise invalid(f"call_type must be one of {', '.join(CALL_TYPES)}", field="call_type")
    if payload["reason_code"] not in REASON_CODES:
        raise invalid(f"reason_code must be one of {', '.join(REASON_CODES)}", field="reason_code")
    phone = _phone(payload["phone"])
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


@api("Zalo/CheckConsent", scope=SHOP, fields={"oa_id": str, "phone": str}, required=("oa_id", "phone"))
def check_consent(call: Call) -> dict:
    phone = _phone(call.payload["phone"])
    state = call.state
    with state.lock:
        oa = _oa(call, call.payload["oa_id"], connected=False)
        now = state.now()
        granted = [
            c
            for c in state.zns_consents.get(call.shop.id, [])
            if c["oa_id"] == oa.oa_id
            and c["phone"] == phone
            and c["reply_status"] == "P"
            and datetime.fromisoformat(c["expires_at"]) > now
        ]
    if not granted:
        return {"error": -201, "message": "the user has not granted the OA permission to call", "expired_time": ""}
    return {"error": 0, "message": "ok", "expired_time": granted[-1]["expires_at"]}


def _matches(record: dict, filters: dict, names: tuple[str, ...]) -> bool:
    for name in names:
        if name in filters and filters[name] not in (None, ""):
            expected = filters[name]
            value = record.get(name)
            if isinstance(expected, bool) or isinstance(value, bool):
                if bool(value) != bool(expected):
                    return False
            elif str(value) != str(expected):
                return False
    return True


def _in_range(moment: str, filters: dict) -> bool:
    if not moment:
        return not (filters.get("date_from") or filters.get("date_to"))
    value = datetime.fromisoformat(moment)
    for name, keep in (("date_from", lambda a, b: a >= b), ("date_to", lambda a, b: a <= b)):
        bound = filters.get(name)
        if bound:
            try:
                limit = datetime.fromisoformat(str(bound).replace("Z", "+00:00"))
            except ValueError:
                raise invalid(f"filter.{name}: not an RFC 3339 date-time", field=f"filter.{name}") from None
            if not keep(value, limit):
                return False
    return True


def _page_by_id(rows: list[dict], payload: dict) -> tuple[list[dict], dict]:
    """A page of records kept in id order (ids grow and have one length): a binary search, not a scan, so a
    list of 100,000 consents pages in constant time."""
    position, limit = page_request(payload)
    start = bisect.bisect_right(rows, position, key=lambda row: row["id"]) if position else 0
    page = rows[start : start + limit]
    last = page[-1]["id"] if start + limit < len(rows) else None
    return [dict(row) for row in page], page_response(last, limit, (payload.get("paging") or {}).get("after") or "")


def _filters(call: Call) -> dict:
    filters = call.payload.get("filter") or {}
    if not isinstance(filters, dict):
        raise invalid("filter: expected object", field="filter")
    return filters


@api("Zalo/ListRequestConsent", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_consents(call: Call) -> dict:
    filters = _filters(call)
    names = ("oa_id", "phone", "call_type", "reason_code", "reply_status", "status", "is_charged", "user_id")
    with call.state.lock:
        rows = call.state.zns_consents.get(call.shop.id, [])
        if filters:
            rows = [c for c in rows if _matches(c, filters, names) and _in_range(c["updated_at"], filters)]
        page, paging = _page_by_id(rows, call.payload)
    return {"consents": page, "paging": paging}


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


@api(
    "Zalo/CreateTemplate",
    scope=SHOP,
    fields={"oa_id": str, "template_id": int, "type": str},
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
        return dict(template)


def _template(call: Call, oa_id, template_id) -> dict:
    if not isinstance(template_id, int) or isinstance(template_id, bool):
        raise invalid("template_id: expected integer", field="template_id")
    template = call.state.zns_templates.get((str(oa_id), template_id))
    if template is None:
        raise ApiError(404, "not_found", f"template {template_id} is not registered for OA {oa_id}")
    return template


@api("Zalo/GetTemplate", scope=SHOP, fields={"oa_id": str, "template_id": int}, required=("oa_id", "template_id"))
def get_template(call: Call) -> dict:
    with call.state.lock:
        oa = _oa(call, call.payload["oa_id"], connected=False)
        return dict(_template(call, oa.oa_id, call.payload["template_id"]))


@api("Zalo/ListTemplates", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_templates(call: Call) -> dict:
    filters = _filters(call)
    with call.state.lock:
        mine = set(call.state.shop_oas.get(call.shop.id, []))
        rows = [
            dict(t)
            for (oa_id, _id), t in sorted(call.state.zns_templates.items())
            if oa_id in mine
            and _matches(t, filters, ("oa_id", "type", "template_id"))
            and (not filters.get("template_name") or filters["template_name"].lower() in t["template_name"].lower())
            and _in_range(t["created_at"], filters)
        ]
    page, paging = paginate(rows, lambda t: f"{t['oa_id']}:{t['template_id']:012d}", call.payload)
    return {"templates": page, "paging": paging}


# --- journeys -----------------------------------------------------------------------------------------------


@api(
    "Zalo/CreateJourney",
    scope=SHOP,
    fields={"oa_id": str, "phone": str, "token_type": str},
    required=("oa_id", "phone"),
)
def create_journey(call: Call) -> dict:
    payload, state = call.payload, call.state
    token_type = payload.get("token_type") or "token_logistics_7"
    if token_type == "unknown":
        token_type = "token_logistics_7"
    if token_type not in TOKEN_DAYS:
        raise invalid(f"token_type must be one of {', '.join(TOKEN_DAYS)}", field="token_type")
    phone = _phone(payload["phone"])
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
        return dict(journey)


def _journey(call: Call, journey_id) -> dict:
    journey = next(
        (j for j in call.state.zns_journeys.get(call.shop.id, []) if journey_id in (j["journey_id"], j["id"])), None
    )
    if journey is None:
        raise ApiError(404, "not_found", f"no journey {journey_id} for this shop")
    return journey


@api("Zalo/GetJourney", scope=SHOP, fields={"journey_id": str, "oa_id": str}, required=("journey_id",))
def get_journey(call: Call) -> dict:
    with call.state.lock:
        return dict(_journey(call, call.payload["journey_id"]))


@api("Zalo/ListJourneys", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_journeys(call: Call) -> dict:
    filters = _filters(call)
    names = ("oa_id", "journey_id", "phone", "is_charged", "status")
    with call.state.lock:
        rows = [
            dict(j)
            for j in call.state.zns_journeys.get(call.shop.id, [])
            if _matches(j, filters, names) and _in_range(j["created_at"], filters)
        ]
    page, paging = paginate(rows, lambda j: j["id"], call.payload)
    return {"journeys": page, "paging": paging}


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


def _send(call: Call, *, kind: str, journey: dict | None = None) -> dict:
    payload, state = call.payload, call.state
    phone = _phone(payload.get("phone"))
    development = payload.get("mode") == "development"
    with state.lock:
        oa = _oa(call, payload.get("oa_id"))
        template = _template(call, oa.oa_id, payload.get("template_id"))
        if template["template_status"] != "ENABLE":
            raise invalid(
                f"template {template['template_id']} is not approved ({template['template_status']})",
                field="template_id",
            )
        data = _check_data(template, payload.get("template_data") or {})
        if journey is not None and (journey["phone"] != phone or journey["status"] != "P"):
            raise invalid("the journey token is for another phone or no longer active", field="journey_id")
        if not development:
            if oa.remaining_quota <= 0:
                raise ApiError(400, "failed_precondition", "the OA's daily ZNS quota is used up", {"oa_id": oa.oa_id})
            if template["apply_template_quota"] and template["template_remaining_quota"] <= 0:
                raise ApiError(400, "failed_precondition", "the template's daily quota is used up")
            oa.remaining_quota -= 1
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
        "oa_id": str,
        "phone": str,
        "template_id": int,
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
        "oa_id": str,
        "journey_id": str,
        "phone": str,
        "template_id": int,
        "template_data": dict,
        "tracking_id": str,
    },
    required=("oa_id", "journey_id", "phone", "template_id"),
)
def send_zns_journey(call: Call) -> dict:
    with call.state.lock:
        journey = _journey(call, call.payload["journey_id"])
    return _send(call, kind="journey", journey=journey)


@api("Zalo/GetMessage", scope=SHOP, fields={"oa_id": str, "msg_id": str}, required=("msg_id",))
def get_message(call: Call) -> dict:
    msg_id = call.payload["msg_id"]
    with call.state.lock:
        found = next(
            (m for m in call.state.zns_messages.get(call.shop.id, []) if msg_id in (m["msg_id"], m["id"])), None
        )
        if found is None:
            raise ApiError(404, "not_found", f"no message {msg_id}")
        return dict(found)


TIME_TYPES = {"request_time": "request_time", "updated_time": "updated_at", "submit_time": "submit_time"}


@api("Zalo/ListMessages", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_messages(call: Call) -> dict:
    filters = dict(_filters(call))
    if "msg_type" in filters:
        filters["type"] = filters.pop("msg_type")
    moment = TIME_TYPES.get(filters.get("time_type") or "updated_time", "updated_at")
    names = (
        "oa_id",
        "campaign_id",
        "template_id",
        "journey_id",
        "msg_id",
        "type",
        "is_charged",
        "is_development",
        "delivery_status",
        "phone",
        "status",
        "user_id",
        "tracking_id",
    )
    with call.state.lock:
        rows = call.state.zns_messages.get(call.shop.id, [])
        if filters:
            rows = [m for m in rows if _matches(m, filters, names) and _in_range(m[moment], filters)]
        page, paging = _page_by_id(rows, call.payload)
    return {"messages": page, "paging": paging}
