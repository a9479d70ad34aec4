import pytest
from django.utils import translation

from pbx import calls, directory
from shops import services as shop_services
from shops import syncing
from shops.models import Shop

PBX_SHOP = "Nhà thuốc An Khang Quận 1"  # demo: activated tenant, 2 hotlines, 3 users, 4 extensions, 2,400 calls
BARE_SHOP = "Phở Hà Nội 36"  # demo: no tenant


@pytest.fixture(autouse=True)
def _etelecom_is_the_sandbox(console_on_sandbox, settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def shops(db, sandbox):
    """The demo's nine partner shops, imported with checked keys."""
    syncing.run_now("shop_import", shop_services.import_partner_shops_work)
    return {shop.name: shop for shop in Shop.objects.all()}


@pytest.fixture
def pbx_shop(shops):
    """The demo shop with a PBX, its tenant, hotlines, users and extensions synced."""
    shop = shops[PBX_SHOP]
    run = syncing.run_now("pbx_sync", directory.directory_sync_work, shop=shop)
    assert run.status == "succeeded", run.error
    return shop


def sync_calls(shop):
    run = syncing.run_now("call_sync", calls.call_history_sync_work, shop=shop)
    run.refresh_from_db()
    return run
