"""The sandbox's SMS Brandname gateway (sms.md), under `/omni/api/` on the sandbox's own port: `OmniMessage/
SendMessage` and `OmniReport/GetStatusOmni`, as the Omni gateway answers them and not as the JSON API does.

Each shop has its own account (`username`/`password` in the body), an IP allow-list (loopback by default; a caller
off the list gets 401 `Can't access from this IP`), a message quota, the channels eTelecom configured for it (ZNS
and SMS; AutoCall not) and its templates, each with its parameters and its routes. Business errors are HTTP 200
with a negative string `status`. A message starts `PROCESSING` on the first channel of its `routerule`; after
`status_seconds` that channel delivers or fails, and a failure moves it to the next channel (ZNS falling back to
SMS) or, on the last, to `FAIL`. Which channel fails is decided by the phone's last digit, so tests know it in
advance: ZNS for 7 (no Zalo account, as the ZNS sandbox), AutoCall for 5 (no answer), SMS for 6 (the carrier
refuses). `/_sandbox/sms/settle` plays every step now; `/_sandbox/sms/messages/<id>` forces an outcome.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field

from .state import LOCAL_TZ, State

SEND = "OmniMessage/SendMessage"
STATUS = "OmniReport/GetStatusOmni"
PATHS = {f"/omni/api/{SEND}": SEND, f"/omni/api/{STATUS}": STATUS}
PREFIX = "/omni/"

CHANNELS = {"1": "ZNS", "2": "AutoCall", "3": "SMS"}
FAILING_DIGIT = {"1": "7", "2": "5", "3": "6"}
FAILURE_CODES = {"1": "-118", "2": "NO_ANSWER", "3": "TELCO_REJECTED"}
PHONE = re.compile(r"^(84|0)[1-9][0-9]{8}$")
# The carrier (`telcoid`, whose table is not in the stored docs) by the number's prefix after 0/84.
TELCOS = (("1", ("86", "96", "97", "98", "32", "33", "34", "35", "36", "37", "38", "39")), ("2", ("89", "90", "93")))
OTHER_TELCO = "3"

SEND_FIELDS = ("username", "password", "phonenumber", "routerule", "templatecode", "list_param")
STATUS_FIELDS = ("username", "password", "idOmniMess")


@dataclass
class SmsTemplate:
    """A template registered with eTelecom: its text with `{name}` holes, the pattern each parameter must match,
    and the channels eTelecom routes it on (none: `-8`)."""

    code: str
    text: str
    params: dict[str, str]
    routes: tuple[str, ...]

    def to_json(self) -> dict:
        return {"code": self.code, "text": self.text, "params": dict(self.params), "routes": list(self.routes)}


@dataclass
class SmsAccount:
    username: str
    password: str
    shop_id: str
    quota: int = 1000
    allowed_ips: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])
    channels: tuple[str, ...] = ("1", "3")
    templates: dict[str, SmsTemplate] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "username": self.username,
            "password": self.password,
            "shop_id": self.shop_id,
            "quota": self.quota,
            "allowed_ips": list(self.allowed_ips),
            "channels": list(self.channels),
            "templates": [template.to_json() for template in self.templates.values()],
        }


DEMO_TEMPLATES = (
    SmsTemplate(
        "OTP", "Ma xac thuc cua ban la {otp}. Khong chia se ma nay cho bat ky ai.", {"otp": r"[0-9]{4,8}"}, ("1", "3")
    ),
    SmsTemplate(
        "DONHANG",
        "Don hang {order_code} cua {customer_name} da duoc giao. Cam on quy khach!",
        {"customer_name": r"[^\r\n]{1,50}", "order_code": r"[A-Za-z0-9-]{1,20}"},
        ("1", "3"),
    ),
    SmsTemplate(
        "LICHHEN",
        "Nhac lich hen ngay {date} tai {place}.",
        {"date": r"[0-9/]{8,10}", "place": r"[^\r\n]{1,60}"},
        ("3",),
    ),
    SmsTemplate("KHUYENMAI", "Uu dai {percent}% cho khach hang than thiet.", {"percent": r"[0-9]{1,2}"}, ()),
)


def add_account(state: State, shop_id: str) -> SmsAccount:
    """A shop's SMS Brandname account with the demo templates; the password is stable for a seed."""
    # Not `state.secret`: that draws from the seeded generator, and the data sets' other values must not move.
    password = hashlib.sha256(f"{state.seed}:sms:{shop_id}".encode()).hexdigest()[:16]
    account = SmsAccount(
        username=f"sms{shop_id[-6:]}",
        password=password,
        shop_id=shop_id,
        templates={t.code: SmsTemplate(t.code, t.text, dict(t.params), t.routes) for t in DEMO_TEMPLATES},
    )
    state.sms_accounts[account.username] = account
    return account


class Refusal(Exception):
    """An answer other than the call's result: (HTTP status, JSON object or plain text)."""

    def __init__(self, status: int, body: dict | str):
        super().__init__(str(body))
        self.status = status
        self.body = body


