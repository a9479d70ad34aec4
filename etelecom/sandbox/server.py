"""The sandbox's HTTP server: the eTelecom API under `/v1/{shop,partner}.{Service}/{Method}`, the fake login
pages under `/auth/`, and the control endpoints under `/_sandbox/` (reset, data sets, faults, request counts).

Longer than ~400 lines on purpose: the HTTP front is one piece read against eTelecom's behaviour (body limits and
parsing in `Handler`, routing and the control endpoints in `SandboxApp`); the services' handlers are in their own
modules (`*_api.py`)."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import threading
import time
import traceback
import uuid
import wave
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import orjson

from . import datasets, pages, sms_api
from . import oa_api as _oa_api  # noqa: F401
from . import pbx_api as _pbx_api  # noqa: F401  (each module registers its handlers)
from . import shop_api as _shop_api  # noqa: F401
from . import webhook_api as _webhook_api  # noqa: F401
from . import zalo_api as _zalo_api  # noqa: F401
from . import zns_api as _zns_api  # noqa: F401
from .api import ANY, PARTNER, ROUTES, ApiError, Call, validate
from .delivery import Deliveries, envelope, zalo_event
from .faults import Faults
from .later import Later
from .state import State, iso
from .webhook_api import ENTITIES, registered_urls

logger = logging.getLogger("etelecom.sandbox")

# The fake pages a browser visits: path -> (page for GET, handler of the POSTed form, query parameter of the GET).
PAGES = {
    "/auth/login": (pages.login_form, pages.login_submit, "token"),
    "/zalo/oa/permission": (pages.zalo_consent_form, pages.zalo_consent_submit, "state"),
}
API_PATH = re.compile(r"^/v1/(shop|partner)\.([A-Za-z]+)/([A-Za-z]+)$")
# An upload of the largest file (5 MiB, oa_api.FILE_MAX_BYTES) is base64 in JSON: about 6.7 MiB.
MAX_BODY = 8 * 1024 * 1024
# How long a request's body may take to arrive once its headers have, and how long a kept-alive connection may
# wait for its next request: a client that sends less than its Content-Length gets a 400, not a thread for ever.
BODY_SECONDS = 5.0
IDLE_SECONDS = 120.0
# JSON nested deeper than this is refused before Python's parser recurses into it.
MAX_DEPTH = 64
# Call recordings (`recording_urls`): every one is the same second of silence.
RECORDING = re.compile(r"^/recordings/\d+\.wav$")


def _silence() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(8000)
        audio.writeframes(b"\x80" * 8000)
    return buffer.getvalue()


SILENCE = _silence()


def _encode(data) -> bytes:
    """An answer's JSON. By orjson: it stands in for eTelecom's servers, which are not on our cores, and a
    call-history page of 1,000 calls took the sandbox as long to encode with json (8-13 µs a call) as to make; json
    for what orjson refuses."""
    try:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(data, ensure_ascii=False).encode()


class RequestLog:
    """Counts of API requests received, per method and per status: tests count what really arrived."""

    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.methods: Counter[str] = Counter()
            self.statuses: dict[str, Counter[int]] = {}

    def received(self, name: str) -> None:
        with self._lock:
            self.methods[name] += 1

    def answered(self, name: str, status: int) -> None:
        with self._lock:
            self.statuses.setdefault(name, Counter())[status] += 1

    def to_json(self) -> dict:
        with self._lock:
            return {
                "total": sum(self.methods.values()),
                "methods": dict(self.methods),
                "statuses": {name: {str(k): v for k, v in c.items()} for name, c in self.statuses.items()},
            }


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_body(body: bytes) -> dict:
    """A request body as eTelecom takes it: a JSON object in UTF-8 (no other encoding, no byte order mark), no
    NaN or Infinity, no lone surrogate, nested at most `MAX_DEPTH` deep; an empty body is `{}`."""
    if not body.strip():
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_argument", "the body is not UTF-8") from None
    if _depth(text) > MAX_DEPTH:
        raise ApiError(400, "invalid_argument", f"the body is nested deeper than {MAX_DEPTH} levels")
    try:
        payload = json.loads(text, parse_constant=_refuse_constant)
    except ValueError:
        raise ApiError(400, "invalid_argument", "the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_argument", "the body must be a JSON object")
    if _has_lone_surrogate(payload):
        raise ApiError(400, "invalid_argument", "the body holds a lone UTF-16 surrogate, which is no character")
    return payload


def _depth(text: str) -> int:
    """The deepest nesting of brackets outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _has_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


