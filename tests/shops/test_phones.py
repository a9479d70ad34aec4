"""One phone rule for every form, upload and search: Vietnamese mobile numbers (landlines too in searches), ASCII
digits only. `09١٢٣٤٥٦٧٨` once passed the old `\\d` pattern, was sent a ZNS and became a PBX user."""

import pytest
from django.core.exceptions import ValidationError

from pbx.forms import HotlineAddForm, PbxUserCreateForm
from shops.common.phones import normalise_phone
from shops.forms import ConnectShopForm
from shops.models import Shop
from zalo.forms import ConnectOAForm, ConsentRequestForm, JourneyCreateForm
from zalo.models import OfficialAccount

ARABIC_INDIC = "09١٢٣٤٥٦٧٨"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("(091) 234-5678", "0912345678"),
        (" 0912345678 ", "0912345678"),
        ("0321234567", "0321234567"),  # 03x
        ("0521234567", "0521234567"),  # 05x
        ("0701234567", "0701234567"),  # 07x
        ("0861234567", "0861234567"),  # 08x
        ("0991234567", "0991234567"),  # 09x
    ],
)
def test_mobile_numbers_in_every_written_form(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        ARABIC_INDIC,
        "٠٩١٢٣٤٥٦٧٨",  # all Arabic-Indic
        "０９１２３４５６７８",  # full-width
        "09１2345678",  # one full-width digit
        "0912345678\u200b",  # a zero-width space
        "0912\u00a0345\u00a0678",  # no-break spaces
        "09123456７8",
        "0112345678",  # the old 11-digit mobile prefixes are gone
        "0412345678",
        "0612345678",
        "0212345678",  # 10 digits starting 02 is no number
        "02838123456",  # a landline: nobody has Zalo on it
        "091234567",
        "09123456789",
        "+8491234567",
        "+84 0912 345 678",
        "840912345678",
        "0912345678x",
        "tel:0912345678",
        "0912-345-678; DROP TABLE",
        "=0912345678",
        "",
        "   ",
        None,
    ],
)
def test_anything_else_is_refused_with_a_clear_message(typed):
    with pytest.raises(ValidationError, match="Vietnamese phone number"):
        normalise_phone(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("028 3812 3456", "02838123456"),
        ("+84 28 3812 3456", "02838123456"),
        ("842838123456", "02838123456"),
        ("0203 3123 456", "02033123456"),
        ("0912345678", "0912345678"),
    ],
)
def test_searches_take_landlines_as_well(typed, stored):
    assert normalise_phone(typed, landline=True) == stored


@pytest.mark.parametrize("typed", ["02٨38123456", "0283812345", "028381234567", "0838123456789"])
def test_a_search_still_refuses_what_is_no_number(typed):
    with pytest.raises(ValidationError):
        normalise_phone(typed, landline=True)


@pytest.mark.django_db
def test_every_form_with_a_phone_refuses_non_ascii_digits():
    shops, oas = Shop.objects.all(), OfficialAccount.objects.all()
    forms = [
        ConsentRequestForm({"phone": ARABIC_INDIC}, oas=oas),
        JourneyCreateForm({"phone": ARABIC_INDIC}, oas=oas),
        PbxUserCreateForm({"phone": ARABIC_INDIC}, shops=shops),
        ConnectShopForm({"phone": ARABIC_INDIC, "email": "a@example.vn", "name": "A"}),
    ]
    for form in forms:
        assert not form.is_valid()
        assert "phone" in form.errors, type(form).__name__


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form_class", "field", "value"), [(HotlineAddForm, "hotline", "028١٢٣٤٥٦٧"), (ConnectOAForm, "app_id", "١٢٣")]
)
def test_other_numbers_typed_take_ascii_digits_only(form_class, field, value):
    form = form_class({field: value}, shops=Shop.objects.all())
    assert not form.is_valid() and field in form.errors
