"""Secrets that travel in URL paths, kept out of every log line and error report.

A shop's webhook URL `/webhooks/etelecom/<secret>/` is its authentication (eTelecom signs nothing), and Django logs
the path of every 4xx and 5xx (`django.request`), runserver logs every request line (`django.server`), and an error
report shows the request and the local variables of every frame. `RedactSecretPaths` is a filter on every handler
in LOGGING; `SecretPathReporterFilter` cleans the error reports (the admins' e-mail, the debug page). This module
imports no model: LOGGING is configured before the apps are loaded.
"""

from __future__ import annotations

import copy
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter
from pythonjsonlogger.json import JsonFormatter

WEBHOOK_PREFIX = "webhooks/etelecom/"
MASK = "********"
_SECRET_PATH = re.compile(rf"(/{re.escape(WEBHOOK_PREFIX)})([^/\s?#\"'<>]+)")


def secrets_in(text: str) -> set[str]:
    """The secrets in the webhook paths of `text`."""
    return {match.group(2) for match in _SECRET_PATH.finditer(text)} - {MASK}


def redact(text: str, secrets: set[str] = frozenset()) -> str:
    """`text` with every webhook path's secret, and each of `secrets` wherever it stands alone, masked."""
    text = _SECRET_PATH.sub(rf"\g<1>{MASK}", text)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def _request_secrets(request) -> set[str]:
    """The secrets in the request's path; for a copy made by `redact_request`, the ones it masked."""
    if not isinstance(request, HttpRequest):
        return set()
    return set(getattr(request, "masked_secrets", ())) | secrets_in(request.path) | secrets_in(request.path_info)


def redact_request(request: HttpRequest, secrets: set[str]) -> HttpRequest:
    """A copy of `request` whose path and environment no longer carry `secrets` (kept in `masked_secrets`, so that
    the error report can mask them in the frames too)."""
    clean = copy.copy(request)
    clean.masked_secrets = frozenset(secrets)
    clean.path = redact(request.path, secrets)
    clean.path_info = redact(request.path_info, secrets)
    clean.META = {
        name: redact(value, secrets) if isinstance(value, str) else value for name, value in request.META.items()
    }
    if hasattr(request, "environ"):
        clean.environ = clean.META
    return clean


class RedactSecretPaths(logging.Filter):
    """Rewrites a record's message, traceback and request so that no secret path is left; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        secrets = _request_secrets(request)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format: leave the record to the formatter
            message = None
        if message is not None:
            secrets |= secrets_in(message)
            clean = redact(message, secrets)
            if clean != message:
                record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if secrets and isinstance(request, HttpRequest):
            record.request = redact_request(request, secrets)
        return True


class _Shown:
    """A frame variable as the report will print it, its secrets masked."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


class SecretPathReporterFilter(SafeExceptionReporterFilter):
    """Django's filter for error reports, which also masks the webhook secret of the failing request (and any other
    secret path) in every frame variable and in the request's environment."""

    def get_traceback_frame_variables(self, request, tb_frame):
        secrets = _request_secrets(request)
        variables = super().get_traceback_frame_variables(request, tb_frame)
        shown = []
        for name, value in variables:
            text = _safe_repr(value)
            clean = redact(text, secrets | secrets_in(text))
            shown.append((name, value if clean == text else _Shown(clean)))
        return shown

    def get_safe_request_meta(self, request):
        secrets = _request_secrets(request)
        meta = super().get_safe_request_meta(request)
        return {name: redact(value, secrets) if isinstance(value, str) else value for name, value in meta.items()}


def _safe_repr(value) -> str:
    try:
        return repr(value)
    except Exception:  # a broken __repr__ is the report's business, shown as Django shows it
        return ""


# --- Request ids and log formats ----------------------------------------------------------------------------------

# The id of the request being served in this thread ("-" outside a request: jobs, commands).
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
# An incoming X-Request-ID is kept when it looks like an id (a proxy's or a load balancer's), else replaced: it
# goes into every log line and a response header, so no newline, space or markup may ride on it.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}", re.ASCII)


def request_id_from(header: str | None) -> str:
    """The incoming id when it is sane, else a new one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (`%(request_id)s`, a `request_id` field in JSON); Django logs a
    4xx or 5xx after the middleware has finished, with the request on the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = getattr(getattr(record, "request", None), "request_id", None) or REQUEST_ID.get()
        return True


def _utc_time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class UTCFormatter(logging.Formatter):
    """Plain text with ISO 8601 times in UTC and their offset (`2026-11-30T23:59:01.123+00:00`): Django sets the
    process's local time to TIME_ZONE, and lines without an offset beside gunicorn's UTC ones mislead."""

    def formatTime(self, record, datefmt=None):
        return _utc_time(record)


class UTCJsonFormatter(JsonFormatter):
    """One JSON object a line (`LOG_FORMAT=json`): time in UTC with its offset, level, logger, message, request id
    and whatever extra fields the record carries."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger", "asctime": "time"})
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)

    def formatTime(self, record, datefmt=None):
        return _utc_time(record)


# --- Sentry -------------------------------------------------------------------------------------------------------

_SCRUBBED_HEADERS = {"authorization", "cookie", "x-csrftoken", "proxy-authorization"}


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """An event as it may leave for Sentry: webhook secrets masked in every string, secret headers, cookies and
    form data dropped. Sentry's own scrubber runs too."""

    def clean(value):
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [clean(item) for item in value]
        return value

    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() not in _SCRUBBED_HEADERS}
    return clean(event)


def init_sentry(dsn: str, *, environment: str, traces_sample_rate: float) -> None:
    """Error reporting to Sentry, without personal data or secrets."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        # No user identity, no request bodies, no local variables of the frames (a key may sit in one); cookies and
        # secret headers are dropped by scrub_event.
        data_collection={"user_info": False, "http_bodies": [], "stack_frame_variables": False},
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        max_request_body_size="never",
    )
