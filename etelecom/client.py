"""The one HTTP client for the eTelecom API.

Every call is `POST {base_url}.{Service}/{Method}` with a JSON body and a Bearer key. The client maps every failure
to `etelecom.errors`, retries reads (never writes) on transient failures, follows cursors for lists, and reports
each HTTP attempt to an `on_call` hook with nothing secret in it.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
import urllib3

from . import errors, safejson

logger = logging.getLogger(__name__)

# A method whose name starts with one of these only reads state on eTelecom, so repeating it is harmless.
# Everything else (Send*, Request*, Create*, Authorize*, Connect*, ...) is a write and is sent exactly once.
READ_PREFIXES = ("Get", "List", "Current", "Check")

USER_AGENT = "etelecom-console/1.0"

# A base URL names its side: `/v1/shop` (a shop's own api_key) or `/v1/partner` (the partner's key or a
# shop_key). The client appends `.Service/Method`, so `…/v1` (a public n8n node's default) would call
# `…/v1.Misc/CurrentAccount`, which does not exist.
BASE_URL = re.compile(r"^https?://[^/?#\s]+(/[^?#\s]*)?/v1/(shop|partner)$")


# The monotonic time by which every eTelecom call in the current context must have finished, retries included,
# or None. A web request sets it (`time_budget`) so that a slow eTelecom ends in RequestTimeout, a readable
# message, before the server or the proxy in front of it gives up on the request; background jobs set none.
_DEADLINE: ContextVar[float | None] = ContextVar("etelecom_deadline", default=None)


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Every call made inside the block, all its attempts and waits together, ends within `seconds` from now
    (None: no limit). A budget inside another never extends it."""
    if seconds is None:
        yield
        return
    deadline = time.monotonic() + seconds
    outer = _DEADLINE.get()
    token = _DEADLINE.set(deadline if outer is None else min(outer, deadline))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_base_url(base_url: str) -> str:
    """The base URL without trailing slashes or dots; ValueError, naming both sides, for anything else."""
    cleaned = (base_url or "").strip().rstrip("/.")
    if not BASE_URL.match(cleaned):
        raise ValueError(
            f"eTelecom base URL {base_url!r} must end in /v1/shop (for a shop's own api_key) or /v1/partner (for "
            "the partner's key or a shop_key), e.g. https://api.etelecom.vn/v1/partner"
        )
    return cleaned


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What the `on_call` hook learns about one HTTP attempt. Holds no key, no payload and no response body."""

    service: str
    method: str
    status: int | None
    code: str
    duration: float
    attempt: int
    message: str = ""  # the error's text for a failed attempt, with the key redacted

    @property
    def endpoint(self) -> str:
        return f"{self.service}/{self.method}"

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.code


def is_read(method: str) -> bool:
    return method.startswith(READ_PREFIXES)


def mask(secret: str) -> str:
    """A secret as it may be shown to a person: its last four characters at most."""
    if not secret:
        return ""
    return "…" + secret[-4:] if len(secret) > 8 else "…"


class Transport:
    """What every eTelecom HTTP client shares: keep-alive connections to one host, timeouts, the retry rule for
    reads (capped exponential backoff with jitter, `Retry-After` honoured up to `max_retry_after`), the `on_call`
    hook and the redaction of secrets from error texts. `Client` speaks the JSON API; `etelecom.sms.SmsClient`
    the SMS Brandname gateway."""

    def __init__(
        self,
        base_url: str,
        secrets: tuple[str, ...],
        *,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        max_retries: int = 3,
        on_call: Callable[[CallInfo], None] | None = None,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        self.base_url = base_url
        self._secrets = tuple(secret for secret in secrets if secret)
        self._pool = _pool_for(self.base_url)
        self.timeout = timeout
        self._connect, self._read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        self.max_retries = max_retries
        self.on_call = on_call
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._rng = rng or random.Random()

    def _options(self) -> dict:
        """The settings `handover()` passes on beside the base URL and the credentials."""
        return {
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "backoff_base": self.backoff_base,
            "backoff_cap": self.backoff_cap,
            "max_retry_after": self.max_retry_after,
        }

    def _retry_delay(self, exc: errors.EtelecomError, attempt: int) -> float | None:
        """Seconds to wait before the next attempt of a read, or None to give up."""
        if not exc.retryable or attempt > self.max_retries:
            return None
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        delay = ceiling / 2 + self._rng.uniform(0, ceiling / 2)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None  # the caller (a scheduled job) comes back later instead of holding a worker
            delay = max(delay, retry_after)
        return delay

    def _post(self, url: str, body: bytes, service: str, method: str, read: bool) -> dict:
        """POST `body` to `url` and return the answer `_answer` reads from it; a read is tried again as
        `_wait_to_retry` allows."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send(url, body, service, method, attempt)
            except errors.EtelecomError as exc:
                self._wait_to_retry(exc, attempt, read)

    def _send(self, url: str, body: bytes, service: str, method: str, attempt: int) -> dict:
        """One attempt, reported to the `on_call` hook however it ends."""
        name = f"{service}/{method}"
        started = time.perf_counter()
        status = None
        code = message = ""
        try:
            timeout = self._timeout_now(name)
            try:
                response = self._pool.urlopen(
                    "POST", url, body=body, headers=self._headers, timeout=timeout, retries=False, redirect=False
                )
            except urllib3.exceptions.HTTPError as exc:
                raise self._connection_error(exc, name, timeout) from exc
            status = response.status
            return self._answer(response, name)
        except errors.EtelecomError as exc:
            code = exc.code or type(exc).__name__
            message = exc.msg
            raise
        finally:
            if self.on_call is not None:
                duration = time.perf_counter() - started
                self._report(CallInfo(service, method, status, code, duration, attempt, message))

    def _answer(self, response: urllib3.BaseHTTPResponse, name: str) -> dict:
        """The decoded answer of one attempt, or the `EtelecomError` it carries (raised)."""
        raise NotImplementedError

    def _wait_to_retry(self, exc: errors.EtelecomError, attempt: int, read: bool) -> None:
        """Sleep before the next attempt, or raise: `exc` when the call is a write or out of retries, a timeout when
        the wait would run past the request's time budget."""
        delay = self._retry_delay(exc, attempt) if read else None
        if delay is None:
            raise exc
        deadline = _DEADLINE.get()
        if deadline is not None and time.monotonic() + delay >= deadline:
            raise errors.RequestTimeout(f"no answer within the time budget after {exc}", method=exc.method) from exc
        logger.info("eTelecom %s; retry %d in %.2fs", exc, attempt, delay)
        self._sleep(delay)

    def _timeout_now(self, name: str) -> urllib3.Timeout:
        """The connect and read timeouts of the next attempt, cut to what is left of the request's time budget."""
        connect, read = self._connect, self._read
        deadline = _DEADLINE.get()
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise errors.RequestTimeout("the time budget was spent before the call", method=name)
            connect, read = min(connect, remaining), min(read, remaining)
        return urllib3.Timeout(connect=connect, read=read)

    def _connection_error(
        self, exc: urllib3.exceptions.HTTPError, name: str, timeout: urllib3.Timeout
    ) -> errors.EtelecomError:
        # urllib3 makes a refused or unreachable connection (NewConnectionError) a TimeoutError too.
        if isinstance(exc, urllib3.exceptions.TimeoutError) and not isinstance(
            exc, urllib3.exceptions.NewConnectionError
        ):
            return errors.RequestTimeout(f"no answer within {timeout.read_timeout:g}s", method=name)
        return errors.ConnectionFailed(self._redact(_snippet(f"{type(exc).__name__}: {exc}")), method=name)

    def _report(self, info: CallInfo) -> None:
        try:
            self.on_call(info)
        except Exception:  # an audit hook must never break the call it observes
            logger.exception("on_call hook failed for %s", info.endpoint)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, mask(secret))
        return text


