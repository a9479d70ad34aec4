"""One way to show each kind of figure, in the user's language, through Django's localisation: numbers grouped by
thousands, money in dong, durations in hours and minutes, percentages, dates and times in Asia/Ho_Chi_Minh.
Templates reach these as filters (`{% load formats %}`), Python code (reports, CSV, admin columns) calls them."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from django.utils import formats, timezone
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

EMPTY = "-"


def number(value, decimals: int | None = None) -> str:
    """`1.839.200` in Vietnamese, `1,839,200` in English; `decimals` fixes the places after the separator."""
    if value is None or value == "":
        return EMPTY
    if type(value) is int and decimals is None:
        # The common case, a count, without Django's general path (a report's tables hold thousands).
        separator = thousands_separator(get_language())
        if separator is not None:
            return grouped(value, separator)
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def grouped(value: int, separator: str) -> str:
    """An integer grouped by threes with `separator` (from `thousands_separator`)."""
    return f"{value:,}".replace(",", separator)


@lru_cache(maxsize=16)
def thousands_separator(language: str) -> str | None:
    """`language`'s thousands separator when it groups digits by threes (as `f"{n:,}"` does), else None: what
    `number` writes a count with, for a caller that writes thousands of them in one language."""
    if formats.get_format("NUMBER_GROUPING", language, use_l10n=True) != 3:
        return None
    return formats.get_format("THOUSAND_SEPARATOR", language, use_l10n=True)


def money(value) -> str:
    """An amount in dong: `1.839.200 ₫`."""
    if value is None or value == "":
        return EMPTY
    return f"{number(round(value))}\u00a0₫"


def percent(value, decimals: int = 1) -> str:
    """A percentage with one place: `71,2 %` in Vietnamese, `71.2%` in English."""
    if value is None or value == "":
        return EMPTY
    return _("%(value)s%%") % {"value": number(value, decimals)}


def duration(seconds) -> str:
    """Seconds as `181 giờ 46 phút`, `4 phút 05 giây` or `12 giây` (English: `181 h 46 min`, ...)."""
    if seconds is None or seconds == "":
        return EMPTY
    seconds = max(int(round(seconds)), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": number(hours), "minutes": f"{minutes:02d}"}
    if minutes:
        return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": f"{seconds:02d}"}
    return _("%(seconds)s s") % {"seconds": seconds}


def day(value) -> str:
    """A date (or the local date of a moment): `01/12/2026`, `1 Dec 2026`."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return _short_date(value, get_language())


@lru_cache(maxsize=4096)
def _short_date(value: date, language: str) -> str:
    """A day in `language` (the active one): remembered, as a report shows the same days in its tables and charts
    and Django's date formatting parses its format on every call."""
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def moment(value, *, seconds: bool = False) -> str:
    """A moment in local time: `01/12/2026 14:05` (with `:ss` when `seconds`)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, date) and not isinstance(value, datetime):
        return day(value)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    text = formats.date_format(local, "SHORT_DATETIME_FORMAT")
    return f"{text}:{local:%S}" if seconds else text


def clock(value) -> str:
    """The local time of day of a moment: `14:05`."""
    if value is None or value == "":
        return EMPTY
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return formats.time_format(local, "TIME_FORMAT")


def coded(labels, code) -> str:
    """A code of eTelecom's or Zalo's in words, from `labels` (a dict, or a model's choices); a code the console
    does not know yet reads `other (P)`, never the bare code."""
    if code is None or code == "":
        return EMPTY
    words = dict(labels.choices if hasattr(labels, "choices") else labels).get(code)
    return str(words) if words is not None else pgettext("code", "other (%(code)s)") % {"code": code}


# What a sync run or an upload counted, in words: the keys the jobs return (see each app's `*_work`).
COUNT_LABELS = {
    "listed": pgettext_lazy("counted", "listed"),
    "created": pgettext_lazy("counted", "new"),
    "new": pgettext_lazy("counted", "new"),
    "updated": pgettext_lazy("counted", "updated"),
    "needs_login": pgettext_lazy("counted", "awaiting the shop's login"),
    "failed": pgettext_lazy("counted", "failed"),
    "checked": pgettext_lazy("counted", "checked"),
    "oas": pgettext_lazy("counted", "OAs"),
    "missing": pgettext_lazy("counted", "no longer on eTelecom"),
    "removed": pgettext_lazy("counted", "removed"),
    "followers": pgettext_lazy("counted", "followers"),
    "consents": pgettext_lazy("counted", "call permissions"),
    "unknown_oa": pgettext_lazy("counted", "for an OA not in the console"),
    "templates": pgettext_lazy("counted", "templates"),
    "messages": pgettext_lazy("counted", "messages"),
    "journeys": pgettext_lazy("counted", "journeys"),
    "tenant": pgettext_lazy("counted", "PBX tenant"),
    "hotlines": pgettext_lazy("counted", "hotlines"),
    "users": pgettext_lazy("counted", "users"),
    "extensions": pgettext_lazy("counted", "extensions"),
    "calls": pgettext_lazy("counted", "calls"),
    "resumed": pgettext_lazy("counted", "resumed"),
    "invalid": pgettext_lazy("counted", "invalid"),
    "pending": pgettext_lazy("counted", "to send"),
    "sending": pgettext_lazy("counted", "sending"),
    "sent": pgettext_lazy("counted", "sent"),
    "held": pgettext_lazy("counted", "held"),
    "unconfirmed": pgettext_lazy("counted", "not confirmed yet"),
    "finished": pgettext_lazy("counted", "finished"),
    "account_refused": pgettext_lazy("counted", "SMS account refused"),
    "more": pgettext_lazy("counted", "more to fetch"),
    "alerts": pgettext_lazy("counted", "alerts"),
    "cleared": pgettext_lazy("counted", "cleared"),
    "mails": pgettext_lazy("counted", "e-mails"),
    "sync_runs": pgettext_lazy("counted", "sync runs"),
    "webhook_events": pgettext_lazy("counted", "webhook events"),
    "api_calls": pgettext_lazy("counted", "API calls"),
    "login_attempts": pgettext_lazy("counted", "sign-in records"),
    "sessions": pgettext_lazy("counted", "expired sessions"),
}


def counts(values: dict | None) -> str:
    """A run's counts in words, nothing for the zeros: `12 mới, 3 cập nhật`; `-` when all are zero."""
    shown = [
        f"{number(value)} {COUNT_LABELS[key] if key in COUNT_LABELS else coded({}, key)}"
        for key, value in (values or {}).items()
        if value
    ]
    return ", ".join(shown) or EMPTY
