"""Vietnamese phone numbers in one form: 0 and the national number. People type 0…, 84… or +84…, with spaces,
dots, dashes or brackets; only ASCII digits count (`\\d` would take Arabic-Indic or full-width digits too).

Accepted, by the national numbering plan since 2018:
- mobile: 10 digits, 03, 05, 07, 08 or 09 and 8 more (0912345678); every form, upload and send takes these,
  because Zalo accounts, ZNS, call permission and eTelecom's staff accounts are on mobile numbers;
- landline: 11 digits, 02, the rest of the area code and the subscriber number (02838123456); the searches take
  these as well, as customers call from landlines.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WRITTEN = re.compile(r"\+?[0-9 .\-()]+")
_SEPARATORS = re.compile(r"[ .\-()]")
MOBILE = re.compile(r"0[35789][0-9]{8}")
LANDLINE = re.compile(r"02[0-9]{9}")


def normalise_phone(value: str, *, landline: bool = False) -> str:
    """`0912345678` for 0912345678, 84912345678, +84 912 345 678, ...; with `landline`, `02838123456` for
    028 3812 3456 or +84 28 3812 3456 as well. ValidationError for anything else."""
    value = (value or "").strip()
    digits = _SEPARATORS.sub("", value) if _WRITTEN.fullmatch(value) else ""
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if MOBILE.fullmatch(digits) or (landline and LANDLINE.fullmatch(digits)):
        return digits
    raise ValidationError(
        _(
            "Enter a Vietnamese phone number: a mobile number of 10 digits starting 03, 05, 07, 08 or 09 "
            "(0912345678), or the same with 84 or +84 instead of the 0."
        ),
        code="phone",
    )


def canonical_phone(value: str) -> str:
    """A phone eTelecom reported, in the console's one form when it is a Vietnamese number (eTelecom keeps a phone
    as it was sent: 0…, 84… or +84…), else as it came; so a search for any form finds it."""
    try:
        return normalise_phone(value)
    except ValidationError:
        return value or ""


class PhoneSearch:
    """Admin search for a whole phone number (mobile or landline) in any of its forms, looked up exactly in
    `phone_search_field` (an indexed column: Django's `=field` search is a case-insensitive match no index serves);
    a term that is no phone number is looked up exactly in `other_search_field`."""

    phone_search_field = "phone"
    other_search_field = "phone"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(**{self.phone_search_field: normalise_phone(term, landline=True)}), False
        except ValidationError:
            return queryset.filter(**{self.other_search_field: "".join(term.split())}), False
