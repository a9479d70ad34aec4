"""Sandbox handlers for the cloud PBX: tenants, hotlines, staff users, extensions and `ListCallLogs`.

Longer than ~400 lines on purpose: one module per eTelecom service, as the client's `etelecom/pbx.py`; tenants,
hotlines, users, extensions and the call log share one tenant lookup and one state (`pbx_state`)."""

from __future__ import annotations

import re
from datetime import timedelta

from .api import (
    ID,
    IDS,
    INT,
    PARTNER,
    PHONE_NUMBER,
    SHOP,
    TIME,
    ApiError,
    Call,
    api,
    filters,
    invalid,
    number,
    page_request,
    page_response,
    paginate,
    phone_key,
)
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
PHONE = re.compile(r"^(0|84|\+84)[0-9]{9,10}$")
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
    wanted = filters(call.payload, {"name": str, "owner_id": ID})
    with call.state.lock:
        tenants = [t for t in call.state.tenants.values() if t.partner_id == call.partner.id]
        if "name" in wanted:
            tenants = [t for t in tenants if wanted["name"].lower() in t.name.lower()]
        if "owner_id" in wanted:
            tenants = [t for t in tenants if t.owner_id == wanted["owner_id"]]
        page, paging = paginate(sorted(tenants, key=lambda t: t.id), lambda t: t.id, call.payload)
        return {"tenants": [t.to_json() for t in page], "paging": paging}


