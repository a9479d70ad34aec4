"""The eTelecom API, free of Django: `Client`, the error hierarchy, one module per service, and `sandbox`."""

from .client import CallInfo, Client
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

__all__ = [
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
]
