"""Sandbox handlers for the cloud PBX: tenants, hotlines, staff users, extensions and `ListCallLogs`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from .api import PARTNER, SHOP, ApiError, Call, api, encode_cursor, invalid, page_request, paginate
from .pbx_state import CallHistory, ExtensionRecord, HotlineRecord, TenantRecord, UserRecord

NETWORKS = ("unknown", "mobifone", "vinaphone", "viettel", "other")
DIRECTIONS = ("unknown", "in", "out", "ext", "ext_in", "ext_out")
CALL_STATES = ("unknown", "answered", "not_answered")
COMPARISONS = {
    "equal": lambda a, b: a == b,
    "not_equal": lambda a, b: a != b,
    "greater_than": lambda a, b: a > b,
    "greater_than_or_equal_to": lambda a, b: a >= b,
    "less_than": lambda a, b: a < b,
    "less_than_or_equal_to": lambda a, b: a <= b,
}
PHONE = re.compile(r"^(0|84)\d{9,10}$")
# Calls one ListCallLogs page looks at at most for a sparse filter; the page then ends early with a cursor.
SCAN_LIMIT = 200_000


def _tenant(call: Call) -> TenantRecord:
    tenant = call.state.tenants.get(call.shop.id)
    if tenant is None:
        raise ApiError(404, "not_found", "this shop has no tenant; create one with CreateTenant")
    return tenant


def _active_tenant(call: Call) -> TenantRecord:
    tenant = _tenant(call)
    if tenant.status != "P":
        raise invalid("the tenant is not activated yet (PartnerActivateTenant)", field="tenant")
    return tenant


def _tenant_hotline(call: Call, tenant: TenantRecord, hotline_id: str) -> HotlineRecord:
    hotline = call.state.hotlines.get(hotline_id)
    if hotline is None or hotline.tenant_id != tenant.id:
        raise invalid(f"hotline {hotline_id} is not attached to this shop's tenant", field="hotline_id")
    return hotline


def _extension(call: Call, extension_id: str) -> ExtensionRecord:
    extension = call.state.extensions.get(call.shop.id, {}).get(extension_id)
    if extension is None:
        raise ApiError(404, "not_found", f"no extension {extension_id} for this shop")
    return extension


def _user(call: Call, user_id: str) -> UserRecord:
    user = call.state.pbx_users.get(call.shop.id, {}).get(user_id)
    if user is None:
        raise ApiError(404, "not_found", f"no user {user_id} for this shop")
    return user


# --- tenants ------------------------------------------------------------------------------------------------


def create_tenant_for(state, shop, partner_id: str) -> TenantRecord:
    tenant = TenantRecord(
        id=state.new_id(),
        shop_id=shop.id,
        partner_id=partner_id,
        owner_id=shop.owner_id,
        connection_id=state.new_id(),
        name=shop.name,
        domain=f"t{shop.id[-6:]}.pbx.sandbox.etelecom.vn",
        created_at=state.now(),
    )
    state.tenants[shop.id] = tenant
    return tenant


@api("Etelecom/CreateTenant", scope=SHOP)
def create_tenant(call: Call) -> dict:
    with call.state.lock:
        if call.shop.id in call.state.tenants:
            raise ApiError(409, "already_exists", "this shop already has a tenant")
        partner_id = call.partner.id if call.partner else ""
        return create_tenant_for(call.state, call.shop, partner_id).to_json()


@api("Etelecom/GetTenant", scope=SHOP)
def get_tenant(call: Call) -> dict:
    with call.state.lock:
        return _tenant(call).to_json()


@api("Etelecom/GetPartnerTenantList", scope=PARTNER, fields={"filter": dict, "paging": dict})
def partner_tenants(call: Call) -> dict:
    filters = call.payload.get("filter") or {}
    with call.state.lock:
        tenants = [t for t in call.state.tenants.values() if t.partner_id == call.partner.id]
        if isinstance(filters.get("name"), str) and filters["name"]:
            tenants = [t for t in tenants if filters["name"].lower() in t.name.lower()]
        if isinstance(filters.get("owner_id"), str) and filters["owner_id"]:
            tenants = [t for t in tenants if t.owner_id == filters["owner_id"]]
        page, paging = paginate(sorted(tenants, key=lambda t: t.id), lambda t: t.id, call.payload)
        return {"tenants": [t.to_json() for t in page], "paging": paging}


@api(
    "Etelecom/PartnerActivateTenant",
    scope=PARTNER,
    fields={"tenant_id": str, "owner_id": str, "connection_id": str, "hotline_id": str},
    required=("tenant_id", "owner_id", "connection_id", "hotline_id"),
)
def activate_tenant(call: Call) -> dict:
    payload, state = call.payload, call.state
    with state.lock:
        tenant = next((t for t in state.tenants.values() if t.id == payload["tenant_id"]), None)
        if tenant is None or tenant.partner_id != call.partner.id:
            raise ApiError(404, "not_found", f"no tenant {payload['tenant_id']} for this partner")
        if (tenant.owner_id, tenant.connection_id) != (payload["owner_id"], payload["connection_id"]):
            raise invalid("owner_id and connection_id do not match the tenant", field="owner_id")
        hotline = state.hotlines.get(payload["hotline_id"])
        if hotline is None or hotline.partner_id != call.partner.id:
            raise ApiError(404, "not_found", f"no hotline {payload['hotline_id']} for this partner")
        if hotline.tenant_id and hotline.tenant_id != tenant.id:
            raise invalid("the hotline is attached to another tenant", field="hotline_id")
        tenant.status, tenant.updated_at = "P", state.now()
        hotline.tenant_id, hotline.status, hotline.connection_id = tenant.id, "P", tenant.connection_id
        hotline.owner_id = hotline.owner_id or tenant.owner_id
        hotline.updated_at = state.now()
    return {"updated": 1}


# --- hotlines -----------------------------------------------------------------------------------------------


def add_hotline_for(state, partner_id: str, *, number: str, name: str, **values) -> HotlineRecord:
    hotline = HotlineRecord(
        id=state.new_id(), partner_id=partner_id, hotline=number, name=name, created_at=state.now(), **values
    )
    state.hotlines[hotline.id] = hotline
    return hotline


@api(
    "Etelecom/PartnerAddHotline",
    scope=PARTNER,
    fields={
        "hotline": str,
        "name": str,
        "description": str,
        "network": str,
        "is_free_charge": bool,
        "owner_id": str,
    },
    required=("hotline", "name"),
)
def add_hotline(call: Call) -> dict:
    payload = call.payload
    number = payload["hotline"].strip()
    if not re.fullmatch(r"(0|84)\d{7,10}|1[89]00\d{4,6}", number):
        raise invalid("hotline must be a Vietnamese phone number (0…, 84…, 1800… or 1900…)", field="hotline")
    network = payload.get("network") or "unknown"
    if network not in NETWORKS:
        raise invalid(f"network must be one of {', '.join(NETWORKS)}", field="network")
    with call.state.lock:
        if any(h.hotline == number for h in call.state.hotlines.values()):
            raise ApiError(409, "already_exists", f"hotline {number} is already registered")
        hotline = add_hotline_for(
            call.state,
            call.partner.id,
            number=number,
            name=payload["name"].strip(),
            description=payload.get("description") or "",
            network=network,
            is_free_charge=bool(payload.get("is_free_charge")),
            owner_id=payload.get("owner_id") or "",
        )
        return hotline.to_json()


@api("Etelecom/GetPartnerHotlineList", scope=PARTNER, fields={"paging": dict})
def partner_hotlines(call: Call) -> dict:
    with call.state.lock:
        hotlines = sorted((h for h in call.state.hotlines.values() if h.partner_id == call.partner.id), key=_id)
        page, paging = paginate(hotlines, _id, call.payload)
        return {"hotlines": [h.to_json() for h in page], "paging": paging}


def _id(record) -> str:
    return record.id


# --- staff users --------------------------------------------------------------------------------------------


def add_user_for(state, shop, *, full_name: str, phone: str) -> UserRecord:
    user = UserRecord(
        id=state.new_id(), account_id=shop.owner_id, full_name=full_name, phone=phone, created_at=state.now()
    )
    state.pbx_users.setdefault(shop.id, {})[user.id] = user
    return user


@api(
    "Shop/CreateAccountUser",
    scope=SHOP,
    fields={"full_name": str, "password": str, "phone": str},
    required=("full_name", "password", "phone"),
)
def create_account_user(call: Call) -> dict:
    payload = call.payload
    phone = payload["phone"].strip()
    if not PHONE.fullmatch(phone):
        raise invalid("phone must be a Vietnamese mobile number (0xxxxxxxxx or 84xxxxxxxxx)", field="phone")
    if len(payload["password"]) < 6:
        raise invalid("password must be at least 6 characters", field="password")
    with call.state.lock:
        users = call.state.pbx_users.get(call.shop.id, {})
        if any(user.phone == phone for user in users.values()):
            raise ApiError(409, "already_exists", f"a user with phone {phone} already exists")
        user = add_user_for(call.state, call.shop, full_name=payload["full_name"].strip(), phone=phone)
        return user.to_json(listed=False)


@api("Shop/GetAccountUsers", scope=SHOP, fields={"filter": dict, "paging": dict})
def account_users(call: Call) -> dict:
    filters = call.payload.get("filter") or {}
    state = call.state
    with state.lock:
        users = sorted(state.pbx_users.get(call.shop.id, {}).values(), key=_id)
        holders = {e.user_id: e for e in state.extensions.get(call.shop.id, {}).values() if e.user_id}
        if isinstance(filters.get("has_extension"), bool):
            users = [u for u in users if (u.id in holders) == filters["has_extension"]]
        if filters.get("extension_number"):
            number = str(filters["extension_number"])
            users = [u for u in users if u.id in holders and holders[u.id].extension_number == number]
        if isinstance(filters.get("name"), str) and filters["name"]:
            users = [u for u in users if filters["name"].lower() in u.full_name.lower()]
        if isinstance(filters.get("phone"), str) and filters["phone"]:
            users = [u for u in users if u.phone == filters["phone"]]
        if isinstance(filters.get("user_ids"), list) and filters["user_ids"]:
            wanted = {str(value) for value in filters["user_ids"]}
            users = [u for u in users if u.id in wanted]
        page, paging = paginate(users, _id, call.payload)
        return {"account_users": [u.to_json(listed=True) for u in page], "paging": paging}


# --- extensions ---------------------------------------------------------------------------------------------


def add_extension_for(
    state, shop, tenant: TenantRecord, *, number: str, hotline_id: str, user_id=""
) -> ExtensionRecord:
    now = state.now()
    extension = ExtensionRecord(
        id=state.new_id(),
        shop_id=shop.id,
        account_id=shop.owner_id,
        tenant_id=tenant.id,
        tenant_domain=tenant.domain,
        extension_number=number,
        extension_password=state.secret(f"extension:{shop.id}:{number}")[:16],
        hotline_id=hotline_id,
        user_id=user_id,
        subscription_id=state.new_id(),
        created_at=now,
        expires_at=now + timedelta(days=365),
    )
    state.extensions.setdefault(shop.id, {})[extension.id] = extension
    return extension


@api(
    "Etelecom/CreateExtension",
    scope=SHOP,
    fields={"hotline_id": str, "extension_number": (int, str), "user_id": str},
    required=("hotline_id", "extension_number"),
)
def create_extension(call: Call) -> dict:
    payload = call.payload
    number = str(payload["extension_number"])
    if not number.isdigit() or not 3 <= len(number) <= 6:
        raise invalid("extension_number must be 3 to 6 digits", field="extension_number")
    with call.state.lock:
        tenant = _active_tenant(call)
        _tenant_hotline(call, tenant, payload["hotline_id"])
        user_id = payload.get("user_id") or ""
        if user_id not in ("", "0"):
            _user(call, user_id)
        else:
            user_id = ""
        extensions = call.state.extensions.get(call.shop.id, {})
        if any(e.extension_number == number for e in extensions.values()):
            raise ApiError(409, "already_exists", f"extension {number} already exists")
        extension = add_extension_for(
            call.state, call.shop, tenant, number=number, hotline_id=payload["hotline_id"], user_id=user_id
        )
        return extension.to_json()


@api(
    "Etelecom/GetExtensionInfo",
    scope=SHOP,
    fields={"extension_number": str, "email": str, "phone": str},
    required=("extension_number",),
)
def extension_info(call: Call) -> dict:
    number = call.payload["extension_number"]
    with call.state.lock:
        extension = next(
            (e for e in call.state.extensions.get(call.shop.id, {}).values() if e.extension_number == number), None
        )
        if extension is None:
            raise ApiError(404, "not_found", f"no extension {number} for this shop")
        data = extension.to_json()
        return {k: data[k] for k in ("extension_number", "extension_password", "tenant_domain", "expires_at")}


@api("Etelecom/GetExtensions", scope=SHOP, fields={"paging": dict})
def extensions(call: Call) -> dict:
    with call.state.lock:
        rows = sorted(call.state.extensions.get(call.shop.id, {}).values(), key=_id)
        page, paging = paginate(rows, _id, call.payload)
        return {"extensions": [e.to_json() for e in page], "paging": paging}


@api(
    "Etelecom/AssignUserToExtension",
    scope=SHOP,
    fields={"extension_id": str, "user_id": str},
    required=("extension_id", "user_id"),
)
def assign_user(call: Call) -> dict:
    with call.state.lock:
        extension = _extension(call, call.payload["extension_id"])
        user = _user(call, call.payload["user_id"])
        if extension.user_id and extension.user_id != user.id:
            raise invalid("the extension already has a user; remove that user first", field="extension_id")
        extension.user_id, extension.updated_at = user.id, call.state.now()
    return {"updated": 1}


@api(
    "Etelecom/UpdateHotlineForExtension",
    scope=SHOP,
    fields={"extension_id": str, "hotline_id": str, "user_id": str},
    required=("extension_id", "hotline_id"),
)
def change_hotline(call: Call) -> dict:
    with call.state.lock:
        extension = _extension(call, call.payload["extension_id"])
        _tenant_hotline(call, _tenant(call), call.payload["hotline_id"])
        extension.hotline_id, extension.updated_at = call.payload["hotline_id"], call.state.now()
    return {"updated": 1}


@api(
    "Etelecom/RemoveUserOfExtension",
    scope=SHOP,
    fields={"extension_id": str, "user_id": str},
    required=("extension_id",),
)
def remove_user(call: Call) -> dict:
    with call.state.lock:
        extension = _extension(call, call.payload["extension_id"])
        user_id = call.payload.get("user_id") or ""
        if not extension.user_id or (user_id and user_id != extension.user_id):
            return {"updated": 0}
        extension.user_id, extension.updated_at = "", call.state.now()
    return {"updated": 1}


# --- call history -------------------------------------------------------------------------------------------


def _moment(filters: dict, name: str) -> float | None:
    value = filters.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise invalid(f"filter.{name}: expected a date-time string", field=f"filter.{name}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"filter.{name}: not an RFC 3339 date-time", field=f"filter.{name}") from None
    if moment.tzinfo is None:
        raise invalid(f"filter.{name}: the date-time needs an offset", field=f"filter.{name}")
    return moment.timestamp()


def _call_matcher(filters: dict, history: CallHistory):
    """A predicate over generated call dicts for every filter but the date range (which bounds the scan)."""
    checks = []
    direction = filters.get("direction") or ""
    if direction:
        if direction not in DIRECTIONS:
            raise invalid(f"filter.direction must be one of {', '.join(DIRECTIONS)}", field="filter.direction")
        checks.append(lambda c: c["direction"] == direction)
    call_state = filters.get("call_state") or ""
    if call_state:
        if call_state not in CALL_STATES:
            raise invalid(f"filter.call_state must be one of {', '.join(CALL_STATES)}", field="filter.call_state")
        checks.append(lambda c: c["call_state"] == call_state)
    duration = filters.get("duration")
    if duration:
        if not isinstance(duration, dict):
            raise invalid("filter.duration: expected object", field="filter.duration")
        comparison, threshold = duration.get("comparison") or "", duration.get("value", 0)
        if comparison not in ("", "unknown", "unknow"):  # the docs' example spells "unknow": no comparison
            if comparison not in COMPARISONS or not isinstance(threshold, int) or isinstance(threshold, bool):
                raise invalid("filter.duration: unknown comparison or a value that is not an integer", field="duration")
            compare = COMPARISONS[comparison]
            checks.append(lambda c: compare(c["duration"], threshold))
    for name in ("extension_ids", "hotline_ids"):
        if filters.get(name) is not None and not isinstance(filters[name], list):
            raise invalid(f"filter.{name}: expected array", field=f"filter.{name}")
    if filters.get("extension_ids"):
        wanted = {str(value) for value in filters["extension_ids"]}
        checks.append(lambda c: c["extension_id"] in wanted)
    if filters.get("hotline_ids"):
        wanted_hotlines = {str(value) for value in filters["hotline_ids"]}
        extension_hotline = {extension[0]: extension[3] for extension in history.extensions}
        checks.append(lambda c: extension_hotline.get(c["extension_id"]) in wanted_hotlines)
    number = filters.get("call_number") or ""
    if number:
        checks.append(lambda c: number in (c["caller"], c["callee"]))
    user_id = filters.get("user_id") or ""
    if user_id:
        checks.append(lambda c: c["user_id"] == str(user_id))
    for name in ("external_id", "external_session_id"):
        value = filters.get(name) or ""
        if value:
            checks.append(lambda c, name=name, value=value: c[name] == value)
    return lambda c: all(check(c) for check in checks)


@api("Etelecom/ListCallLogs", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_call_logs(call: Call) -> dict:
    """Newest first. The cursor is the index below which the next page starts."""
    filters = call.payload.get("filter") or {}
    position, limit = page_request(call.payload)
    after = (call.payload.get("paging") or {}).get("after") or ""
    with call.state.lock:
        history = call.state.call_histories.get(call.shop.id)
        if history is None:
            return {"call_logs": [], "paging": _paging(after, limit, None)}
        date_from, date_to = _moment(filters, "date_from"), _moment(filters, "date_to")
        low = history.first_at_or_after(date_from) if date_from is not None else 0
        high = history.first_at_or_after(date_to + 1e-6) if date_to is not None else history.count
        if position:
            if not position.isdigit():
                raise invalid("paging.after: not a cursor this API issued", field="paging.after")
            high = min(high, int(position))
        matches = _call_matcher(filters, history)
        page, index, scanned = [], high, 0
        while index > low and len(page) < limit and scanned < SCAN_LIMIT:
            index -= 1
            scanned += 1
            record = history.call(index, call.origin)
            if matches(record):
                page.append(record)
        return {"call_logs": page, "paging": _paging(after, limit, index if index > low else None)}


def _paging(after: str, limit: int, next_index: int | None) -> dict:
    return {
        "after": after,
        "before": "",
        "limit": limit,
        "next": encode_cursor(str(next_index)) if next_index is not None else "",
        "prev": "",
        "sort": "-started_at",
    }