class Client(Transport):
    """A client for one base URL and one key (a partner key, a shop's `shop_key` or a shop's own `api_key`)."""

    def __init__(self, base_url: str, api_key: str, **options):
        super().__init__(check_base_url(base_url), (api_key,), **options)
        self._api_key = api_key
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {api_key}",
            "User-Agent": USER_AGENT,
            "Accept-Encoding": urllib3.util.make_headers(accept_encoding=True)["accept-encoding"],
        }

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, api_key={mask(self._api_key)!r})"

    def handover(self) -> dict:
        """The arguments that build the same client in another process (its hook, session, sleep and random source
        stay here). They hold the key: pass them through a pipe, never on a command line, in the environment or in
        a log."""
        return {"base_url": self.base_url, "api_key": self._api_key, **self._options()}

    # --- calls ----------------------------------------------------------------------------------------------

    def call(self, service: str, method: str, payload: dict | None = None, *, read: bool | None = None) -> dict:
        """Send one call and return the decoded JSON object, or raise an `EtelecomError`.

        `read` defaults to what the method name says (`READ_PREFIXES`). Only reads are retried.
        """
        if read is None:
            read = is_read(method)
        body = json.dumps(payload or {}, separators=(",", ":"), ensure_ascii=False).encode()
        return self._post(f"{self.base_url}.{service}/{method}", body, service, method, read)

    def pages(
        self,
        service: str,
        method: str,
        payload: dict | None = None,
        *,
        items_key: str,
        after: str = "",
        limit: int = 100,
    ) -> Iterator[tuple[list, str]]:
        """Yield each page of a list method as (its items, the cursor of the next page; "" on the last), following
        `paging.next` from `after` until it is empty. A cursor seen before in this listing (the one it started
        from included) is refused: a sender that sends one again would be followed round in a circle for ever."""
        seen = {after} if after else set()
        cursor = after
        while True:
            page = self.call(service, method, {**(payload or {}), "paging": {"after": cursor, "limit": limit}})
            items = page.get(items_key) or []
            if not isinstance(items, list):
                raise errors.InvalidResponse(f"'{items_key}' is not a list", method=f"{service}/{method}", status=200)
            cursor = (page.get("paging") or {}).get("next") or ""
            if cursor in seen:
                raise errors.InvalidResponse("paging.next repeats a cursor", method=f"{service}/{method}", status=200)
            seen.add(cursor)
            yield items, cursor
            if not cursor:
                return

    def paginate(
        self,
        service: str,
        method: str,
        payload: dict | None = None,
        *,
        items_key: str,
        limit: int = 100,
    ) -> Iterator[dict]:
        """Yield every item of a list method (`pages`)."""
        for items, _cursor in self.pages(service, method, payload, items_key=items_key, limit=limit):
            yield from items

    # --- one answer ---------------------------------------------------------------------------------------

    def _answer(self, response: urllib3.BaseHTTPResponse, name: str) -> dict:
        try:
            data = safejson.loads(response.data, max_depth=None)  # answers are read field by field
        except safejson.UnsafeJSON:
            data = None
        if response.status == 200 and isinstance(data, dict) and not _is_error_body(data):
            return data
        raise self._error(response, data, name)

    def _error(self, response: urllib3.BaseHTTPResponse, data, name: str) -> errors.EtelecomError:
        status = response.status
        if not isinstance(data, dict):
            if status == 200:
                return errors.InvalidResponse("the body is not a JSON object", method=name, status=status)
            data = {"msg": _snippet(response.data.decode(errors="replace"))}
        code = str(data.get("code") or "")
        msg = self._redact(str(data.get("msg") or ""))
        meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
        cls = errors.error_class(status, code)
        if cls is errors.RateLimited:
            return cls(msg, code=code, status=status, method=name, meta=meta, retry_after=_retry_after(response))
        return cls(msg, code=code, status=status, method=name, meta=meta)


