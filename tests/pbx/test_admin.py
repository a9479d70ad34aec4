"""Provisioning through the admin, eTelecom's refusals shown as words, and the call list on a big table's terms."""

import csv
import io

import pytest
from django.contrib.admin.models import ADDITION, CHANGE
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pbx.models import CallRecord, Extension, Hotline, PbxUser, Tenant
from shops.roles import MANAGER, SUPPORT
from tests.history import assert_no_secret_in_history, history

from .conftest import BARE_SHOP, sync_calls


@pytest.fixture
def support_client(client, make_user, shops, pbx_shop):
    client.force_login(make_user("hotro-pbx", SUPPORT, shops=[shops[BARE_SHOP], pbx_shop]))
    return client


def follow(client, url, data):
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    return response


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_shop_is_provisioned_from_tenant_to_extension(support_client, shops):
    shop = shops[BARE_SHOP]
    page = follow(support_client, reverse("admin:pbx_tenant_add"), {"shop": shop.pk})
    tenant = Tenant.objects.get(shop=shop)
    assert tenant.status == "Z" and "Activate it with a hotline" in messages_of(page)[0]

    data = {"shop": shop.pk, "hotline": "02873001111", "name": "Tổng đài Phở", "network": "viettel"}
    page = follow(support_client, reverse("admin:pbx_hotline_add"), data)
    hotline = Hotline.objects.get(hotline="02873001111")
    assert hotline.shop == shop and hotline.owner_id == tenant.owner_id

    page = follow(support_client, reverse("admin:pbx_tenant_activate", args=[tenant.pk]), {"hotline": hotline.pk})
    tenant.refresh_from_db()
    hotline.refresh_from_db()
    assert tenant.status == "P" and hotline.status == "P" and "activated" in messages_of(page)[0]

    data = {"shop": shop.pk, "full_name": "Ngô Thị Hạnh", "phone": "+84 912 000 111", "password": "mat-khau-1"}
    follow(support_client, reverse("admin:pbx_pbxuser_add"), data)
    user = PbxUser.objects.get(shop=shop)
    assert user.phone == "0912000111"

    data = {"hotline": hotline.pk, "extension_number": 301, "user": user.pk}
    page = follow(support_client, reverse("admin:pbx_extension_add"), data)
    extension = Extension.objects.get(shop=shop)
    assert (extension.extension_number, extension.user, extension.hotline) == ("301", user, hotline)
    assert "Extension 301 is created." in messages_of(page)
    html = page.content.decode()
    assert extension.password not in html and extension.password_hint in html

    page = follow(support_client, reverse("admin:pbx_extension_remove_user", args=[extension.pk]), {})
    extension.refresh_from_db()
    assert extension.user is None and "no longer holds" in messages_of(page)[0]
    follow(support_client, reverse("admin:pbx_extension_assign", args=[extension.pk]), {"user": user.pk})
    extension.refresh_from_db()
    assert extension.user == user

    # Each step is in its object's History, by whom, in the words the person was shown, and no password.
    assert [(flag, who) for flag, _, who in history(tenant)] == [(ADDITION, "hotro-pbx"), (CHANGE, "hotro-pbx")]
    assert [flag for flag, _, _ in history(hotline)] == [ADDITION]
    assert history(user) == [(ADDITION, f"{user} is created.", "hotro-pbx")]
    assert [message for _, message, _ in history(extension)] == [
        "Extension 301 is created.",
        f"{user} no longer holds extension 301.",
        f"Extension 301 now belongs to {user}.",
    ]
    assert_no_secret_in_history("mat-khau-1", extension.password, shop.credential)


def test_an_etelecom_refusal_is_a_form_error_and_nothing_is_stored(support_client, pbx_shop):
    extension = Extension.objects.filter(shop=pbx_shop).first()
    before = Extension.objects.count()
    data = {"hotline": extension.hotline_id, "extension_number": int(extension.extension_number)}
    page = support_client.post(reverse("admin:pbx_extension_add"), data)
    assert page.status_code == 200
    errors = page.context["form"].non_field_errors()
    # The sentence for this refusal of this call, then eTelecom's own code and words in brackets.
    assert errors[0].startswith("This extension number is already taken.")
    assert f"[Etelecom/CreateExtension 409 already_exists: extension {extension.extension_number} already" in errors[0]
    assert Extension.objects.count() == before


def test_bad_input_is_a_form_error_before_anything_is_called(support_client, pbx_shop, sandbox):
    sandbox.control.clear_requests()
    data = {"shop": pbx_shop.pk, "full_name": "X", "phone": "12345", "password": "mat-khau-1"}
    page = support_client.post(reverse("admin:pbx_pbxuser_add"), data)
    assert "Vietnamese phone number" in page.context["form"].errors["phone"][0]
    assert sandbox.control.requests()["total"] == 0


