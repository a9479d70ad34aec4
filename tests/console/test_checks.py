"""`manage.py check` refuses eTelecom base URLs that name neither side, before any call is made."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_the_configured_base_urls_pass(settings):
    call_command("check")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ETELECOM_SHOP_BASE_URL", "https://api.etelecom.vn/v1"),
        ("ETELECOM_PARTNER_BASE_URL", "https://api.etelecom.vn/v1/"),
        ("ETELECOM_PARTNER_BASE_URL", "https://api.etelecom.vn/v1/shop"),
        ("ETELECOM_SHOP_BASE_URL", "https://api.etelecom.vn/v1/partner"),
    ],
)
def test_a_base_url_of_the_wrong_side_or_of_neither_fails_the_check(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(SystemCheckError) as caught:
        call_command("check")
    assert name in str(caught.value) or "/v1/shop" in str(caught.value)
