import pytest
from django.utils import translation

from shops import services, syncing
from shops.models import Shop


@pytest.fixture(autouse=True)
def _etelecom_is_the_sandbox(console_on_sandbox, settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def shops(db, sandbox):
    """The demo's nine partner shops, imported with checked keys."""
    syncing.run_now("shop_import", services.import_partner_shops_work)
    return {shop.name: shop for shop in Shop.objects.all()}
