"""The sandbox's cloud PBX: tenants, hotlines, staff users, extensions, and call histories of any size.

A call history holds no calls: call `i` of a shop (0 the oldest) is computed from `i` and the history's seed, in
time order, so a million-call history costs a few numbers. Calls added later (`add`) are kept as records.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .state import iso

CALL_ID_BASE = 2_000_000_000_000_000_000
CALLS_PER_CUSTOMER = 4  # a shop's customers call about this often, whatever the history's size


@dataclass
class TenantRecord:
    id: str
    shop_id: str
    partner_id: str
    owner_id: str
    connection_id: str
    name: str
    domain: str
    created_at: datetime
    status: str = "Z"
    connection_method: str = "direct"
    updated_at: datetime | None = None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "domain": self.domain,
            "owner_id": self.owner_id,
            "connection_id": self.connection_id,
            "connection_method": self.connection_method,
            "status": self.status,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at or self.created_at),
        }


@dataclass
class HotlineRecord:
    id: str
    partner_id: str
    hotline: str
    name: str
    created_at: datetime
    description: str = ""
    network: str = "unknown"
    is_free_charge: bool = False
    owner_id: str = ""
    tenant_id: str = ""
    connection_id: str = ""
    status: str = "Z"
    updated_at: datetime | None = None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "hotline": self.hotline,
            "name": self.name,
            "description": self.description,
            "network": self.network,
            "is_free_charge": self.is_free_charge,
            "owner_id": self.owner_id,
            "connection_id": self.connection_id,
            "connection_method": "direct",
            "status": self.status,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at or self.created_at),
        }


@dataclass
class UserRecord:
    id: str
    account_id: str
    full_name: str
    phone: str
    created_at: datetime
    email: str = ""
    department_id: str = ""

    def to_json(self, *, listed: bool) -> dict:
        data = {
            "full_name": self.full_name,
            "short_name": self.full_name.split()[-1] if self.full_name.split() else "",
            "phone": self.phone,
            "email": self.email,
        }
        if listed:  # GetAccountUsers
            data.update(
                user_id=self.id,
                account_id=self.account_id,
                deleted=False,
                department_id=self.department_id,
                position="",
                roles=["staff"],
                permissions=[],
            )
        else:  # CreateAccountUser
            data.update(
                id=self.id,
                is_blocked=False,
                block_reason="",
                total_shop=0,
                source="partner",
                created_at=iso(self.created_at),
                updated_at=iso(self.created_at),
            )
        return data


@dataclass
class ExtensionRecord:
    id: str
    shop_id: str
    account_id: str
    tenant_id: str
    tenant_domain: str
    extension_number: str
    extension_password: str
    hotline_id: str
    created_at: datetime
    expires_at: datetime
    user_id: str = ""
    subscription_id: str = ""
    state: str = "P"
    updated_at: datetime | None = None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "extension_number": self.extension_number,
            "extension_password": self.extension_password,
            "tenant_id": self.tenant_id,
            "tenant_domain": self.tenant_domain,
            "hotline_id": self.hotline_id,
            "user_id": self.user_id or "0",
            "account_id": self.account_id,
            "subscription_id": self.subscription_id,
            "state": self.state,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at or self.created_at),
            "expires_at": iso(self.expires_at),
        }


def _local(moment: float) -> str:
    """An epoch time as eTelecom writes it (ISO-8601, seconds, +07:00); a third of `iso()`'s cost, which counts
    when a page holds a thousand calls."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+07:00", time.gmtime(int(moment) + 25_200))


