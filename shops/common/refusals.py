"""eTelecom errors as sentences a support person can act on (admin messages, form errors, sync runs).

eTelecom's refusals are mapped here, and only here, by error code (and, where one code means different things for
different calls, by the call too) to a translated sentence; what eTelecom said follows in brackets, the raw code
and message, for whoever reports the problem. Pages show that reference in small print after the sentence
(`as_html`, the `refusal` filter: admin messages, form errors, upload rows), never inside it."""

import re

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from etelecom import errors

# (code, Service/Method) -> the sentence for that refusal of that call; checked before the code's own sentence.
REFUSALS_BY_CALL = {
    ("already_exists", "Etelecom/CreateExtension"): _("This extension number is already taken. Choose another one."),
    ("already_exists", "Etelecom/CreateTenant"): _("This shop already has a PBX tenant on eTelecom."),
    ("already_exists", "Etelecom/PartnerAddHotline"): _("This hotline is already registered on eTelecom."),
    ("already_exists", "Shop/CreateAccountUser"): _("eTelecom already has a user with this phone number."),
    ("already_exists", "Zalo/CreateTemplate"): _("This ZNS template is already registered for the OA."),
    ("failed_precondition", "Zalo/SendZNS"): _(
        "The OA or the template has used up today's ZNS quota. Send again tomorrow, or ask Zalo for a higher quota."
    ),
    ("failed_precondition", "Zalo/SendZNSJourney"): _(
        "The OA or the template has used up today's ZNS quota. Send again tomorrow, or ask Zalo for a higher quota."
    ),
    ("permission_denied", "Zalo/SendZNS"): _(
        "Zalo does not allow this message from this OA (a sending mode only for whitelisted OAs, or an OA whose "
        "authorization ended)."
    ),
    ("not_found", "Zalo/SendZNS"): _("The template is not registered for this OA on eTelecom. Sync the templates."),
    ("not_found", "Etelecom/GetTenant"): _("This shop has no PBX tenant on eTelecom yet. Create one first."),
    ("not_found", "Etelecom/CreateExtension"): _("This shop has no PBX tenant on eTelecom yet. Create one first."),
}

# code -> the sentence for any other refusal with that code.
REFUSALS = {
    "invalid_argument": _("eTelecom refused a value in the request. Check what was entered."),
    "unauthenticated": _("eTelecom rejected the key. Reconnect the shop or enter a new key."),
    "permission_denied": _("eTelecom does not allow this with this shop's key."),
    "not_found": _("eTelecom does not know this record any more. Sync, then try again."),
    "bad_route": _("eTelecom does not offer this call at this address. Check the eTelecom address in the settings."),
    "already_exists": _("This already exists on eTelecom."),
    "failed_precondition": _("eTelecom cannot do this in the record's present state."),
    "resource_exhausted": _("eTelecom asks us to slow down. Try again in a minute."),
    "deadline_exceeded": _("eTelecom did not answer in time. Try again later."),
    "unavailable": _("eTelecom is unavailable for a moment. Try again later."),
    "internal": _("eTelecom had a problem. Try again later."),
}

# Errors with no code of eTelecom's (no answer, or an answer that is not eTelecom's JSON).
BY_TYPE = [
    (errors.AuthenticationError, REFUSALS["unauthenticated"]),
    (errors.RateLimited, REFUSALS["resource_exhausted"]),
    (errors.RequestTimeout, REFUSALS["deadline_exceeded"]),
    (errors.ConnectionFailed, _("eTelecom could not be reached. Check the network and the eTelecom address.")),
    (errors.PermissionDenied, REFUSALS["permission_denied"]),
    (errors.InvalidArgument, REFUSALS["invalid_argument"]),
    (errors.NotFound, REFUSALS["not_found"]),
    (errors.AlreadyExists, REFUSALS["already_exists"]),
]
UNKNOWN = _("eTelecom had a problem. Try again later.")
# eTelecom's own message is kept for reference, cut short and with any address reduced to its host: it comes from
# outside, and may echo a webhook URL whose path is a secret.
RAW_LIMIT = 160
ADDRESS = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s]*)[^\s]*", re.IGNORECASE)
# The reference at the end of a text `reference` wrote: `[Service/Method 409 already_exists: what eTelecom said]`.
REFERENCE_AT_END = re.compile(r"\s*(\[[\w./-]+ (?:\d{3}|-) [\w.]+(?:: [^\n]*)?\])\s*\Z")


def describe_error(exc: errors.EtelecomError) -> str:
    """A translated sentence for the refusal, then the technical reference `[Service/Method HTTP code: message]`;
    never the key (the client redacts it from eTelecom's message)."""
    return f"{explain(exc)} {reference(exc)}"


def explain(exc: errors.EtelecomError) -> str:
    """The sentence alone: by the call and code, by the code, by the kind of failure, or a general one."""
    text = REFUSALS_BY_CALL.get((exc.code, exc.method)) or REFUSALS.get(exc.code)
    if text is None:
        text = next((text for kind, text in BY_TYPE if isinstance(exc, kind)), UNKNOWN)
    return str(text)


def reference(exc: errors.EtelecomError) -> str:
    """The technical reference that follows each explanation: `[Service/Method HTTP-status code: message]`."""
    status = exc.status if exc.status is not None else "-"
    raw = without_addresses(" ".join(str(exc.msg or "").split()))
    if len(raw) > RAW_LIMIT:
        raw = raw[: RAW_LIMIT - 1] + "…"
    said = f": {raw}" if raw else ""
    return f"[{exc.method} {status} {exc.code or type(exc).__name__}{said}]"


def without_addresses(text: str) -> str:
    """`text` with each web address cut to its scheme and host: words from outside may echo a secret path."""
    return ADDRESS.sub(r"\1/…", text)


def split(text: str) -> tuple[str, str]:
    """A text that ends with eTelecom's reference, as (the sentence, the reference); ("text", "") without one."""
    text = str(text)
    found = REFERENCE_AT_END.search(text)
    if found is None:
        return text, ""
    return text[: found.start()], found.group(1)


def as_html(text: str) -> SafeString:
    """The sentence, then eTelecom's reference in small print; both escaped (eTelecom's words come from outside)."""
    sentence, said = split(text)
    if not said:
        return format_html("{}", sentence)
    return format_html('{} <small class="refusal-reference">{}</small>', sentence, said)
