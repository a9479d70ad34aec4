"""Cloud PBX calls: tenants, hotlines, staff users, extensions and call history (`ListCallLogs`).

Partner calls (`GetPartnerTenantList`, `PartnerAddHotline`, `GetPartnerHotlineList`, `PartnerActivateTenant`) take
the partner's own key; the rest take a shop's key. Five pages of the docs have no stored content (add or remove a
hotline on a tenant, remove a hotline, the driver configuration, the shop-side hotline list): they are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from . import fields
from .client import Client, mask

SERVICE = "Etelecom"

METHODS = (
    "Etelecom/GetPartnerTenantList",
    "Etelecom/PartnerAddHotline",
    "Etelecom/GetPartnerHotlineList",
    "Etelecom/PartnerActivateTenant",
    "Etelecom/CreateTenant",
    "Etelecom/GetTenant",
    "Shop/CreateAccountUser",
    "Shop/GetAccountUsers",
    "Etelecom/CreateExtension",
    "Etelecom/GetExtensionInfo",
    "Etelecom/GetExtensions",
    "Etelecom/AssignUserToExtension",
    "Etelecom/UpdateHotlineForExtension",
    "Etelecom/RemoveUserOfExtension",
    "Etelecom/ListCallLogs",
)

# Tenant and hotline status codes (Z new, P enabled, N disabled); unknown values are kept as they came.
STATUS_NEW, STATUS_ENABLED = "Z", "P"


@dataclass(frozen=True, slots=True)
class Tenant:
    """A shop's switchboard (`CreateTenant`, `GetTenant`, `GetPartnerTenantList`). Activation needs its
    `owner_id` and `connection_id`, which only these answers carry."""

    id: str
    name: str
    domain: str
    owner_id: str
    connection_id: str
    connection_method: str
    status: str
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> Tenant:
        data = data.get("tenant") if isinstance(data.get("tenant"), dict) else data
        return cls(
            id=fields.ident(data, "id", "tenant_id"),
            name=fields.text(data, "name"),
            domain=fields.text(data, "domain"),
            owner_id=fields.ident(data, "owner_id", "onwer_id"),
            connection_id=fields.ident(data, "connection_id"),
            connection_method=fields.text(data, "connection_method"),
            status=fields.text(data, "status"),
            created_at=fields.timestamp(data, "created_at"),
            updated_at=fields.timestamp(data, "updated_at"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Hotline:
    """A phone number in the partner's pool (`PartnerAddHotline`, `GetPartnerHotlineList`)."""

    id: str
    hotline: str
    name: str
    description: str
    network: str
    is_free_charge: bool
    owner_id: str
    tenant_id: str
    connection_id: str
    connection_method: str
    status: str
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> Hotline:
        return cls(
            id=fields.ident(data, "id", "hotline_id"),
            hotline=fields.text(data, "hotline"),
            name=fields.text(data, "name"),
            description=fields.text(data, "description"),
            network=fields.text(data, "network"),
            is_free_charge=fields.boolean(data, "is_free_charge"),
            owner_id=fields.ident(data, "owner_id", "onwer_id"),
            tenant_id=fields.ident(data, "tenant_id"),
            connection_id=fields.ident(data, "connection_id"),
            connection_method=fields.text(data, "connection_method"),
            status=fields.text(data, "status"),
            created_at=fields.timestamp(data, "created_at"),
            updated_at=fields.timestamp(data, "updated_at"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class AccountUser:
    """A shop's staff member (`CreateAccountUser` answers `id`, `GetAccountUsers` lists `user_id`)."""

    id: str
    account_id: str
    full_name: str
    short_name: str
    phone: str
    email: str
    deleted: bool
    is_blocked: bool
    department_id: str
    position: str
    roles: tuple[str, ...]
    created_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> AccountUser:
        roles = data.get("roles") if isinstance(data.get("roles"), list) else []
        return cls(
            id=fields.ident(data, "user_id", "id"),
            account_id=fields.ident(data, "account_id"),
            full_name=fields.text(data, "full_name"),
            short_name=fields.text(data, "short_name"),
            phone=fields.text(data, "phone"),
            email=fields.text(data, "email"),
            deleted=fields.boolean(data, "deleted"),
            is_blocked=fields.boolean(data, "is_blocked"),
            department_id=fields.ident(data, "department_id"),
            position=fields.text(data, "position"),
            roles=tuple(str(role) for role in roles),
            created_at=fields.timestamp(data, "created_at"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Extension:
    """An extension (`CreateExtension`, `GetExtensions`; `GetExtensionInfo` fills only the login fields).
    `user_id` is "" when no user holds it (the API sends "0")."""

    id: str
    extension_number: str
    tenant_id: str
    tenant_domain: str
    hotline_id: str
    user_id: str
    account_id: str
    subscription_id: str
    state: str
    created_at: datetime | None
    updated_at: datetime | None
    expires_at: datetime | None
    extension_password: str = field(repr=False, default="")
    raw: dict = field(repr=False, compare=False, default_factory=dict)

    def __str__(self) -> str:
        return f"Extension({self.extension_number}, password={mask(self.extension_password)!r})"

    @classmethod
    def from_api(cls, data: dict) -> Extension:
        return cls(
            id=fields.ident(data, "id", "extension_id"),
            extension_number=fields.text(data, "extension_number"),
            tenant_id=fields.ident(data, "tenant_id"),
            tenant_domain=fields.text(data, "tenant_domain"),
            hotline_id=fields.ident(data, "hotline_id"),
            user_id=fields.ident(data, "user_id"),
            account_id=fields.ident(data, "account_id"),
            subscription_id=fields.ident(data, "subscription_id"),
            state=fields.text(data, "state"),
            created_at=fields.timestamp(data, "created_at"),
            updated_at=fields.timestamp(data, "updated_at"),
            expires_at=fields.timestamp(data, "expires_at"),
            extension_password=fields.text(data, "extension_password"),
            raw={k: v for k, v in data.items() if k != "extension_password"},
        )


# --- partner calls ------------------------------------------------------------------------------------------


def iter_partner_tenants(client: Client, *, limit: int = 100, **filters) -> Iterator[Tenant]:
    """Every tenant the partner created (`GetPartnerTenantList`); filters: name, owner_id."""
    payload = {"filter": filters} if filters else {}
    for item in client.paginate(SERVICE, "GetPartnerTenantList", payload, items_key="tenants", limit=limit):
        yield Tenant.from_api(item)


def add_hotline(
    client: Client,
    *,
    hotline: str,
    name: str,
    description: str = "",
    network: str = "unknown",
    is_free_charge: bool = False,
    owner_id: str = "",
) -> Hotline:
    payload = {
        "hotline": hotline,
        "name": name,
        "description": description,
        "network": network,
        "is_free_charge": is_free_charge,
    }
    if owner_id:
        payload["owner_id"] = owner_id
    return Hotline.from_api(client.call(SERVICE, "PartnerAddHotline", payload))


def iter_partner_hotlines(client: Client, *, limit: int = 100) -> Iterator[Hotline]:
    for item in client.paginate(SERVICE, "GetPartnerHotlineList", items_key="hotlines", limit=limit):
        yield Hotline.from_api(item)


def activate_tenant(client: Client, *, tenant_id: str, owner_id: str, connection_id: str, hotline_id: str) -> bool:
    """`PartnerActivateTenant` with what CreateTenant or the tenant list answered. The docs' table and widget
    disagree on which fields are required; all four go."""
    payload = {"tenant_id": tenant_id, "owner_id": owner_id, "connection_id": connection_id, "hotline_id": hotline_id}
    return _updated(client.call(SERVICE, "PartnerActivateTenant", payload))


# --- shop calls ---------------------------------------------------------------------------------------------


def create_tenant(client: Client) -> Tenant:
    """The shop's tenant (the call takes no fields); it starts new (`Z`) until the partner activates it."""
    return Tenant.from_api(client.call(SERVICE, "CreateTenant"))


def get_tenant(client: Client) -> Tenant:
    return Tenant.from_api(client.call(SERVICE, "GetTenant"))


def create_account_user(client: Client, *, full_name: str, phone: str, password: str) -> AccountUser:
    """A staff account on the shop; the password is sent once and kept nowhere."""
    answer = client.call("Shop", "CreateAccountUser", {"full_name": full_name, "phone": phone, "password": password})
    return AccountUser.from_api(answer)


def iter_account_users(client: Client, *, limit: int = 100, **filters) -> Iterator[AccountUser]:
    """Filters: extension_number, has_extension, name, phone, user_ids."""
    payload = {"filter": filters} if filters else {}
    for item in client.paginate("Shop", "GetAccountUsers", payload, items_key="account_users", limit=limit):
        yield AccountUser.from_api(item)


def create_extension(client: Client, *, hotline_id: str, extension_number: int, user_id: str = "") -> Extension:
    payload = {"hotline_id": hotline_id, "extension_number": int(extension_number)}
    if user_id:
        payload["user_id"] = user_id
    return Extension.from_api(client.call(SERVICE, "CreateExtension", payload))


def get_extension_info(client: Client, *, extension_number: str) -> Extension:
    return Extension.from_api(client.call(SERVICE, "GetExtensionInfo", {"extension_number": str(extension_number)}))


def iter_extensions(client: Client, *, limit: int = 100) -> Iterator[Extension]:
    for item in client.paginate(SERVICE, "GetExtensions", items_key="extensions", limit=limit):
        yield Extension.from_api(item)


def assign_user(client: Client, *, extension_id: str, user_id: str) -> bool:
    return _updated(client.call(SERVICE, "AssignUserToExtension", {"extension_id": extension_id, "user_id": user_id}))


def change_hotline(client: Client, *, extension_id: str, hotline_id: str) -> bool:
    payload = {"extension_id": extension_id, "hotline_id": hotline_id}
    return _updated(client.call(SERVICE, "UpdateHotlineForExtension", payload))


def remove_user(client: Client, *, extension_id: str, user_id: str) -> bool:
    payload = {"extension_id": extension_id, "user_id": user_id}
    return _updated(client.call(SERVICE, "RemoveUserOfExtension", payload))


def _updated(answer: dict) -> bool:
    """`{"updated": 1}` on success, 0 when eTelecom changed nothing."""
    return fields.integer(answer, "updated", default=0) == 1


# --- call history -------------------------------------------------------------------------------------------


def call_log_filter(
    *,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    direction: str = "",
    call_state: str = "",
    duration: tuple[str, int] | None = None,
    hotline_ids: list[str] | None = None,
    extension_ids: list[str] | None = None,
    call_number: str = "",
    user_id: str = "",
    external_id: str = "",
    external_session_id: str = "",
) -> dict:
    """The documented `ListCallLogs` filter, with empty parts left out."""
    result: dict = {}
    if date_from is not None:
        result["date_from"] = date_from.isoformat()
    if date_to is not None:
        result["date_to"] = date_to.isoformat()
    if direction:
        result["direction"] = direction
    if call_state:
        result["call_state"] = call_state
    if duration is not None:
        result["duration"] = {"comparison": duration[0], "value": int(duration[1])}
    if hotline_ids:
        result["hotline_ids"] = [str(value) for value in hotline_ids]
    if extension_ids:
        result["extension_ids"] = [str(value) for value in extension_ids]
    if call_number:
        result["call_number"] = call_number
    if user_id:
        result["user_id"] = user_id
    if external_id:
        result["external_id"] = external_id
    if external_session_id:
        result["external_session_id"] = external_session_id
    return result


def iter_call_log_pages(
    client: Client, *, filter: dict | None = None, after: str = "", limit: int = 1000
) -> Iterator[tuple[list[dict], str]]:
    """Pages of `ListCallLogs` (newest first) as (raw call-log dicts, cursor of the next page; "" on the last).

    Raw dicts, not records: a history sync reads millions of them and turns each straight into a database row.
    Resuming from a saved cursor continues the same listing."""
    payload = {"filter": filter} if filter else {}
    return client.pages(SERVICE, "ListCallLogs", payload, items_key="call_logs", after=after, limit=limit)