@api(
    "Etelecom/PartnerActivateTenant",
    scope=PARTNER,
    fields={"tenant_id": ID, "owner_id": ID, "connection_id": ID, "hotline_id": ID},
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
        "owner_id": ID,
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
        raise invalid("phone must be a Vietnamese number (0xxxxxxxxx, 84xxxxxxxxx or +84xxxxxxxxx)", field="phone")
    if len(payload["password"]) < 6:
        raise invalid("password must be at least 6 characters", field="password")
    with call.state.lock:
        users = call.state.pbx_users.get(call.shop.id, {})
        if any(phone_key(user.phone) == phone_key(phone) for user in users.values()):
            raise ApiError(409, "already_exists", f"a user with phone {phone} already exists")
        user = add_user_for(call.state, call.shop, full_name=payload["full_name"].strip(), phone=phone)
        return user.to_json(listed=False)


USER_FILTERS = {"extension_number": str, "has_extension": bool, "name": str, "phone": PHONE_NUMBER, "user_ids": IDS}


@api("Shop/GetAccountUsers", scope=SHOP, fields={"filter": dict, "paging": dict})
def account_users(call: Call) -> dict:
    """`name` matches a part of the name ignoring case (the table's "ID of the employee" reads as a mistake)."""
    wanted = filters(call.payload, USER_FILTERS)
    state = call.state
    with state.lock:
        users = sorted(state.pbx_users.get(call.shop.id, {}).values(), key=_id)
        holders = {e.user_id: e for e in state.extensions.get(call.shop.id, {}).values() if e.user_id}
        if "has_extension" in wanted:
            users = [u for u in users if (u.id in holders) == wanted["has_extension"]]
        if "extension_number" in wanted:
            number = wanted["extension_number"]
            users = [u for u in users if u.id in holders and holders[u.id].extension_number == number]
        if "name" in wanted:
            users = [u for u in users if wanted["name"].lower() in u.full_name.lower()]
        if "phone" in wanted:
            users = [u for u in users if phone_key(u.phone) == wanted["phone"]]
        if "user_ids" in wanted:
            users = [u for u in users if u.id in set(wanted["user_ids"])]
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
    fields={"hotline_id": ID, "extension_number": (int, str), "user_id": ID},
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
    fields={"extension_id": ID, "user_id": ID},
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
    fields={"extension_id": ID, "hotline_id": ID, "user_id": ID},
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
    fields={"extension_id": ID, "user_id": ID},
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


CALL_FILTERS = {
    "call_number": str,
    "call_state": CALL_STATES,
    "date_from": TIME,
    "date_to": TIME,
    "department_id": ID,
    "direction": DIRECTIONS,
    "duration": dict,
    "extension_ids": IDS,
    "hotline_ids": IDS,
    "external_id": str,
    "external_session_id": str,
    "user_id": ID,
}


def _call_matcher(call: Call, wanted: dict, history: CallHistory):
    """A predicate over generated call dicts for every filter but the date range (which bounds the scan)."""
    checks = []
    for name in ("direction", "call_state", "external_id", "external_session_id", "user_id"):
        if name in wanted:
            checks.append(lambda c, name=name, value=wanted[name]: c[name] == value)
    duration = wanted.get("duration")
    if duration:
        comparison, threshold = duration.get("comparison") or "", duration.get("value", 0)
        if comparison not in ("", "unknown", "unknow"):  # the docs' example spells "unknow": no comparison
            if comparison not in COMPARISONS or number(threshold, INT) is None:
                raise invalid("filter.duration: unknown comparison or a value that is not an integer", field="duration")
            compare, limit = COMPARISONS[comparison], number(threshold, INT)
            checks.append(lambda c: compare(c["duration"], limit))
    if "extension_ids" in wanted:
        extensions = set(wanted["extension_ids"])
        checks.append(lambda c: c["extension_id"] in extensions)
    if "hotline_ids" in wanted:
        hotlines = set(wanted["hotline_ids"])
        extension_hotline = {extension[0]: extension[3] for extension in history.extensions}
        checks.append(lambda c: extension_hotline.get(c["extension_id"]) in hotlines)
    if "department_id" in wanted:
        # A call record names no department: a call is the department's when its staff user is in it.
        users = call.state.pbx_users.get(call.shop.id, {}).values()
        members = {user.id for user in users if user.department_id == wanted["department_id"]}
        checks.append(lambda c: c["user_id"] in members)
    if "call_number" in wanted:
        # "the phone number involved in the call": the caller or the callee, in any of its forms (0…, 84…, +84…).
        number_key = phone_key(wanted["call_number"])
        checks.append(lambda c: number_key in (phone_key(c["caller"]), phone_key(c["callee"])))
    return lambda c: all(check(c) for check in checks)


@api("Etelecom/ListCallLogs", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_call_logs(call: Call) -> dict:
    """Newest first (`-started_at`). A cursor is a call's index: `after` lists the calls older than it, `before`
    the calls from it on, newer; the date range (on `started_at`) is a binary search, the other filters a scan
    of at most `SCAN_LIMIT` calls, after which a page ends early with its cursors."""
    wanted = filters(call.payload, CALL_FILTERS)
    paging = page_request(call.payload, "-started_at")
    with call.state.lock:
        history = call.state.call_histories.get(call.shop.id)
        if history is None:
            return {"call_logs": [], "paging": page_response(paging, next_position=None, prev_position=None)}
        low = history.first_at_or_after(wanted["date_from"].timestamp()) if "date_from" in wanted else 0
        top = history.first_at_or_after(wanted["date_to"].timestamp() + 1e-6) if "date_to" in wanted else history.count
        matches = _call_matcher(call, wanted, history)
        if paging.before:
            start = max(low, _index(paging.before))
            page, index = _scan_up(history, call.origin, matches, start, top, paging.limit)
            page.reverse()
            next_index, prev_index = (start if start > low else None), (index if index < top else None)
        else:
            high = min(top, _index(paging.after)) if paging.after else top
            page, index = _scan_down(history, call.origin, matches, low, high, paging.limit)
            next_index = index if index > low else None
            prev_index = high if high < top and paging.after else None
    return {
        "call_logs": page,
        "paging": page_response(
            paging,
            next_position=str(next_index) if next_index is not None else None,
            prev_position=str(prev_index) if prev_index is not None else None,
        ),
    }


def _index(position: str) -> int:
    if not position.isdigit():
        raise invalid("paging: not a cursor this API issued", field="paging")
    return int(position)


def _scan_down(history, origin, matches, low: int, high: int, limit: int) -> tuple[list[dict], int]:
    """Matching calls below `high`, newest first; returns them and the index the scan stopped at."""
    page, index, scanned = [], high, 0
    while index > low and len(page) < limit and scanned < SCAN_LIMIT:
        index -= 1
        scanned += 1
        record = history.call(index, origin)
        if matches(record):
            page.append(record)
    return page, index


def _scan_up(history, origin, matches, start: int, top: int, limit: int) -> tuple[list[dict], int]:
    """Matching calls from `start` up, oldest first; returns them and the index above the last one scanned."""
    page, index, scanned = [], start, 0
    while index < top and len(page) < limit and scanned < SCAN_LIMIT:
        record = history.call(index, origin)
        index += 1
        scanned += 1
        if matches(record):
            page.append(record)
    return page, index