def test_a_manager_may_not_provision(client, make_user, pbx_shop):
    client.force_login(make_user("quanly-pbx", MANAGER, shops=[pbx_shop]))
    extension = Extension.objects.filter(shop=pbx_shop).first()
    assert client.get(reverse("admin:pbx_extension_add")).status_code == 403
    assert client.get(reverse("admin:pbx_extension_assign", args=[extension.pk])).status_code == 403
    assert client.post(reverse("admin:pbx_extension_remove_user", args=[extension.pk])).status_code == 403


@pytest.fixture
def calls(pbx_shop):
    assert sync_calls(pbx_shop).status == "succeeded"
    return CallRecord.objects.filter(shop=pbx_shop)


def changelist(client, **query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:pbx_callrecord_changelist"), query)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


def test_the_call_list_pins_its_queries_and_never_counts_the_whole_table(support_client, calls):
    caller = calls.filter(direction="in").first().caller
    small, small_sql = changelist(support_client, shop=calls.first().shop_id, q=caller)
    large, large_sql = changelist(support_client)
    assert len(small.context["cl"].result_list) < len(large.context["cl"].result_list) == 50
    assert len(small_sql) == len(large_sql)  # no query per row
    counts = [sql for sql in large_sql if "COUNT(" in sql.upper() and "pbx_callrecord" in sql]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


def test_the_call_list_filters_and_searches(support_client, calls):
    call = calls.filter(direction="in", extension__isnull=False).first()
    day = call.started_day.isoformat()
    queries = {
        "direction": {"direction__exact": "in"},
        "state": {"call_state__exact": "not_answered"},
        "extension": {"extension": call.extension_id},
        "hotline": {"hotline": call.hotline_id},
        "duration": {"duration": "120"},
        "day": {"started_from": day, "started_to": day},
        "number": {"q": call.caller},
        "number typed otherwise": {"q": "+84 " + call.caller[1:4] + " " + call.caller[4:]},
    }
    expected = {
        "direction": calls.filter(direction="in"),
        "state": calls.filter(call_state="not_answered"),
        "extension": calls.filter(extension=call.extension_id),
        "hotline": calls.filter(hotline=call.hotline_id),
        "duration": calls.filter(duration__gte=30, duration__lt=120),
        "day": calls.filter(started_day=call.started_day),
        "number": calls.filter(customer_number=call.caller),
        "number typed otherwise": calls.filter(customer_number=call.caller),
    }
    for name, query in queries.items():
        page, _ = changelist(support_client, **query)
        listed = {c.pk for c in page.context["cl"].result_list}
        wanted = set(expected[name].order_by("-started_at", "-id").values_list("pk", flat=True)[:50])
        assert listed == wanted and listed, name


def test_a_recording_plays_on_the_call_page(support_client, calls):
    call = calls.exclude(recording_urls=[]).first()
    page = support_client.get(reverse("admin:pbx_callrecord_change", args=[call.pk])).content.decode()
    assert f'<audio controls preload="none" src="{call.recording_urls[0]}">' in page


def test_the_csv_export_streams_the_filtered_list(support_client, calls):
    response = support_client.get(reverse("admin:pbx_callrecord_export"), {"direction__exact": "out"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Accel-Buffering"] == "no"  # a proxy passes it on instead of spooling it
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["started", "shop", "direction"]
    assert len(rows) - 1 == calls.filter(direction="out").count()
    assert {row[2] for row in rows[1:]} == {"Outbound"}  # values in words, as the list shows them
    vietnamese = support_client.get(
        reverse("admin:pbx_callrecord_export"), {"direction__exact": "out"}, HTTP_ACCEPT_LANGUAGE="vi"
    )
    rows = list(csv.reader(io.StringIO(b"".join(vietnamese.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["bắt đầu lúc", "cửa hàng", "chiều gọi"] and {row[2] for row in rows[1:]} == {"Gọi ra"}
    assert rows[1][0].endswith("+07:00")


def test_an_export_with_a_filter_the_list_does_not_know_answers_like_the_list(support_client):
    response = support_client.get(reverse("admin:pbx_callrecord_export"), {"shopmembership": "1"})
    assert response.status_code == 302
    assert response.url == reverse("admin:pbx_callrecord_changelist") + "?e=1"


def test_a_calls_outcome_code_reads_in_words(admin_client):
    from django.utils import translation

    from pbx.models import CallRecord

    with translation.override("vi"):
        assert CallRecord(call_status="P").get_call_status_display() == "kết nối được"
        assert CallRecord(call_status="Z").get_call_status_display() == "khác (Z)"