def _mix(value: int) -> int:
    """A cheap 64-bit hash (splitmix64's finaliser): every field of a generated call comes from its bits."""
    value = (value + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return value ^ (value >> 31)


@dataclass
class CallHistory:
    """One shop's calls: `generated` computed ones spread evenly up to `end`, then `added` records."""

    number: int  # distinguishes shops' call ids
    seed: int
    generated: int
    end: datetime
    span: timedelta
    # (extension id, number, user id, hotline id, hotline number) the calls are spread over
    extensions: list[tuple[str, str, str, str, str]]
    added: list[dict] = field(default_factory=list)
    added_times: list[float] = field(default_factory=list)

    def __post_init__(self):
        self._end = self.end.timestamp()
        self._step = self.span.total_seconds() / max(self.generated, 1)
        self._customers = max(self.generated // CALLS_PER_CUSTOMER, 10)

    @property
    def count(self) -> int:
        return self.generated + len(self.added)

    def started(self, index: int) -> float:
        if index < self.generated:
            return self._end - (self.generated - index) * self._step
        return self.added_times[index - self.generated]

    def first_at_or_after(self, moment: float) -> int:
        """The smallest index whose call starts at or after `moment` (count when none)."""
        low, high = 0, self.generated
        while low < high:
            middle = (low + high) // 2
            if self.started(middle) < moment:
                low = middle + 1
            else:
                high = middle
        if low < self.generated:
            return low
        return self.generated + bisect.bisect_left(self.added_times, moment)

    def call(self, index: int, origin: str) -> dict:
        if index >= self.generated:
            return self.added[index - self.generated]
        return self.make(index, self.started(index), origin)

    def make(self, index: int, started: float, origin: str) -> dict:
        bits = _mix(self.seed * 1_000_003 + self.number * 7_919 + index)
        call_id = str(CALL_ID_BASE + self.number * 10_000_000_000 + index)
        roll = bits % 100
        direction = "in" if roll < 50 else "out" if roll < 88 else "ext" if roll < 96 else "ext_in"
        answered = (bits >> 8) % 100 < 72
        state = "answered" if answered else "not_answered"
        if (bits >> 16) % 100 == 0:
            state = "unknown"
        customer = f"09{(self.number * 7_919 + (bits >> 24) % self._customers) % 100_000_000:08d}"
        if self.extensions:
            extension_id, extension_number, user_id, _, hotline = self.extensions[(bits >> 40) % len(self.extensions)]
        else:
            extension_id = extension_number = user_id = hotline = ""
        if direction == "in":
            caller, callee = customer, hotline
        elif direction == "out":
            caller, callee = extension_number, customer
        else:
            caller, callee = extension_number, str(100 + (bits >> 48) % 900)
        ring = 3 + (bits >> 52) % 25
        duration = 5 + (bits >> 32) % 900 if state == "answered" else 0
        start, answered_at = _local(started), _local(started + ring)
        end = _local(started + ring + duration)
        return {
            "id": call_id,
            "direction": direction,
            "call_state": state,
            "call_status": "P" if state == "answered" else "N",
            "caller": caller,
            "callee": callee,
            "extension_id": extension_id,
            "user_id": user_id,
            "contact_id": "",
            "duration": duration,
            "started_at": start,
            "ended_at": end,
            "created_at": end,
            "updated_at": end,
            "recording_urls": [f"{origin}/recordings/{call_id}.wav"] if state == "answered" else [],
            "note": "",
            "external_id": "",
            "external_session_id": "",
            "call_targets": [
                {
                    "target_number": extension_number,
                    "trunk_name": "viettel-trunk",
                    "status": "answered" if state == "answered" else "no_answer",
                    "add_time": start,
                    "ring_time": start,
                    "ring_duration": ring,
                    "answered_time": answered_at if state == "answered" else "",
                    "ended_time": end,
                    "end_reason": "normal_clearing" if state == "answered" else "no_answer",
                    "fail_code": 0 if state == "answered" else 480,
                }
            ],
        }

    def add(self, count: int, now: datetime, origin: str) -> list[dict]:
        """New calls that have just started, the last one now (10 ms apart, never before the latest one)."""
        latest = self.started(self.count - 1) if self.count else 0.0
        calls = []
        for n in range(count):
            moment = max(now.timestamp() - (count - 1 - n) / 100, latest + 0.001)
            call = self.make(self.count, moment, origin)
            self.added.append(call)
            self.added_times.append(moment)
            latest = moment
            calls.append(call)
        return calls