def _business(status: str, text: str) -> Refusal:
    return Refusal(200, {"status": status, "code": text})


def handle(state: State, name: str, body: bytes, client_ip: str) -> tuple[int, dict | str]:
    """One gateway call. Any Content-Type is taken (the docs' GetStatusOmni curl sends none)."""
    try:
        payload = _payload(body, SEND_FIELDS if name == SEND else STATUS_FIELDS)
        with state.lock:
            account = _account(state, payload, client_ip)
            if name == SEND:
                return 200, _send(state, account, payload)
            return 200, _status(state, account, payload)
    except Refusal as refusal:
        return refusal.status, refusal.body


def _payload(body: bytes, names: tuple[str, ...]) -> dict:
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_no_constant) if body.strip() else {}
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refusal(400, "Bad Request: the body is not JSON") from None
    if not isinstance(payload, dict):
        raise Refusal(400, "Bad Request: the body must be a JSON object")
    unknown = sorted(set(payload) - set(names))
    if unknown:
        raise Refusal(400, f"Bad Request: unknown field {unknown[0]}")
    for name in names:
        if name in payload and name not in ("routerule", "list_param") and not isinstance(payload[name], str):
            raise Refusal(400, f"Bad Request: {name} must be a string")
    return payload


def _no_constant(name: str):
    raise ValueError(name)


def _account(state: State, payload: dict, client_ip: str) -> SmsAccount:
    account = state.sms_accounts.get(payload.get("username") or "")
    if account is None or payload.get("password") != account.password:
        raise Refusal(401, "Unauthorized")
    if client_ip not in account.allowed_ips:
        raise Refusal(401, "Can't access from this IP")
    return account


