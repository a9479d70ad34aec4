"""The eTelecom API, free of Django: `Client`, the error hierarchy, one module per service, and `sandbox`."""

from . import oa, pbx, shop, sms, webhook, zalo, zns
from .client import CallInfo, Client, time_budget
from .errors import (
    AlreadyExists,
    AuthenticationError,
    ConnectionFailed,
    EtelecomError,
    FailedPrecondition,
    InvalidArgument,
    InvalidResponse,
    NotFound,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    ResponseError,
    ServerError,
)

# Every `Service/Method` the service modules call (SMS Brandname's on its own gateway: `sms.METHODS`).
METHODS = (*shop.METHODS, *zalo.METHODS, *zns.METHODS, *oa.METHODS, *webhook.METHODS, *pbx.METHODS, *sms.METHODS)

__all__ = [
    "METHODS",
    "AlreadyExists",
    "AuthenticationError",
    "CallInfo",
    "Client",
    "ConnectionFailed",
    "EtelecomError",
    "FailedPrecondition",
    "InvalidArgument",
    "InvalidResponse",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "RequestTimeout",
    "ResponseError",
    "ServerError",
    "time_budget",
]
