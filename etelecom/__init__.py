"""The eTelecom API, free of Django: `Client`, the error hierarchy, one module per service, and `sandbox`."""

from . import pbx, shop, webhook, zalo, zns
from .client import CallInfo, Client, time_budget
from .errors import (
    AlreadyExists,
    AuthenticationError,
    ConnectionFailed,
    EtelecomError,
    InvalidArgument,
    InvalidResponse,
    NotFound,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    ResponseError,
    ServerError,
)

# Every `Service/Method` the service modules call.
METHODS = (*shop.METHODS, *zalo.METHODS, *zns.METHODS, *webhook.METHODS, *pbx.METHODS)

__all__ = [
    "METHODS",
    "AlreadyExists",
    "AuthenticationError",
    "CallInfo",
    "Client",
    "ConnectionFailed",
    "EtelecomError",
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
