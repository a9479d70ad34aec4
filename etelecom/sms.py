"""SMS Brandname: eTelecom's "Omni" gateway, a system apart from the JSON API (sms.md).

Its own host (`https://omni.incom.vn/api`, formerly `https://sms.etelecom.vn/api`), `username` and `password` in
every body instead of a key, and calls only from IPs on eTelecom's whitelist. Business errors come as HTTP 200 with
a negative *string* `status` (each documented one its own class below); bad credentials and an IP off the whitelist
as HTTP 401 with a plain-text body. Transport, timeouts and retries are `Client`'s: `GetStatusOmni` (a read) is
retried on transient failures, `SendMessage` never. The gateway takes no tracking id and has no list to read a send
back from: after a timeout or a 5xx on a send its outcome stays unknown, and it must not be sent again blindly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import urllib3

from . import errors, fields, safejson
from .client import USER_AGENT, Transport, _retry_after, is_read, mask

SEND = "OmniMessage/SendMessage"
STATUS = "OmniReport/GetStatusOmni"
METHODS = (SEND, STATUS)

DEFAULT_BASE_URL = "https://omni.incom.vn/api"
BASE_URL = re.compile(r"^https?://[^/?#\s]+(/[^?#\s]*)?$")

# `routerule`: the channels to try in order, each one if the one before failed.
CHANNEL_ZNS = "1"
CHANNEL_AUTOCALL = "2"
CHANNEL_SMS = "3"
CHANNELS = {CHANNEL_ZNS: "ZNS", CHANNEL_AUTOCALL: "AutoCall", CHANNEL_SMS: "SMS"}

# `status` of GetStatusOmni.
PROCESSING = "PROCESSING"
SUCCESS = "SUCCESS"
FAIL = "FAIL"

# `createdatetime` is Vietnamese local time (UTC+7 all year) written `dd/MM/yyyy HH:mm:ss`.
LOCAL_TZ = timezone(timedelta(hours=7))
CREATED_FORMAT = "%d/%m/%Y %H:%M:%S"

# The two 401 texts.
IP_REFUSED_TEXT = "Can't access from this IP"
UNAUTHORIZED_TEXT = "Unauthorized"


class SmsError(errors.EtelecomError):
    """A business error of the gateway (HTTP 200, negative `status`): `code` is that status (`"-3"`), `msg` the
    gateway's text. An undocumented negative status raises this base class."""


class PhoneNumberWrongFormat(SmsError):
    """`-1`: the phone number is malformed (the docs advise `84…`)."""


class WrongFormatParameter(SmsError):
    """`-2`: a `list_param` value has the wrong format; the text names the variable."""


class OutOfMessages(SmsError):
    """`-3`: the account's messages are used up; the customer must top up."""


class TemplateNotFound(SmsError):
    """`-6`: no template with this `templatecode`."""


class NoRouting(SmsError):
    """`-8`: no route is configured for this template; eTelecom's technical staff must configure one."""


class ChannelNotFound(SmsError):
    """`-9`: the `routerule` names a channel that is not configured for the account."""


STATUS_ERRORS: dict[str, type[SmsError]] = {
    "-1": PhoneNumberWrongFormat,
    "-2": WrongFormatParameter,
    "-3": OutOfMessages,
    "-6": TemplateNotFound,
    "-8": NoRouting,
    "-9": ChannelNotFound,
}


class BadCredentials(errors.AuthenticationError):
    """401 `Unauthorized`: wrong `username` or `password`."""


class IpNotWhitelisted(errors.AuthenticationError):
    """401 `Can't access from this IP`: the console's outgoing IP is not on eTelecom's whitelist for the account."""


def check_base_url(base_url: str) -> str:
    """The gateway's base URL without trailing slashes (`https://omni.incom.vn/api`); ValueError otherwise."""
    cleaned = (base_url or "").strip().rstrip("/")
    if not BASE_URL.match(cleaned):
        raise ValueError(f"SMS Brandname base URL {base_url!r} must be an http(s) URL, e.g. {DEFAULT_BASE_URL}")
    return cleaned


@dataclass(frozen=True, slots=True)
class SendResult:
    """A send the gateway accepted: `id_omni_mess` (`ICOMNI…`) is what GetStatusOmni takes."""

    id_omni_mess: str
    status: str
    code: str
    raw: dict = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class MessageStatus:
    """GetStatusOmni's answer. `params` is `list_param` decoded (the gateway sends it as a JSON string);
    `created_at` is `createdatetime` as an aware UTC time (None when unreadable). `mtcount` and `telcoid` come
    with SMS only, `duration` with AutoCall only."""

    id_omni_mess: str
    phone: str
    params: dict[str, str]
    created_at: datetime | None
    status: str
    channel: str
    template_code: str
    error_code: str
    mtcount: int | None
    telcoid: str
    duration: int | None
    raw: dict = field(repr=False, compare=False)

    @property
    def final(self) -> bool:
        """Whether the status will not move any more (`SUCCESS` or `FAIL`)."""
        return self.status in (SUCCESS, FAIL)

    @classmethod
    def from_api(cls, data: dict, id_omni_mess: str = "") -> MessageStatus:
        return cls(
            id_omni_mess=fields.text(data, "idOmniMess") or id_omni_mess,
            phone=fields.text(data, "phonenumber"),
            params=decode_params(data.get("list_param")),
            created_at=parse_created(data.get("createdatetime")),
            status=fields.text(data, "status"),
            channel=fields.text(data, "channel"),
            template_code=fields.text(data, "templatecode"),
            error_code=fields.text(data, "errorCode"),
            mtcount=fields.integer(data, "mtcount"),
            telcoid=fields.text(data, "telcoid"),
            duration=fields.integer(data, "duration"),
            raw=data,
        )


