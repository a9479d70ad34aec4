"""Vietnamese phone numbers in one form: 0xxxxxxxxx. People type 0…, 84… or +84…, with spaces, dots or dashes."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-()]")
_NATIONAL = re.compile(r"^0[1-9]\d{8}$")


def normalise_phone(value: str) -> str:
    """`0912345678` for 0912345678, 84912345678, +84 912 345 678, ...; ValidationError for anything else."""
    digits = _SEPARATORS.sub("", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not _NATIONAL.match(digits):
        raise ValidationError(
            _("Enter a Vietnamese phone number: 0 and 9 digits (0912345678) or 84 and 9 digits (84912345678)."),
            code="phone",
        )
    return digits


def canonical_phone(value: str) -> str:
    """A phone eTelecom reported, in the console's one form when it is a Vietnamese number (eTelecom keeps a phone
    as it was sent: 0…, 84… or +84…), else as it came; so a search for any form finds it."""
    try:
        return normalise_phone(value)
    except ValidationError:
        return value or ""


class PhoneSearch:
    """Admin search for a whole phone number in any of its forms, looked up exactly in `phone_search_field` (an
    indexed column: Django's `=field` search is a case-insensitive match no index serves); a term that is no
    phone number is looked up exactly in `other_search_field`."""

    phone_search_field = "phone"
    other_search_field = "phone"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(**{self.phone_search_field: normalise_phone(term)}), False
        except ValidationError:
            return queryset.filter(**{self.other_search_field: "".join(term.split())}), False
