"""eTelecom errors as sentences a support person can act on (admin messages, form errors, sync runs)."""

from django.utils.translation import gettext as _

from etelecom import errors


def describe_error(exc: errors.EtelecomError) -> str:
    """A translated explanation plus the technical reference `[Service/Method HTTP code]`; never the key."""
    if isinstance(exc, errors.AuthenticationError):
        text = _("eTelecom rejected the key. Reconnect the shop or enter a new key.")
    elif isinstance(exc, errors.PermissionDenied):
        text = _("eTelecom does not allow this with this key: %(reason)s") % {"reason": exc.msg or exc.code}
    elif isinstance(exc, errors.InvalidArgument):
        text = _("eTelecom refused the request: %(reason)s") % {"reason": exc.msg or exc.code}
    elif isinstance(exc, errors.NotFound):
        text = _("eTelecom does not know this: %(reason)s") % {"reason": exc.msg or exc.code}
    elif isinstance(exc, errors.AlreadyExists):
        text = _("This already exists on eTelecom: %(reason)s") % {"reason": exc.msg or exc.code}
    elif isinstance(exc, errors.RateLimited):
        text = _("eTelecom asks us to slow down. Try again in a minute.")
    elif isinstance(exc, errors.RequestTimeout):
        text = _("eTelecom did not answer in time. Try again later.")
    elif isinstance(exc, errors.ConnectionFailed):
        text = _("eTelecom could not be reached. Check the network and the eTelecom address.")
    else:
        text = _("eTelecom had a problem. Try again later.")
    return f"{text} {reference(exc)}"


def reference(exc: errors.EtelecomError) -> str:
    """The technical reference that follows each explanation: `[Service/Method HTTP-status code]`."""
    status = exc.status if exc.status is not None else "-"
    return f"[{exc.method} {status} {exc.code or type(exc).__name__}]"