def _route(value) -> list[str]:
    """`routerule`: documented as a string, the current example an array of strings (`["3"]`): both are taken, a
    string as one channel or a comma-separated list."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise Refusal(400, "Bad Request: routerule must be an array of channel strings")
    return value


def _send(state: State, account: SmsAccount, payload: dict) -> dict:
    phone = payload.get("phonenumber") or ""
    if not PHONE.match(phone):
        raise _business("-1", "PhoneNumber Wrong Format")
    code = payload.get("templatecode") or ""
    template = account.templates.get(code)
    if template is None:
        raise _business("-6", f"Can't find template with templatecode: {code}")
    route = _route(payload.get("routerule", ["3"]))
    for channel in route:
        if channel not in account.channels:
            raise _business("-9", f"Can't find any information about channel: {channel}")
    if not template.routes or any(channel not in template.routes for channel in route):
        raise _business("-8", "Can't find any routing for this request")
    params = payload.get("list_param") or {}
    if not isinstance(params, dict):
        raise _business("-2", "Wrong Format Parameter: list_param")
    for name in sorted(set(params) | set(template.params)):
        value = params.get(name)
        if name not in template.params or not isinstance(value, str):
            raise _business("-2", f"Wrong Format Parameter: {name}")
        if not re.fullmatch(template.params[name], value):
            raise _business("-2", f"Wrong Format Parameter: {name}")
    if account.quota <= 0:
        raise _business("-3", "You have run out of messages")
    account.quota -= 1
    message_id = "ICOMNI" + uuid.uuid4().hex[:30].upper()
    now = state.now()
    message = {
        "id": message_id,
        "username": account.username,
        "shop_id": account.shop_id,
        "phonenumber": phone,
        "templatecode": code,
        "list_param": dict(params),
        "text": template.text.format(**params),
        "routerule": route,
        "step": 0,
        "status": "PROCESSING",
        "channel": CHANNELS[route[0]],
        "errorCode": "",
        "created_at": now,
    }
    state.sms_messages[message_id] = message
    _schedule(state, message_id)
    return {"status": "1", "code": "Success", "idOmniMess": message_id}


def _schedule(state: State, message_id: str) -> None:
    if state.later is not None:
        state.later.at(state.sms_timing["status_seconds"], lambda: advance(state, message_id))


def advance(state: State, message_id: str, *, chain: bool = True) -> None:
    """The current channel of a `PROCESSING` message delivers or fails; a failure passes it to the next channel
    (scheduled, or at once when `chain` is False and the caller loops)."""
    with state.lock:
        message = state.sms_messages.get(message_id)
        if message is None or message["status"] != "PROCESSING":
            return
        channel = message["routerule"][message["step"]]
        if message["phonenumber"].endswith(FAILING_DIGIT[channel]):
            if message["step"] + 1 < len(message["routerule"]):
                message["step"] += 1
                message["channel"] = CHANNELS[message["routerule"][message["step"]]]
                message.setdefault("fallbacks", []).append(
                    {"channel": CHANNELS[channel], "errorCode": FAILURE_CODES[channel]}
                )
                if chain:
                    _schedule(state, message_id)
                return
            finish(message, "FAIL", FAILURE_CODES[channel])
        else:
            finish(message, "SUCCESS", "0")


def finish(message: dict, status: str, error_code: str) -> None:
    message["status"], message["errorCode"] = status, error_code


def settle(state: State, ids: list[str] | None = None) -> list[dict]:
    """Play every step of the given (or every) `PROCESSING` message now; returns them."""
    with state.lock:
        wanted = ids if ids is not None else [i for i, m in state.sms_messages.items() if m["status"] == "PROCESSING"]
        for message_id in wanted:
            while state.sms_messages.get(message_id, {}).get("status") == "PROCESSING":
                advance(state, message_id, chain=False)
        return [message_json(state.sms_messages[i]) for i in wanted if i in state.sms_messages]


def _status(state: State, account: SmsAccount, payload: dict) -> dict:
    """The docs give no answer for an id the account never had: the sandbox answers a negative status outside the
    documented ones (`-10`), which the client raises as its base `SmsError`."""
    wanted = payload.get("idOmniMess") or ""
    message = state.sms_messages.get(wanted.replace("ICOMNI-", "ICOMNI", 1))
    if message is None or message["username"] != account.username:
        raise _business("-10", f"Can't find message with idOmniMess: {wanted}")
    return status_json(message)


def _segments(text: str) -> int:
    """SMS parts: 160 characters (153 a part when split) in GSM-7, 70 (67) otherwise."""
    single, part = (160, 153) if text.isascii() else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // part)


def _telco(phone: str) -> str:
    prefix = phone[1:3] if phone.startswith("0") else phone[2:4]
    return next((telco for telco, prefixes in TELCOS if prefix in prefixes), OTHER_TELCO)


def status_json(message: dict) -> dict:
    """GetStatusOmni's documented fields; `mtcount` and `telcoid` once SMS carries the message, `duration` once
    AutoCall does."""
    answer = {
        "phonenumber": message["phonenumber"],
        "list_param": json.dumps(message["list_param"], ensure_ascii=False),
        "createdatetime": message["created_at"].astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S"),
        "status": message["status"],
        "channel": message["channel"],
        "templatecode": message["templatecode"],
        "errorCode": message["errorCode"],
    }
    if message["channel"] == "SMS":
        answer.update(mtcount=_segments(message["text"]), telcoid=_telco(message["phonenumber"]))
    elif message["channel"] == "AutoCall":
        answer["duration"] = 18 if message["status"] == "SUCCESS" else 0
    return answer


def message_json(message: dict) -> dict:
    """A message as the control API shows it: its id, account and route beside what GetStatusOmni answers."""
    return {
        "idOmniMess": message["id"],
        "username": message["username"],
        "shop_id": message["shop_id"],
        "routerule": list(message["routerule"]),
        "fallbacks": list(message.get("fallbacks", [])),
        **status_json(message),
    }


def update_account(account: SmsAccount, changes: dict) -> None:
    """Control-endpoint changes to an account; raises ValueError with a reason."""
    unknown = set(changes) - {"password", "quota", "allowed_ips", "channels", "templates"}
    if unknown:
        raise ValueError(f"unknown SMS account fields: {', '.join(sorted(unknown))}")
    if "password" in changes and (not isinstance(changes["password"], str) or not changes["password"]):
        raise ValueError("password is a non-empty string")
    quota = changes.get("quota", 0)
    if not isinstance(quota, int) or isinstance(quota, bool) or quota < 0:
        raise ValueError("quota is an integer of at least 0")
    ips = changes.get("allowed_ips", [])
    if not isinstance(ips, list) or not all(isinstance(ip, str) for ip in ips):
        raise ValueError("allowed_ips is a list of IP addresses")
    channels = changes.get("channels", [])
    if not isinstance(channels, list) or any(channel not in CHANNELS for channel in channels):
        raise ValueError(f"channels lists some of {', '.join(CHANNELS)}")
    templates = changes.get("templates", [])
    if not isinstance(templates, list):
        raise ValueError("templates is a list of {code, text, params, routes}")
    parsed = []
    for item in templates:
        try:
            template = SmsTemplate(
                item["code"], item["text"], dict(item.get("params", {})), tuple(item.get("routes", ()))
            )
            for pattern in template.params.values():
                re.compile(pattern)
            template.text.format(**dict.fromkeys(template.params, ""))
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise ValueError(f"a template is {{code, text, params: {{name: pattern}}, routes}}: {exc}") from None
        if any(channel not in CHANNELS for channel in template.routes):
            raise ValueError(f"a template's routes list some of {', '.join(CHANNELS)}")
        parsed.append(template)
    if "password" in changes:
        account.password = changes["password"]
    if "quota" in changes:
        account.quota = quota
    if "allowed_ips" in changes:
        account.allowed_ips = list(ips)
    if "channels" in changes:
        account.channels = tuple(channels)
    for template in parsed:
        account.templates[template.code] = template
