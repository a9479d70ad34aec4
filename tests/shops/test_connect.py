"""Connecting shops: the partner redirect flow through the sandbox's login page, the direct flow, the import."""

from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.admin.models import ADDITION, CHANGE
from django.contrib.messages import get_messages
from django.urls import reverse

from shops import services, syncing
from shops.forms import DirectShopForm
from shops.models import ApiCall, Shop, SyncRun
from tests.history import assert_no_secret_in_history, history

CONNECT = "/admin/shops/shop/connect/"
CONTACT = {"email": "moi@example.vn", "phone": "0909123456", "name": "Cửa hàng Mới"}


@pytest.fixture
def support_client(client, support, console_on_sandbox):
    client.force_login(support)
    return client


def log_in_at_etelecom(auth_url: str) -> str:
    """What the shop owner does on eTelecom's page; returns where eTelecom sends the browser back."""
    page = requests.get(auth_url, timeout=5)
    assert page.status_code == 200
    token = urlsplit(auth_url).query.split("token=")[1]
    answer = requests.post(
        f"{urlsplit(auth_url).scheme}://{urlsplit(auth_url).netloc}/auth/login",
        data={"token": requests.utils.unquote(token)},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    return answer.headers["Location"]


def follow_back(client, location: str):
    back = urlsplit(location)
    assert back.netloc == "testserver"
    return client.get(f"{back.path}?{back.query}")


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_support_user_connects_a_shop_end_to_end(support_client, support, sandbox):
    response = support_client.post(CONNECT, CONTACT)
    assert response.status_code == 302 and response.url.startswith(f"{sandbox.url}/auth/login?token=")
    landed = follow_back(support_client, log_in_at_etelecom(response.url))

    shop = Shop.objects.get(name="Cửa hàng Mới")
    assert landed.status_code == 302 and landed.url == reverse("admin:shops_shop_change", args=[shop.pk])
    assert shop.connection == Shop.Connection.PARTNER and shop.credential_status == Shop.CredentialStatus.VALID
    record = next(s for s in sandbox.control.shops() if s["name"] == "Cửa hàng Mới")
    assert shop.credential == record["shop_key"] and shop.etelecom_id == record["id"]
    assert shop.memberships.filter(user=support).exists()
    calls = list(ApiCall.objects.order_by("pk").values_list("method", "status", "user__username"))
    assert calls == [
        ("Shop/AuthorizeShop", 200, "hotro"),
        ("Shop/AuthorizeShop", 200, "hotro"),
        ("Shop/CurrentShop", 200, "hotro"),
        ("Shop/GetShops", 200, "hotro"),
    ]
    assert (shop.email, shop.phone) == (CONTACT["email"], CONTACT["phone"])
    assert texts(landed) == ["Cửa hàng Mới is connected and its key works."]
    assert history(shop) == [(ADDITION, "Cửa hàng Mới is connected and its key works.", "hotro")]
    assert_no_secret_in_history(shop.credential, shop.webhook_secret)


def test_the_shop_page_never_shows_the_key(support_client, sandbox):
    response = support_client.post(CONNECT, CONTACT)
    follow_back(support_client, log_in_at_etelecom(response.url))
    shop = Shop.objects.get(name="Cửa hàng Mới")
    secret = shop.credential.split(":")[1]
    page = support_client.get(reverse("admin:shops_shop_change", args=[shop.pk])).content.decode()
    listing = support_client.get(reverse("admin:shops_shop_changelist")).content.decode()
    assert secret not in page and secret not in listing and shop.credential_ciphertext not in page
    assert shop.credential_hint in page and len(shop.credential_hint) <= 5


def test_an_etelecom_error_is_a_readable_form_error(support_client, sandbox):
    sandbox.control.faults(next=["5xx"])
    response = support_client.post(CONNECT, CONTACT)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Shop/AuthorizeShop 503" in page and "Traceback" not in page
    assert sandbox.control.received("Shop/AuthorizeShop") == 1


def test_bad_contact_details_are_form_errors(support_client, sandbox):
    response = support_client.post(CONNECT, {"email": "not-an-email", "phone": "", "name": "X"})
    assert response.status_code == 200 and response.context["form"].errors.keys() == {"email", "phone"}
    assert sandbox.control.received("Shop/AuthorizeShop") == 0


def test_a_manager_cannot_connect_shops(client, manager, console_on_sandbox):
    client.force_login(manager)
    assert client.get(CONNECT).status_code == 403
    assert client.post(CONNECT, CONTACT).status_code == 403


def test_reconnect_of_a_linked_shop_stores_a_fresh_key(admin_client, sandbox):
    record = sandbox.shop("Spa Thảo Mộc")
    shop = Shop.objects.create(name="old", etelecom_id=record["id"], connection=Shop.Connection.PARTNER)
    response = admin_client.post(reverse("admin:shops_shop_reconnect", args=[shop.pk]))
    shop.refresh_from_db()
    assert response.url == reverse("admin:shops_shop_change", args=[shop.pk])
    assert shop.credential == record["shop_key"] and shop.name == "Spa Thảo Mộc"
    assert history(shop) == [(CHANGE, "Spa Thảo Mộc is connected and its key works.", "admin")]
    assert_no_secret_in_history(shop.credential)


def test_a_shop_that_must_log_in_again_is_sent_to_etelecom(admin_client, sandbox):
    record = sandbox.shop("Spa Thảo Mộc")
    shop = Shop.objects.create(name="Spa", etelecom_id=record["id"], connection=Shop.Connection.PARTNER)
    sandbox.control.shop_action(record["id"], "unlink")
    response = admin_client.post(reverse("admin:shops_shop_reconnect", args=[shop.pk]))
    assert response.url.startswith(f"{sandbox.url}/auth/login")
    landed = follow_back(admin_client, log_in_at_etelecom(response.url))
    shop.refresh_from_db()
    assert landed.url == reverse("admin:shops_shop_change", args=[shop.pk])
    assert shop.credential == sandbox.shop("Spa Thảo Mộc")["shop_key"]


# --- direct --------------------------------------------------------------------------------------------------


def test_a_shop_is_added_with_its_own_key_after_a_check(support_client, support, sandbox):
    record = sandbox.shop("Khách sạn Biển Xanh")
    response = support_client.post(
        reverse("admin:shops_shop_add"), {"api_key": record["api_key"], "notes": "gọi trước 9h"}
    )
    shop = Shop.objects.get()
    assert response.status_code == 302
    assert (shop.name, shop.connection, shop.credential_status) == ("Khách sạn Biển Xanh", "direct", "valid")
    assert shop.credential == record["api_key"] and shop.notes == "gọi trước 9h"
    assert shop.memberships.filter(user=support).exists()


def test_a_wrong_direct_key_is_a_form_error_and_saves_nothing(support_client, sandbox):
    response = support_client.post(reverse("admin:shops_shop_add"), {"api_key": "shop1:wrong-secret-value"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["api_key"]
    assert "Shop/CurrentShop 401" in errors[0] and "wrong-secret-value" not in response.content.decode()
    assert not Shop.objects.exists()


def test_a_slow_etelecom_is_a_readable_error_within_the_request_budget(support_client, sandbox, settings):
    # eTelecom answers nothing for 8 s, four times over without a budget; the page gives up after its budget,
    # with the sentence a person can act on, instead of holding the worker until gunicorn or the proxy cuts it.
    settings.ETELECOM_REQUEST_BUDGET = 1.5
    sandbox.control.faults(rates={"hang": 1.0}, hang_seconds=8)
    response = support_client.post(reverse("admin:shops_shop_add"), {"api_key": "shop1:any-secret-value"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["api_key"]
    assert "eTelecom did not answer in time" in str(errors) or "eTelecom không phản hồi kịp" in str(errors)
    assert sandbox.control.received("Shop/CurrentShop") == 1
    assert not Shop.objects.exists()


def test_the_same_shop_cannot_be_added_twice(support_client, sandbox):
    key = sandbox.shop("Khách sạn Biển Xanh")["api_key"]
    support_client.post(reverse("admin:shops_shop_add"), {"api_key": key})
    response = support_client.post(reverse("admin:shops_shop_add"), {"api_key": key})
    assert response.status_code == 200 and "already connected" in str(response.context["adminform"].form.errors)
    assert Shop.objects.count() == 1


def test_a_direct_shop_gets_a_new_key_only_if_it_is_its_own(admin_client, sandbox):
    record = sandbox.shop("Khách sạn Biển Xanh")
    admin_client.post(reverse("admin:shops_shop_add"), {"api_key": record["api_key"]})
    shop = Shop.objects.get()
    other = sandbox.shop("Bất động sản Phú Gia")["api_key"]
    change = reverse("admin:shops_shop_change", args=[shop.pk])
    response = admin_client.post(change, {"new_api_key": other, "notes": "", "is_active": "on", **_no_inline()})
    assert response.status_code == 200 and "another eTelecom shop" in str(response.context["adminform"].form.errors)
    sandbox.control.shop_action(record["id"], "revoke")
    renewed = sandbox.shop("Khách sạn Biển Xanh")["api_key"]
    response = admin_client.post(change, {"new_api_key": renewed, "notes": "", "is_active": "on", **_no_inline()})
    shop.refresh_from_db()
    assert response.status_code == 302 and shop.credential == renewed
    # Django's own entries for the add and change forms name the fields changed, never a key.
    assert [flag for flag, _, _ in history(shop)] == [ADDITION, CHANGE]
    assert_no_secret_in_history(record["api_key"], other, renewed)


def _no_inline() -> dict:
    prefix = "memberships"
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}


# --- import ---------------------------------------------------------------------------------------------------


def test_the_partner_shops_are_imported_with_checked_keys(console_on_sandbox, db, sandbox):
    run = syncing.run_now("shop_import", services.import_partner_shops_work)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.counts == {"listed": 9, "created": 9, "updated": 0, "needs_login": 0, "failed": 0}
    assert Shop.objects.filter(credential_status="valid", connection="partner").count() == 9
    again = syncing.run_now("shop_import", services.import_partner_shops_work)
    assert again.counts["updated"] == 9 and Shop.objects.count() == 9


def test_an_import_keeps_the_contact_the_partners_list_gives(console_on_sandbox, admin_user, sandbox):
    """`Shop/CurrentShop` answers no email or phone (its documented fields are id, name, image_url, type and
    website): the contact comes from `Shop/GetShops` and a later key check never blanks it."""
    syncing.run_now("shop_import", services.import_partner_shops_work)
    record = sandbox.shop("Phở Hà Nội 36")
    shop = Shop.objects.get(etelecom_id=record["id"])
    assert (shop.email, shop.phone) == ("pho36@example.vn", "0901000005")
    syncing.run_now("credential_check", services.check_credential_work, shop=shop)
    services.shop_connect_finish(user=admin_user, shop_id=record["id"], redirect_url="http://testserver/cb", shop=shop)
    shop.refresh_from_db()
    assert (shop.email, shop.phone) == ("pho36@example.vn", "0901000005")


def test_the_import_button_queues_a_run(admin_client, console_on_sandbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(reverse("admin:shops_shop_import"))
    run = SyncRun.objects.get()
    assert (run.kind, run.status, len(callbacks)) == ("shop_import", "queued", 1)
    assert response.status_code == 302


def test_only_superusers_import(client, support, console_on_sandbox):
    client.force_login(support)
    assert client.post(reverse("admin:shops_shop_import")).status_code == 403
    assert not SyncRun.objects.exists()


def test_a_failing_add_never_reports_the_key(support_client, sandbox):
    from django.views.debug import SafeExceptionReporterFilter

    response = support_client.post(reverse("admin:shops_shop_add"), {"api_key": "shop1:very-secret"})
    request = response.wsgi_request
    assert "very-secret" not in str(SafeExceptionReporterFilter().get_post_parameters(request))


@pytest.mark.django_db
def test_the_key_forms_only_validate_input_and_call_no_service(sandbox):
    form = DirectShopForm({"api_key": "  shop1:some-secret  "})
    assert form.is_valid() and form.cleaned_data["api_key"] == "shop1:some-secret" and form.remote is None
    assert sandbox.control.received("Shop/CurrentShop") == 0