class SandboxApp:
    """Routing and behaviour, independent of the socket server."""

    def __init__(self, *, dataset: str = "demo", params: dict | None = None, seed: int = 0):
        self.faults = Faults()
        self.requests = RequestLog()
        self.deliveries = Deliveries()
        self.later = Later()
        self.reset(dataset, params or {}, seed)

    def reset(self, dataset: str, params: dict, seed: int) -> None:
        state = State(seed=seed)
        datasets.load(state, dataset, params)
        self.later.clear()
        state.later, state.deliver = self.later, self.deliveries.post
        self.state = state
        self.dataset = dataset

    # --- the API --------------------------------------------------------------------------------------------

    def api(self, base: str, name: str, headers, body: bytes, origin: str) -> tuple[int, dict, dict]:
        """Returns (status, JSON body, extra headers)."""
        content_type = headers.get("Content-Type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            return 404, {"code": "bad_route", "msg": f'unexpected Content-Type: "{content_type}"', "meta": {}}, {}
        route = ROUTES.get(name)
        if route is None:
            return 404, {"code": "bad_route", "msg": f"no handler for path /v1/{base}.{name}", "meta": {}}, {}
        self.requests.received(name)
        config = self.faults.config
        if config.latency_ms:
            time.sleep(config.latency_ms / 1000)
        fault = self.faults.draw(name)
        if fault and config.phase == "before":
            return self._fault(fault, config)
        try:
            status, data = 200, self._call(base, name, route, headers, body, origin)
        except ApiError as exc:
            status, data = exc.status, exc.body()
        if fault:
            return self._fault(fault, config, answer=(status, data))
        return status, data, {}

    def sms(self, name: str, body: bytes, client_ip: str) -> tuple[int, dict | str | bytes, dict]:
        """One SMS gateway call, with the same fault injection as the API (by `Service/Method` name)."""
        self.requests.received(name)
        config = self.faults.config
        if config.latency_ms:
            time.sleep(config.latency_ms / 1000)
        fault = self.faults.draw(name)
        if fault and config.phase == "before":
            return self._fault(fault, config)
        status, data = sms_api.handle(self.state, name, body, client_ip)
        if fault:
            return self._fault(fault, config, answer=(status, data))
        return status, data, {}

    def _call(self, base, name, route, headers, body, origin) -> dict:
        auth = headers.get("Authorization", "")
        key = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        partner, shop = self.state.resolve(base, key)
        if partner is None and shop is None:
            raise ApiError(401, "unauthenticated", "missing or invalid Authorization: Bearer <api_key>")
        if route.scope != ANY and (route.scope == PARTNER) != (shop is None):
            who = "a partner api_key" if route.scope == PARTNER else "a shop key"
            raise ApiError(403, "permission_denied", f"{name} takes {who}")
        payload = parse_body(body)
        validate(route, payload)
        return route.handler(Call(self.state, partner, shop, payload, origin))

    def _fault(self, kind: str, config, answer=None) -> tuple[int, dict | bytes, dict]:
        if kind == "5xx":
            return 503, {"code": "unavailable", "msg": "injected server error", "meta": {}}, {}
        if kind == "429":
            body = {"code": "resource_exhausted", "msg": "too many requests", "meta": {}}
            return 429, body, {"Retry-After": f"{config.retry_after:g}"}
        if kind == "malformed":
            return 200, b'{"code": "ok", "trunc', {}
        if kind == "error200":
            return 200, {"code": "internal", "msg": "injected error in a 200 answer", "meta": {}}, {}
        time.sleep(config.hang_seconds)  # "hang": the client has given up by now
        if answer is not None:
            return answer[0], answer[1], {}
        return 504, {"code": "deadline_exceeded", "msg": "injected hang", "meta": {}}, {}

    # --- control endpoints ----------------------------------------------------------------------------------

    def control(self, method: str, path: str, payload: dict, origin: str = "") -> tuple[int, dict]:
        if path == "/_sandbox/health":
            return 200, {"ok": True, "dataset": self.dataset}
        if path == "/_sandbox/reset" and method == "POST":
            dataset = payload.get("dataset", "demo")
            params = payload.get("params", {})
            seed = payload.get("seed", 0)
            if not isinstance(params, dict) or not isinstance(seed, int):
                return 400, {"error": "params is an object, seed an integer"}
            try:
                self.reset(dataset, params, seed)
            except ValueError as exc:
                return 400, {"error": str(exc)}
            self.faults.update({})
            self.requests.clear()
            self.deliveries.clear()
            return 200, {"ok": True, "dataset": dataset}
        if path == "/_sandbox/faults":
            if method == "POST":
                try:
                    self.faults.update(payload)
                except ValueError as exc:
                    return 400, {"error": str(exc)}
            return 200, self.faults.config.to_json()
        if path == "/_sandbox/requests":
            if method == "DELETE":
                self.requests.clear()
            return 200, self.requests.to_json()
        if path == "/_sandbox/quirks" and method == "POST":
            self.state.alt_spellings = bool(payload.get("alt_spellings"))
            return 200, {"alt_spellings": self.state.alt_spellings}
        if path == "/_sandbox/shops" and method == "GET":
            return 200, datasets.credentials(self.state)
        match = re.fullmatch(r"/_sandbox/shops/(\d+)/(revoke|unlink|block)", path)
        if match and method == "POST":
            return self._shop_action(*match.groups())
        if path == "/_sandbox/deliveries" and method == "GET":
            return 200, {"deliveries": self.deliveries.to_json()}
        if path == "/_sandbox/webhooks/emit" and method == "POST":
            return self._emit(payload)
        if path == "/_sandbox/oas" and method == "GET":
            with self.state.lock:
                return 200, {"oas": [self.state.oa_json(oa, full=True) for oa in self.state.oas.values()]}
        match = re.fullmatch(r"/_sandbox/oas/(\d+)/events", path)
        if match and method == "POST":
            return self._oa_event(match.group(1), payload)
        match = re.fullmatch(r"/_sandbox/oas/(\d+)/(interactions|messages)", path)
        if match:
            return self._conversations(*match.groups(), method, payload)
        match = re.fullmatch(r"/_sandbox/oas/(\d+)(/remove)?", path)
        if match and method == "POST":
            return self._oa_action(match.group(1), remove=bool(match.group(2)), changes=payload)
        if path.startswith("/_sandbox/sms"):
            return self._sms_control(method, path, payload)
        if path == "/_sandbox/zns":
            return self._zns(method, payload)
        if path == "/_sandbox/pbx" and method == "GET":
            return 200, self._pbx()
        match = re.fullmatch(r"/_sandbox/calls/(\d+)", path)
        if match:
            return self._calls(match.group(1), method, payload, origin)
        return 404, {"error": f"no control endpoint {method} {path}"}

    def _oa_action(self, oa_id: str, *, remove: bool, changes: dict) -> tuple[int, dict]:
        """Move an OA's quota, quality, status or token expiry, as time would; or make it disappear."""
        state = self.state
        with state.lock:
            oa = state.oas.get(oa_id)
            if oa is None:
                return 404, {"error": f"no OA {oa_id}"}
            if remove:
                state.remove_oa(oa_id)
                return 200, {"ok": True}
            try:
                datasets.update_oa(state, oa, changes)
            except ValueError as exc:
                return 400, {"error": str(exc)}
            return 200, state.oa_json(oa, full=True)

    def _conversations(self, oa_id: str, what: str, method: str, payload: dict) -> tuple[int, dict]:
        """`messages` (GET): what the OA sent (consulting and transaction messages). `interactions` (POST
        `{"zl_user_id": ..., "hours_ago": 50}`): move a user's last interaction, as time would (the consulting window
        closes after 48 hours); GET lists them with the free replies used since."""
        state = self.state
        with state.lock:
            oa = state.oas.get(oa_id)
            if oa is None:
                return 404, {"error": f"no OA {oa_id}"}
            if what == "messages":
                return 200, {"messages": [dict(m) for m in state.oa_messages.get(oa_id, [])]}
            if method == "POST":
                user, hours = payload.get("zl_user_id"), payload.get("hours_ago", 0)
                known = any(row["zl_user_id"] == user for row in state.followers.get(oa_id, []))
                if not known or not isinstance(hours, int | float) or isinstance(hours, bool) or hours < 0:
                    return 400, {"error": "takes zl_user_id (a user of this OA) and hours_ago (at least 0)"}
                state.interacted(oa, user, state.now() - timedelta(hours=hours))
            rows = [
                {"zl_user_id": user, "at": iso(at), "replies_used": state.replies_used.get((oid, user), 0)}
                for (oid, user), at in state.interactions.items()
                if oid == oa_id
            ]
            return 200, {"interactions": rows, "window_hours": state.consult_window.total_seconds() / 3600}

    def _sms_control(self, method: str, path: str, payload: dict) -> tuple[int, dict]:
        """`GET /_sandbox/sms`: accounts (credentials, allow-list, quota, channels, templates), messages and timing.
        `POST /_sandbox/sms {"status_seconds": 0.2}`: how long a channel takes to answer.
        `POST /_sandbox/sms/accounts/<username>`: change `password`, `quota`, `allowed_ips`, `channels`, or add or
        replace `templates` ([{code, text, params: {name: pattern}, routes}]).
        `POST /_sandbox/sms/settle {"ids": [...]}`: every step of those (or all) PROCESSING messages now.
        `POST /_sandbox/sms/messages/<id> {"status": "SUCCESS" | "FAIL", "errorCode": "..."}`: force an outcome."""
        state = self.state
        with state.lock:
            if path == "/_sandbox/sms":
                if method == "POST":
                    seconds = payload.get("status_seconds")
                    if set(payload) != {"status_seconds"} or not isinstance(seconds, int | float) or seconds < 0:
                        return 400, {"error": "takes status_seconds: seconds of at least 0"}
                    state.sms_timing["status_seconds"] = float(seconds)
                return 200, {
                    "timing": dict(state.sms_timing),
                    "accounts": [account.to_json() for account in state.sms_accounts.values()],
                    "messages": [sms_api.message_json(m) for m in state.sms_messages.values()],
                }
            match = re.fullmatch(r"/_sandbox/sms/accounts/([A-Za-z0-9_.-]+)", path)
            if match and method == "POST":
                account = state.sms_accounts.get(match.group(1))
                if account is None:
                    return 404, {"error": f"no SMS account {match.group(1)}"}
                try:
                    sms_api.update_account(account, payload)
                except ValueError as exc:
                    return 400, {"error": str(exc)}
                return 200, account.to_json()
            if path == "/_sandbox/sms/settle" and method == "POST":
                ids = payload.get("ids")
                if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)):
                    return 400, {"error": "ids is a list of idOmniMess"}
                return 200, {"messages": sms_api.settle(state, ids)}
            match = re.fullmatch(r"/_sandbox/sms/messages/(ICOMNI[A-Z0-9]+)", path)
            if match and method == "POST":
                message = state.sms_messages.get(match.group(1))
                status, code = payload.get("status"), payload.get("errorCode", "")
                if message is None:
                    return 404, {"error": f"no SMS message {match.group(1)}"}
                if status not in ("SUCCESS", "FAIL", "PROCESSING") or not isinstance(code, str):
                    return 400, {"error": "takes status (SUCCESS, FAIL or PROCESSING) and errorCode (a string)"}
                sms_api.finish(message, status, code or ("0" if status == "SUCCESS" else ""))
                return 200, sms_api.message_json(message)
        return 404, {"error": f"no control endpoint {method} {path}"}

    def _zns(self, method: str, payload: dict) -> tuple[int, dict]:
        """GET: every consent and message of every shop. POST `{"consent_reply_seconds": 0.2,
        "delivery_seconds": 0.1}` sets how long customers and phones take."""
        state = self.state
        with state.lock:
            if method == "POST":
                for name, value in payload.items():
                    if name not in state.zns_timing or not isinstance(value, int | float) or value < 0:
                        return 400, {"error": f"takes {', '.join(state.zns_timing)}: seconds of at least 0"}
                    state.zns_timing[name] = float(value)
            return 200, {
                "timing": dict(state.zns_timing),
                "consents": [dict(c) for rows in state.zns_consents.values() for c in rows],
                "messages": [dict(m) for rows in state.zns_messages.values() for m in rows],
                "pending_events": self.later.pending(),
            }

    def _pbx(self) -> dict:
        """Every tenant, hotline, user and extension, by shop (sandbox only)."""
        state = self.state
        with state.lock:
            return {
                "tenants": {shop_id: tenant.to_json() for shop_id, tenant in state.tenants.items()},
                "hotlines": [{**h.to_json(), "tenant_id": h.tenant_id} for h in state.hotlines.values()],
                "users": {
                    shop_id: [u.to_json(listed=True) for u in users.values()]
                    for shop_id, users in state.pbx_users.items()
                },
                "extensions": {
                    shop_id: [e.to_json() for e in rows.values()] for shop_id, rows in state.extensions.items()
                },
            }

    def _calls(self, shop_id: str, method: str, payload: dict, origin: str) -> tuple[int, dict]:
        """GET: how many calls a shop has. POST `{"history": N, "days": D}` replaces its history with N generated
        calls over D days; `{"add": K}` adds K calls starting now and posts each to the `call_log` webhooks."""
        state = self.state
        with state.lock:
            if shop_id not in state.shops:
                return 404, {"error": f"no shop {shop_id}"}
            if method == "POST" and "history" in payload:
                calls, days = payload.get("history"), payload.get("days", 365)
                if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (calls, days)):
                    return 400, {"error": "history and days are integers of at least 0"}
                datasets.set_call_history(state, shop_id, calls=calls, days=max(days, 1))
            added = []
            if method == "POST" and "add" in payload:
                count = payload.get("add")
                if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 100_000:
                    return 400, {"error": "add is an integer from 0 to 100000"}
                history = state.call_histories.get(shop_id) or datasets.set_call_history(
                    state, shop_id, calls=0, days=1
                )
                added = history.add(count, state.now(), origin)
            history = state.call_histories.get(shop_id)
            total = history.count if history else 0
        for record in added[:100]:  # a burst of webhooks is capped; the sync finds the rest
            self._emit({"shop_id": shop_id, "entity": "call_log", "data": record})
        return 200, {"count": total, "added": [record["id"] for record in added]}

    def _emit(self, payload: dict) -> tuple[int, dict]:
        """Post an event to every webhook registered for `entity` by the shop (its key) or the shop's partner, in
        eTelecom's envelope."""
        shop_id, entity, data = payload.get("shop_id"), payload.get("entity"), payload.get("data", {})
        state = self.state
        with state.lock:
            if shop_id not in state.shops or entity not in ENTITIES or not isinstance(data, dict):
                return 400, {"error": f"emit takes shop_id (a known shop), entity ({', '.join(ENTITIES)}) and data"}
            urls = registered_urls(state, shop_id, entity)
            now = iso(state.now())
        events = [envelope(entity, shop_id=shop_id, created_at=now, data=data) for _ in urls]
        for url, event in zip(urls, events, strict=True):
            self.deliveries.post(url, event)
        return 200, {"sent": [event["id"] for event in events]}

    def _oa_event(self, oa_id: str, payload: dict) -> tuple[int, dict]:
        """What a Zalo user or Zalo does to an OA, posted to the OA's webhook URL in Zalo's shape:
        `{"event_name": "follow" | "unfollow", "zl_user_id": ...}` (the follower list changes too),
        `{"event_name": "user_send_text" | "oa_send_text", "zl_user_id": ..., "text": ...}`,
        `{"event_name": "user_submit_info", "zl_user_id": ..., "info": {"name", "phone", "address", ...}}` (the answer
        to RequestUserInfo's form: the follower's `shared_info` changes),
        `{"event_name": "event_journey_acknowledged" | "event_journey_time_out", "journey_id": ...}` (the journey
        token is charged / disabled)."""
        state = self.state
        name, user = payload.get("event_name"), str(payload.get("zl_user_id") or "")
        with state.lock:
            oa = state.oas.get(oa_id)
            if oa is None:
                return 404, {"error": f"no OA {oa_id}"}
            now = state.now()
            if name in ("follow", "unfollow") and user:
                fields = {"oa_id": oa_id, "follower": {"id": user}, "user_id_by_app": user, "source": "oa_profile"}
                state.set_follow_state(oa, user, name, now)
                if name == "follow":
                    state.interacted(oa, user, now)
            elif name in ("user_send_text", "oa_send_text") and user:
                sides = ({"id": user}, {"id": oa_id})
                sender, recipient = sides if name == "user_send_text" else sides[::-1]
                message = {"msg_id": uuid.uuid4().hex, "text": str(payload.get("text") or "")}
                if name == "user_send_text":
                    if not any(row["zl_user_id"] == user for row in state.followers.get(oa_id, [])):
                        state.set_follow_state(oa, user, "unfollow", now)
                    state.interacted(oa, user, now)
                fields = {"sender": sender, "recipient": recipient, "user_id_by_app": user, "message": message}
            elif name == "user_submit_info" and user:
                info = payload.get("info") or {}
                names = ("name", "phone", "address", "city", "district", "ward")
                if not isinstance(info, dict) or not all(k in names and isinstance(v, str) for k, v in info.items()):
                    return 400, {"error": f"user_submit_info takes info: an object of strings among {', '.join(names)}"}
                row = next((row for row in state.followers.get(oa_id, []) if row["zl_user_id"] == user), None)
                if row is None:
                    return 404, {"error": f"Zalo user {user} has never interacted with OA {oa_id}"}
                row["shared_info"] = {**row["shared_info"], **info}
                row["updated_at"] = iso(now)
                state.interacted(oa, user, now)
                fields = {"sender": {"id": user}, "recipient": {"id": oa_id}, "user_id_by_app": user, "info": info}
            elif name in ("event_journey_acknowledged", "event_journey_time_out"):
                journey = next(
                    (j for j in state.zns_journeys.get(oa.shop_id, []) if j["journey_id"] == payload.get("journey_id")),
                    None,
                )
                if journey is None:
                    return 404, {"error": f"no journey {payload.get('journey_id')} of this OA's shop"}
                if name == "event_journey_acknowledged":
                    journey["is_charged"] = True
                else:
                    journey["status"], journey["expired_at"] = "N", iso(now)
                journey["updated_at"] = iso(now)
                fields = {"oa_id": oa_id, "journey_id": journey["journey_id"]}
            else:
                return 400, {
                    "error": "takes follow, unfollow, user_send_text, oa_send_text, user_submit_info (with "
                    "zl_user_id) or a journey event (with journey_id)"
                }
            event = zalo_event(name, oa=oa, at=now, **fields)
            url = oa.webhook_url
        if url:
            self.deliveries.post(url, event)
        return 200, {"event": event, "posted_to": url}

    def _shop_action(self, shop_id: str, action: str) -> tuple[int, dict]:
        state = self.state
        with state.lock:
            shop = state.shops.get(shop_id)
            if shop is None:
                return 404, {"error": f"no shop {shop_id}"}
            if action == "revoke":
                state.revoke_keys(shop_id)
            elif action == "unlink":
                for partner in state.partners.values():
                    state.unlink(partner, shop_id)
            else:
                shop.is_blocked, shop.block_reason = True, "blocked in the sandbox"
        return 200, {"ok": True}


