"""One way to show each kind of figure, in the user's language, through Django's localisation: numbers grouped by
thousands, money in dong, durations in hours and minutes, percentages, dates and times in Asia/Ho_Chi_Minh.
Templates reach these as filters (`{% load formats %}`), Python code (reports, CSV, admin columns) calls them."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

EMPTY = "-"


def number(value, decimals: int | None = None) -> str:
    """`1.839.200` in Vietnamese, `1,839,200` in English; `decimals` fixes the places after the separator."""
    if value is None or value == "":
        return EMPTY
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


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
