"""Addresses that come from eTelecom or a webhook (recordings, template previews, avatars, login pages) are used
only when they are absolute http or https URLs: a `javascript:` or `data:` address is shown as text, never as a
link, a player's source or a redirect. `format_html` escapes quotes, not schemes, so every such link goes through
here."""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

_SCHEMES = ("http://", "https://")


def web_url(value) -> str:
    """`value` when it is an absolute http or https URL with a host, else ''. Whitespace and control characters
    anywhere refuse it: browsers drop them, so `java\\tscript:` or a leading space would otherwise slip past."""
    if not isinstance(value, str) or any(ord(char) <= 0x20 or 0x7F <= ord(char) <= 0x9F for char in value):
        return ""
    lowered = value.lower()
    scheme = next((s for s in _SCHEMES if lowered.startswith(s)), None)
    if scheme is None or value[len(scheme) :].startswith(("/", "\\")) or len(value) == len(scheme):
        return ""
    return value


def link(value, text=None, **attributes) -> str:
    """An `<a>` to `value` if it is a web address (`text` defaults to the address), else the value as plain text.
    `attributes` are added to the tag, escaped (`target="_blank"`, `rel`, `title`, `download`)."""
    url = web_url(value)
    label = value if text is None else text
    if not url:
        return format_html("{}", "" if value is None else str(value))
    extra = format_html_join("", ' {}="{}"', ((name.replace("_", "-"), val) for name, val in attributes.items()))
    return format_html('<a href="{}"{}>{}</a>', url, extra, label)


def login_page(value, error: type[Exception]) -> str:
    """`value` as the page eTelecom sends the browser to (a shop's or Zalo's login), or `error` with a sentence
    for the person when it is not a web address."""
    url = web_url(value)
    if not url:
        raise error(_("eTelecom sent a login page that is not a web address; the console did not open it. Try again."))
    return url