def decode_params(value) -> dict[str, str]:
    """`list_param` as the status answer carries it: a string holding a JSON object (`"{\\"otp\\":\\"123456\\"}"`).
    An object is taken as it is; anything else (not JSON, not an object) is no parameters."""
    if isinstance(value, str):
        try:
            value = safejson.loads(value)
        except safejson.UnsafeJSON:
            return {}
    if not isinstance(value, dict):
        return {}
    return {str(name): item if isinstance(item, str) else json.dumps(item) for name, item in value.items()}


def parse_created(value) -> datetime | None:
    """`dd/MM/yyyy HH:mm:ss` in Vietnamese time, as an aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        local = datetime.strptime(value.strip(), CREATED_FORMAT)
    except ValueError:
        return None
    return local.replace(tzinfo=LOCAL_TZ).astimezone(UTC)


class SmsClient(Transport):
    """A client for one SMS Brandname account (`username`/`password`) on one gateway base URL. Takes the same
    options as `Client` (timeout, max_retries, on_call, backoff_base, backoff_cap, max_retry_after, sleep, rng);
    `on_call` sees `service` `OmniMessage`/`OmniReport`, and no username, password or body."""

    def __init__(self, base_url: str, username: str, password: str, **options):
        super().__init__(check_base_url(base_url), (password,), **options)
        self.username = username
        self._password = password
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }

    def __repr__(self) -> str:
        return f"SmsClient(base_url={self.base_url!r}, username={self.username!r}, password={mask(self._password)!r})"

    def handover(self) -> dict:
        """The arguments that build the same client in another process. They hold the password: pass them through
        a pipe, never on a command line, in the environment or in a log."""
        return {"base_url": self.base_url, "username": self.username, "password": self._password, **self._options()}

    def call(self, path: str, payload: dict) -> dict:
        """POST `payload` with the credentials to `{base_url}/{path}` (`OmniMessage/SendMessage`, ...) and return
        the JSON object, or raise. Only `Get…` paths are retried."""
        service, method = path.split("/", 1)
        body = json.dumps(
            {"username": self.username, "password": self._password, **payload},
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        return self._post(f"{self.base_url}/{path}", body, service, method, is_read(method))

    def _answer(self, response: urllib3.BaseHTTPResponse, name: str) -> dict:
        status = response.status
        text = self._redact(" ".join(response.data.decode(errors="replace").split()))[:200]
        if status == 401:
            cls = IpNotWhitelisted if IP_REFUSED_TEXT.lower() in text.lower() else BadCredentials
            raise cls(text, status=status, method=name)
        if status != 200:
            cls = errors.error_class(status, "")
            if cls is errors.RateLimited:
                raise cls(text, status=status, method=name, retry_after=_retry_after(response))
            raise cls(text, status=status, method=name)
        try:
            data = safejson.loads(response.data, max_depth=None)
        except safejson.UnsafeJSON:
            data = None
        if not isinstance(data, dict):
            raise errors.InvalidResponse("the body is not a JSON object", method=name, status=status)
        code = data.get("status")
        if isinstance(code, int) and not isinstance(code, bool):
            code = str(code)
        if isinstance(code, str) and code.startswith("-"):
            cls = STATUS_ERRORS.get(code, SmsError)
            raise cls(self._redact(fields.text(data, "code")), code=code, status=status, method=name)
        return data


def send_message(
    client: SmsClient,
    *,
    phone: str,
    template_code: str,
    params: dict[str, str],
    route_rule: Sequence[str] = (CHANNEL_SMS,),
) -> SendResult:
    """Send one message from a registered template, once. `route_rule` lists the channels to try in order
    (`CHANNEL_ZNS`, `CHANNEL_AUTOCALL`, `CHANNEL_SMS`): `("1", "3")` is ZNS, falling back to SMS. Raises a
    `SmsError` subclass for a refusal, `BadCredentials`/`IpNotWhitelisted` for a 401."""
    rule = [str(channel) for channel in route_rule]
    if not rule or any(channel not in CHANNELS for channel in rule):
        raise ValueError(f"route_rule lists channels among {', '.join(CHANNELS)}")
    payload = {
        "phonenumber": phone,
        "routerule": rule,
        "templatecode": template_code,
        "list_param": {str(name): str(value) for name, value in params.items()},
    }
    answer = client.call(SEND, payload)
    id_omni_mess = fields.text(answer, "idOmniMess")
    if not id_omni_mess:
        raise errors.InvalidResponse("the send's answer carries no idOmniMess", method=SEND, status=200)
    return SendResult(
        id_omni_mess=id_omni_mess, status=fields.text(answer, "status"), code=fields.text(answer, "code"), raw=answer
    )


def get_status(client: SmsClient, *, id_omni_mess: str) -> MessageStatus:
    """Where a message is: `PROCESSING` until it leaves for `SUCCESS` or `FAIL`; `channel` says which carried it."""
    answer = client.call(STATUS, {"idOmniMess": id_omni_mess})
    if not isinstance(answer.get("status"), str) or not answer["status"]:
        raise errors.InvalidResponse("the status answer carries no status", method=STATUS, status=200)
    return MessageStatus.from_api(answer, id_omni_mess)