def _error(code: str, msg: str) -> dict:
    return {"code": code, "msg": msg, "meta": {}}


class BodyError(Exception):
    """A request body that cannot be read: its answer is a 400, and the connection is closed after it."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "etelecom-sandbox"
    # Keep-alive connections: headers and body leave in one segment, without waiting on Nagle and delayed ACKs
    # (about 40 ms a call otherwise). The base class flushes the buffer after each request.
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024
    # Bounds the wait for a request line and headers on a kept-alive connection (StreamRequestHandler sets it).
    timeout = IDLE_SECONDS
    server: SandboxServer

    def log_message(self, format, *args):
        logger.debug("%s %s", self.address_string(), format % args)

    def __getattr__(self, name: str):
        # Every verb reaches `_dispatch` (which answers the API's own error for anything but POST), not the base
        # class's HTML 501 page.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        """What the base class answers itself (a malformed request line, headers too long or too many, an
        unsupported protocol version) is the API's JSON error too, never an HTML page."""
        self.close_connection = True
        text = message or self.responses.get(code, ("error",))[0]
        # Each of them is the request's fault (505 is an HTTP version the server does not speak): a 4xx.
        self._send(code if code < 500 else 400, _error("invalid_argument", text), {"Connection": "close"})

    def _read_body(self) -> bytes:
        """The body by its Content-Length, or in chunks (`Transfer-Encoding: chunked`), within `BODY_SECONDS`."""
        encoding = (self.headers.get("Transfer-Encoding") or "").strip().lower()
        length_header = self.headers.get("Content-Length")
        if encoding and encoding != "chunked":
            raise BodyError(f"unsupported Transfer-Encoding: {encoding}")
        if encoding and length_header is not None:
            raise BodyError("a request has either a Content-Length or Transfer-Encoding: chunked, not both")
        deadline = time.monotonic() + self.server.body_seconds
        if encoding:
            return self._read_chunked(deadline)
        try:
            length = int(length_header or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            raise BodyError("bad or oversized Content-Length")
        return self._read_exactly(length, deadline)

    def _read_exactly(self, length: int, deadline: float) -> bytes:
        parts, left = [], length
        while left > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BodyError(f"the body did not arrive within {self.server.body_seconds:g} s")
            self.connection.settimeout(remaining)
            try:
                part = self.rfile.read1(left)
            except TimeoutError:
                raise BodyError(f"the body did not arrive within {self.server.body_seconds:g} s") from None
            if not part:
                raise BodyError("the body is shorter than its Content-Length")
            parts.append(part)
            left -= len(part)
        self.connection.settimeout(IDLE_SECONDS)
        return b"".join(parts)

    def _read_line(self, deadline: float) -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BodyError(f"the body did not arrive within {self.server.body_seconds:g} s")
        self.connection.settimeout(remaining)
        try:
            line = self.rfile.readline(1024)
        except TimeoutError:
            raise BodyError(f"the body did not arrive within {self.server.body_seconds:g} s") from None
        if not line.endswith(b"\n"):
            raise BodyError("a chunked body ends early or has an overlong line")
        return line

    def _read_chunked(self, deadline: float) -> bytes:
        parts, total = [], 0
        while True:
            size_text = self._read_line(deadline).split(b";")[0].strip()
            if not re.fullmatch(rb"[0-9A-Fa-f]{1,8}", size_text):
                raise BodyError("a chunk size is not hexadecimal")
            size = int(size_text, 16)
            if size == 0:
                while self._read_line(deadline).strip():  # trailers, up to the blank line
                    pass
                self.connection.settimeout(IDLE_SECONDS)
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise BodyError(f"the body is over {MAX_BODY // 1024 // 1024} MiB")
            parts.append(self._read_exactly(size, deadline))
            if self._read_exactly(2, deadline) != b"\r\n":
                raise BodyError("a chunk does not end with CRLF")

    def _dispatch(self):
        app = self.server.app
        try:
            body = self._read_body()
        except BodyError as exc:
            return self.send_error(400, str(exc))
        url = urlsplit(self.path)
        try:
            match = API_PATH.match(url.path)
            if match:
                if self.command != "POST":
                    message = f"unsupported method {self.command}: every call is a POST"
                    return self._json(404, _error("bad_route", message))
                base, service, method = match.groups()
                name = f"{service}/{method}"
                status, data, headers = app.api(base, name, self.headers, body, self._origin())
                app.requests.answered(name, status)
                return self._send(status, data, headers)
            if url.path.startswith(sms_api.PREFIX):
                return self._sms(url.path, body)
            if RECORDING.match(url.path):
                return self._send(200, SILENCE, {"Content-Type": "audio/wav"})
            if url.path in PAGES:
                show, submit, key = PAGES[url.path]
                headers = {"Content-Type": "text/html; charset=utf-8"}
                if self.command == "GET":
                    status, html = show(app.state, dict(parse_qsl(url.query)).get(key, ""))
                    return self._send(status, html, headers)
                status, html, location = submit(app.state, dict(parse_qsl(body.decode("utf-8", "replace"))))
                if location:
                    headers["Location"] = location
                return self._send(status, html, headers)
            if url.path.startswith("/_sandbox/"):
                try:
                    payload = json.loads(body) if body else {}
                except ValueError:
                    return self._json(400, {"error": "the body is not valid JSON"})
                if not isinstance(payload, dict):
                    return self._json(400, {"error": "the body must be a JSON object"})
                return self._json(*app.control(self.command, url.path, payload, self._origin()))
            return self._json(404, _error("bad_route", f"no route {url.path}"))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            traceback.print_exc(file=sys.stderr)
            self._json(500, _error("internal", "sandbox error"))

    def _sms(self, path: str, body: bytes):
        """The SMS Brandname gateway: every call a POST; its 401s and 400s in plain text, as that gateway answers."""
        name = sms_api.PATHS.get(path)
        text = {"Content-Type": "text/plain; charset=utf-8"}
        if name is None or self.command != "POST":
            return self._send(404, b"Not Found", text)
        status, data, headers = self.server.app.sms(name, body, self.client_address[0])
        self.server.app.requests.answered(name, status)
        if isinstance(data, str):
            return self._send(status, data.encode(), {**text, **headers})
        return self._send(status, data, headers)

    def _origin(self) -> str:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return f"http://{host}"

    def _json(self, status: int, data: dict, headers: dict | None = None):
        self._send(status, data, headers or {})

    def _send(self, status: int, data, headers: dict):
        payload = data if isinstance(data, bytes) else _encode(data)
        # The base class answers a one-word request line (HTTP/0.9) with a bare body; this API always answers with
        # a status line and headers.
        self.request_version = "HTTP/1.1"
        try:
            self.send_response(status)
            headers.setdefault("Content-Type", "application/json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: SandboxApp, *, body_seconds: float = BODY_SECONDS):
        self.app = app
        self.body_seconds = body_seconds
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        # A client that gave up (timeout, injected hang) closed its socket first: nothing to report.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
