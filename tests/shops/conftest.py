import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _etelecom_is_the_sandbox(console_on_sandbox):
    """Every shops test talks to the test sandbox, reset to the demo data."""


@pytest.fixture(autouse=True)
def _in_english(settings):
    """Assertions read the English messages; the catalogue tests prove each has its Vietnamese translation."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