def _pool_for(base_url: str) -> urllib3.PoolManager:
    """Keep-alive connections for one base URL, sent with urllib3 (what requests sends with), configured as a
    requests session would be from the environment: its proxy for that URL (`HTTPS_PROXY`, `NO_PROXY`, ...) and
    `REQUESTS_CA_BUNDLE` or `CURL_CA_BUNDLE`, else certifi's bundle. Read once: one client talks to one host.

    A call through `requests.Session.send` cost 270 µs of CPU here, 169–174 µs through urllib3
    (bench/client_overhead.py): a session builds a request, a response and cookie jars that a call does not use."""
    proxy = requests.utils.select_proxy(base_url, requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or requests.certs.where()
    options = {
        "maxsize": 10,
        "cert_reqs": "CERT_REQUIRED",
        "ca_cert_dir" if os.path.isdir(bundle) else "ca_certs": bundle,
    }
    if not proxy:
        return urllib3.PoolManager(**options)
    user, password = requests.utils.get_auth_from_url(proxy)
    headers = urllib3.make_headers(proxy_basic_auth=f"{user}:{password}") if user else None
    return urllib3.ProxyManager(proxy, proxy_headers=headers, **options)


def _is_error_body(data: dict) -> bool:
    """A 200 can still carry an error: `{"code": "...", "msg": "..."}` with a code other than "ok"."""
    code = data.get("code")
    if not isinstance(code, str) or code in ("", "ok"):
        return False
    return code in errors.CODE_ERRORS or set(data) <= {"code", "msg", "meta"}


def _retry_after(response: urllib3.BaseHTTPResponse) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"
