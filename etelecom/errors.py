"""One error hierarchy for every eTelecom failure.

Each error carries what eTelecom said (`code`, `msg`, `meta`), the HTTP status (None when no answer came) and the
`Service/Method` that failed. None of them ever carries the API key: the client redacts it from `msg` before
raising.
"""

from __future__ import annotations


class EtelecomError(Exception):
    """Base class. `retryable` says whether repeating the same read may succeed."""

    retryable = False

    def __init__(
        self,
        msg: str = "",
        *,
        code: str = "",
        status: int | None = None,
        method: str = "",
        meta: dict | None = None,
    ):
        self.msg = msg
        self.code = code
        self.status = status
        self.method = method
        self.meta = meta or {}
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.method}: " if self.method else ""
        status = f"HTTP {self.status}" if self.status is not None else "no response"
        code = f" {self.code}" if self.code else ""
        text = f": {self.msg}" if self.msg else ""
        return f"{where}{status}{code}{text}"

    def __reduce__(self):
        # Errors cross process boundaries in django-q2 results; keep the keyword arguments on the way.
        return _rebuild, (type(self), self.msg, self.code, self.status, self.method, self.meta)


def _rebuild(cls, msg, code, status, method, meta):
    return cls(msg, code=code, status=status, method=method, meta=meta)


class InvalidArgument(EtelecomError):
    """400 `invalid_argument`: a value in the request is wrong."""


class FailedPrecondition(InvalidArgument):
    """`failed_precondition`: the request is well formed but the state forbids it now (a quota used up, a
    conversation window closed). `meta.reason` says which, where eTelecom gives one."""


class AuthenticationError(EtelecomError):
    """401 `unauthenticated`: the key is missing, wrong or revoked."""


class PermissionDenied(EtelecomError):
    """403 `permission_denied`: the key is valid but may not do this (e.g. a shop that never authorised us)."""


class NotFound(EtelecomError):
    """404 `not_found`, or `bad_route` (unknown method or missing JSON content type)."""


class AlreadyExists(EtelecomError):
    """409 `already_exists`."""


class RateLimited(EtelecomError):
    """429: eTelecom asks us to slow down; `retry_after` is its wish in seconds, when it gave one."""

    retryable = True

    def __init__(self, *args, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class ServerError(EtelecomError):
    """5xx from eTelecom."""

    retryable = True


class ResponseError(EtelecomError):
    """HTTP 200 whose body carries an error code instead of a result."""


class InvalidResponse(EtelecomError):
    """The body is not the JSON object the API promises (truncated, HTML from a proxy, ...)."""

    retryable = True


class ConnectionFailed(EtelecomError):
    """No HTTP answer: DNS, refused or reset connection."""

    retryable = True


class RequestTimeout(ConnectionFailed):
    """No answer within the timeout. For a write the outcome is unknown until read back."""


STATUS_ERRORS: dict[int, type[EtelecomError]] = {
    400: InvalidArgument,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: AlreadyExists,
    429: RateLimited,
}

CODE_ERRORS: dict[str, type[EtelecomError]] = {
    "invalid_argument": InvalidArgument,
    "failed_precondition": FailedPrecondition,
    "unauthenticated": AuthenticationError,
    "permission_denied": PermissionDenied,
    "not_found": NotFound,
    "bad_route": NotFound,
    "already_exists": AlreadyExists,
    "resource_exhausted": RateLimited,
}


def error_class(status: int, code: str) -> type[EtelecomError]:
    """The class for an error answer: the `code` decides where it is known, then the HTTP status."""
    if code in CODE_ERRORS and status < 500:
        return CODE_ERRORS[code]
    if status >= 500:
        return ServerError
    if status == 200:
        return ResponseError
    return STATUS_ERRORS.get(status, EtelecomError)
