"""The pbx app's models, one module per part of eTelecom's PBX; Django and the rest of the app import them from
here."""

from .calls import CallRecord, CallSyncState
from .directory import Extension, Hotline, PbxUser, Status, Tenant
from .rollups import CallDaily, CallHourly, CallMonthly, CallMonthlyHour, CallShopDaily

__all__ = [
    "CallDaily",
    "CallHourly",
    "CallMonthly",
    "CallMonthlyHour",
    "CallRecord",
    "CallShopDaily",
    "CallSyncState",
    "Extension",
    "Hotline",
    "PbxUser",
    "Status",
    "Tenant",
]
