"""Connecting and renewing an OA through the sandbox's Zalo page, and every way a callback can be wrong."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.admin.models import ADDITION, CHANGE
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from shops.models import ApiCall
from shops.webhooks import masked_url, webhook_url
from tests.history import assert_no_secret_in_history, history
from zalo.models import OfficialAccount

CONNECT = "/admin/zalo/officialaccount/connect/"
CALLBACK = "http://127.0.0.1:8000/admin/zalo/officialaccount/connect/callback/"
SHOP = "Nhà thuốc An Khang Quận 1"


@pytest.fixture
def staff(client, make_user, shops):
    client.force_login(make_user("hotro", "Support", shops=[shops[SHOP]]))
    return client


def form(shops, **changes):
    return {
        "shop": shops[SHOP].pk,
        "app_id": "4318000000000000001",
        "app_secret": "bí-mật-ứng-dụng",
        "callback_url": CALLBACK,
        **changes,
    }


def allow_on_zalo(url: str, oa_name: str = "") -> str:
    """The OA admin allows on Zalo's page; returns where the browser is sent."""
    assert requests.get(url, timeout=5).status_code == 200
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    state = parse_qs(urlsplit(url).query)["state"][0]
    answer = requests.post(
        f"{origin}/zalo/oa/permission", data={"state": state, "oa_name": oa_name}, allow_redirects=False, timeout=5
    )
    return answer.headers["Location"]


def back(client, location: str):
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_support_connects_an_oa_end_to_end(staff, shops, sandbox):
    response = staff.post(CONNECT, form(shops))
    assert response.status_code == 302 and response.url.startswith(f"{sandbox.url}/zalo/oa/permission")
    landed = back(staff, allow_on_zalo(response.url, "OA Nhà thuốc Mới"))
    oa = OfficialAccount.objects.get(name="OA Nhà thuốc Mới")
    assert landed.url == reverse("admin:zalo_officialaccount_change", args=[oa.pk])
    assert texts(landed) == [f"OA Nhà thuốc Mới is connected to {SHOP}."]
    assert (oa.shop, oa.status, oa.app_id) == (shops[SHOP], "P", "4318000000000000001")
    assert oa.daily_quota == 500 and oa.monthly_promotion_quota == 0 and oa.expires_at > timezone.now()
    assert oa.snapshots.count() == 1
    # UpdateShopOA pointed the OA's events at the console; the address is kept with its secret masked.
    assert oa.webhook_url == masked_url(webhook_url(shops[SHOP])) and shops[SHOP].webhook_secret not in oa.webhook_url
    assert oa.app_secret == "bí-mật-ứng-dụng" and "bí-mật" not in oa.app_secret_ciphertext
    page = staff.get(reverse("admin:zalo_officialaccount_change", args=[oa.pk])).content.decode()
    assert "bí-mật" not in page and oa.app_secret_ciphertext not in page
    calls = list(
        ApiCall.objects.filter(method__startswith="Zalo/").order_by("pk").values_list("method", "user__username")
    )
    assert calls == [("Zalo/AuthorizeOA", "hotro"), ("Zalo/ConnectOA", "hotro"), ("Zalo/UpdateShopOA", "hotro")]
    assert history(oa) == [(ADDITION, f"OA Nhà thuốc Mới is connected to {SHOP}.", "hotro")]
    assert_no_secret_in_history("bí-mật-ứng-dụng", shops[SHOP].credential, shops[SHOP].webhook_secret)


def test_a_code_etelecom_refuses_ends_on_a_readable_message(staff, shops, sandbox):
    location = allow_on_zalo(staff.post(CONNECT, form(shops)).url)
    response = back(staff, location.replace("code=", "code=wrong"))
    assert any("Zalo/ConnectOA 400 invalid_argument" in t for t in texts(response))
    assert not OfficialAccount.objects.exists()


def test_an_etelecom_failure_is_a_form_error(staff, shops, sandbox):
    sandbox.control.faults(next=["5xx"], methods=["Zalo/AuthorizeOA"])
    response = staff.post(CONNECT, form(shops))
    assert response.status_code == 200 and "Zalo/AuthorizeOA 503" in response.content.decode()


def test_bad_input_is_a_form_error_and_calls_nothing(staff, shops, sandbox):
    response = staff.post(CONNECT, form(shops, app_id="my-app", callback_url="not a url"))
    assert set(response.context["form"].errors) == {"app_id", "callback_url"}
    other = shops["Thời trang Hoa Mai"]  # not this user's
    response = staff.post(CONNECT, form(shops, shop=other.pk))
    assert "shop" in response.context["form"].errors
    assert sandbox.control.received("Zalo/AuthorizeOA") == 0


@pytest.mark.parametrize("app_id", ["٤٣١٨٠٠٠", "４３１８", "4318" + "0" * 20, " 4318"])
def test_an_app_id_is_ascii_digits_only(staff, shops, sandbox, app_id):
    response = staff.post(CONNECT, form(shops, app_id=app_id))
    assert set(response.context["form"].errors) == {"app_id"}
    assert sandbox.control.received("Zalo/AuthorizeOA") == 0


def test_a_manager_cannot_connect(client, make_user, shops):
    client.force_login(make_user("quanly", "Manager", shops=[shops[SHOP]]))
    assert client.get(CONNECT).status_code == 403


def test_renewal_extends_the_authorization_and_never_runs_twice_at_once(staff, shops, sandbox):
    back(staff, allow_on_zalo(staff.post(CONNECT, form(shops)).url, "OA Gia hạn"))
    oa = OfficialAccount.objects.get(name="OA Gia hạn")
    sandbox.control.update_oa(oa.oa_id, expires_in_days=2)
    renew = reverse("admin:zalo_officialaccount_renew", args=[oa.pk])
    first = staff.post(renew)
    assert first.url.startswith(f"{sandbox.url}/zalo/oa/permission")
    second = staff.post(renew)
    assert any("already waiting" in t for t in texts(second))
    assert sandbox.control.received("Zalo/RefreshToken") == 1
    landed = back(staff, allow_on_zalo(first.url))
    oa.refresh_from_db()
    assert landed.url == reverse("admin:zalo_officialaccount_change", args=[oa.pk])
    assert oa.expires_at > timezone.now() + timedelta(days=80) and oa.renewal_started_at is None
    assert [flag for flag, _, _ in history(oa)] == [ADDITION, CHANGE]
    assert_no_secret_in_history(oa.shop.credential)
    assert staff.post(renew).url.startswith(sandbox.url)  # free to renew again


def test_a_renewal_abandoned_long_ago_does_not_block(staff, shops, sandbox):
    back(staff, allow_on_zalo(staff.post(CONNECT, form(shops)).url, "OA Cũ"))
    oa = OfficialAccount.objects.get(name="OA Cũ")
    OfficialAccount.objects.filter(pk=oa.pk).update(renewal_started_at=timezone.now() - timedelta(hours=1))
    assert staff.post(reverse("admin:zalo_officialaccount_renew", args=[oa.pk])).url.startswith(sandbox.url)
