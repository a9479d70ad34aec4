"""The reports: their figures are the rows' own (counted through the rollups), a year costs the queries of a month,
each CSV has the screen's rows, and only Managers and superusers read them."""

import csv
import io
import json
import time
from datetime import date, datetime, timedelta

import pytest
from django import forms
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from etelecom_console.reports import tables as report_tables
from etelecom_console.reports.forms import QuickSelect
from pbx import calls as pbx_calls
from pbx import directory as pbx_directory
from pbx.models import CallRecord
from shops import formats, services, syncing
from shops.models import Shop
from shops.roles import MANAGER, SUPPORT
from zalo import services as zalo_services
from zalo.models import Consent, ConsentDaily, Message, OADaily, OfficialAccount, ZnsTemplate
from zalo.selectors import consent_report, run_out

from ..shops.factories import make_oa, make_shop

SHOP = "Nhà thuốc An Khang Quận 1"
DATA = {"customer_name": "Nguyễn Văn An", "order_code": "DH-1001"}
REPORTS = ["calls", "zalo", "consents", "messaging"]


@pytest.fixture
def shop(console_on_sandbox, db):
    syncing.run_now("shop_import", services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    syncing.run_now("pbx_sync", pbx_directory.directory_sync_work, shop=shop)
    syncing.run_now("call_sync", pbx_calls.call_history_sync_work, shop=shop)
    return shop


@pytest.fixture
def oa(shop, sandbox):
    sandbox.control.zns(consent_reply_seconds=0.05, delivery_seconds=0.05)
    syncing.run_now("oa_sync", zalo_services.oa_sync_work, shop=shop)
    syncing.run_now("template_sync", zalo_services.templates_sync_work, shop=shop)
    return OfficialAccount.objects.get(shop=shop, name__endswith="Chăm sóc khách hàng")


@pytest.fixture
def manager_client(client, make_user, shop):
    client.force_login(make_user("quanly-bc", MANAGER, shops=[shop]))
    return client


def report(client, name="calls", **query):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse(f"admin:report_{name}"), query)
    assert page.status_code == 200
    return page, len(queries)


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the sandbox did not answer in time"
        time.sleep(0.05)


def test_the_call_figures_are_the_calls_own(manager_client, shop):
    today = timezone.localdate()
    start = today - timedelta(days=13)
    page, _ = report(manager_client, start=start.isoformat(), end=today.isoformat())
    calls = CallRecord.objects.filter(shop=shop, started_day__gte=start, started_day__lte=today)
    total = page.context["raw"]["total"]
    assert total["count"] == calls.count() > 0
    assert total["answered"] == calls.filter(call_state="answered").count()
    assert total["duration"] == calls.aggregate(s=Sum("duration"))["s"]
    tables = {table["name"]: table for table in page.context["tables"]}
    assert len(tables["days"]["rows"]) == 14 and sum(row[1] for row in tables["days"]["rows"]) == total["count"]
    for name in ("weekdays", "hours"):
        assert sum(row[1] for row in tables[name]["rows"]) == total["count"], name
    for name in ("extensions", "users", "hotlines"):  # after the shop and the line's name
        assert sum(row[2] for row in tables[name]["rows"]) == total["count"], name
    assert len(tables["hours"]["rows"]) == 24 and len(tables["weekdays"]["rows"]) == 7
    busiest = max(range(24), key=lambda hour: calls.filter(started_hour=hour).count())
    assert tables["hours"]["rows"][busiest][1] == calls.filter(started_hour=busiest).count()
    staff = {row[1] for row in tables["users"]["rows"]}
    assert "Nguyễn Thị Lan" in staff  # users by name, not by eTelecom id
    charts = page.context["charts"]
    assert [len(chart["labels"]) for _title, chart in charts] == [14, 24]
    days = charts[0][1]
    assert days["labels"][-1] == f"{today:%d/%m/%Y}"  # Vietnamese dates
    assert sum(sum(series["values"]) for series in days["series"]) == total["count"]
    # The chart's data travels as JSON (numbers as JSON writes them), for static/console/charts.js to draw.
    data = json.loads(page.content.decode().split('id="chart-data-1" type="application/json">', 1)[1].split("<")[0])
    assert data["series"][0]["values"] == days["series"][0]["values"]


def test_a_calls_hour_is_its_local_hour(shop):
    call = CallRecord.objects.filter(shop=shop).first()
    local = timezone.localtime(call.started_at, timezone.get_default_timezone())
    assert (call.started_day, call.started_hour) == (local.date(), local.hour)


def test_the_zns_figures_are_the_messages_own(manager_client, oa, sandbox):
    template = ZnsTemplate.objects.get(oa=oa, template_id=410001)
    for phone in ("0912000001", "0912000002", "0912000007"):  # a number ending in 7 is never delivered
        zalo_services.zns_send(template=template, phone=phone, data=DATA, user=None)
    wait_for(lambda: sum(m["delivery_status"] == "received" for m in sandbox.control.zns()["messages"]) >= 2)
    time.sleep(0.2)  # the delivery webhooks go to a URL this test does not serve: the sync brings them
    syncing.run_now("message_sync", zalo_services.messages_sync_work, shop=oa.shop)
    page, _ = report(manager_client, "zalo", oa=oa.pk)
    messages = Message.objects.filter(oa=oa)
    total = page.context["raw"]["total"]
    assert total["sent"] == messages.filter(status="P").count() == 3
    assert total["delivered"] == messages.filter(delivery_status="received").count() == 2
    assert total["fees"] == 3 * template.price
    templates = {table["name"]: table for table in page.context["tables"]}["templates"]["rows"]
    assert templates == [[oa.shop.name, oa.name, 410001, template.name, 3, 2, 0, 3 * template.price]]


def test_the_quota_history_and_the_run_out_time_come_from_the_snapshots(manager_client, oa, sandbox):
    sandbox.control.update_oa(oa.oa_id, daily_quota=1000, remaining_quota=10)
    syncing.run_now("oa_sync", zalo_services.oa_sync_work, shop=oa.shop)
    sandbox.control.update_oa(oa.oa_id, remaining_quota=950)  # a later sync saw more left: the day keeps the least
    syncing.run_now("oa_sync", zalo_services.oa_sync_work, shop=oa.shop)
    day = OADaily.objects.get(oa=oa, day=timezone.localdate())
    assert (day.daily_quota, day.remaining_quota, day.lowest_remaining, day.snapshots) == (1000, 950, 10, 3)
    page, _ = report(manager_client, "zalo", oa=oa.pk)
    today = page.context["raw"]["quota_days"][-1]
    assert (today["quota"], today["used"], today["left"], today["oas"]) == (1000, 990, 950, 1)
    assert [row["pk"] for row in page.context["raw"]["accounts"]] == [oa.pk]


def test_an_oa_runs_out_at_todays_rate():
    local = timezone.get_default_timezone()
    midnight = datetime.combine(timezone.localdate(), datetime.min.time(), local)
    synced = midnight + timedelta(hours=6)
    oa = {"synced_at": synced, "daily_quota": 1000, "remaining_quota": 700}
    assert run_out(oa, synced) == midnight + timedelta(hours=20)  # 300 in 6 h: 700 more take 14 h
    assert run_out({**oa, "remaining_quota": 100}, synced) == midnight + timedelta(hours=6, minutes=40)
    assert run_out({**oa, "remaining_quota": 0}, synced) == "spent"
    assert run_out({**oa, "remaining_quota": 1000}, synced) is None  # nothing sent yet
    assert run_out({**oa, "synced_at": midnight - timedelta(hours=1)}, synced) is None  # no sync today
    # Read at 08:00, the 06:40 of a 06:00 sync has passed: never shown as a time still to come.
    assert run_out({**oa, "remaining_quota": 100}, synced + timedelta(hours=2)) == "overdue"


def test_the_consent_outcomes_are_the_replies(manager_client, oa, sandbox):
    phones = [f"091200000{digit}" for digit in range(10)]
    for phone in phones:
        zalo_services.consent_request(oa=oa, user=None, phone=phone, call_type="audio", reason_code="update_order")
    wait_for(lambda: all(c["reply_status"] != "S" for c in sandbox.control.zns()["consents"]))
    syncing.run_now("consent_sync", zalo_services.consents_sync_work, shop=oa.shop)
    page, _ = report(manager_client, "consents", oa=oa.pk)
    total = page.context["raw"]["total"]
    # By the sandbox's rule: a last digit 0-5 accepts, 6-7 refuses, 8 never answers, 9 lets the request lapse.
    assert {key: total[key] for key in ("count", "accepted", "refused", "no_reply", "expired", "awaiting")} == {
        "count": 10,
        "accepted": 6,
        "refused": 2,
        "no_reply": 1,
        "expired": 1,
        "awaiting": 0,
    }
    assert total["acceptance_rate"] == 60.0
    assert Consent.objects.filter(oa=oa).count() == 10
    reasons = {table["name"]: table for table in page.context["tables"]}["reasons"]["rows"]
    assert [row[:3] for row in reasons] == [["Cập nhật đơn hàng", 10, 6]]  # Vietnamese first


@pytest.mark.parametrize("name", REPORTS)
def test_a_year_costs_the_queries_of_a_month(manager_client, oa, name):
    today = timezone.localdate()
    _, month = report(manager_client, name, start=(today - timedelta(days=29)).isoformat(), end=today.isoformat())
    _, year = report(manager_client, name, start=(today - timedelta(days=364)).isoformat(), end=today.isoformat())
    assert month == year


@pytest.mark.parametrize("name", REPORTS)
def test_each_table_exports_the_rows_on_screen(manager_client, oa, name):
    page, _ = report(manager_client, name)
    assert page.context["tables"]
    for table in page.context["tables"]:
        response = manager_client.get(reverse(f"admin:report_{name}"), {"export": table["name"]})
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert lines[0] == [str(header) for header in table["headers"]]
        assert lines[1:] == [[str(cell) for cell in row] for row in table["rows"]]


def test_an_unknown_table_is_a_400(manager_client):
    response = manager_client.get(reverse("admin:report_calls"), {"export": "nope"})
    assert response.status_code == 400


def test_a_bad_range_is_a_form_error(manager_client):
    page, _ = report(manager_client, start="2026-11-20", end="2026-11-01")
    assert "kết thúc trước khi bắt đầu" in page.context["form"].non_field_errors()[0]  # Vietnamese first


def test_a_manager_sees_only_their_shops(manager_client, shop):
    other = Shop.objects.exclude(pk=shop.pk).first()
    page, _ = report(manager_client, shop=other.pk)
    assert page.context["form"].errors["shop"]
    assert page.context["raw"]["total"]["count"] == 0


@pytest.mark.parametrize("name", REPORTS)
def test_support_is_refused_the_reports(client, make_user, shop, name):
    client.force_login(make_user("hotro-bc", SUPPORT, shops=[shop]))
    assert client.get(reverse(f"admin:report_{name}")).status_code == 403
    assert "report-links" not in client.get(reverse("admin:index")).content.decode()


def test_a_chart_says_where_its_history_starts(manager_client, oa):
    page, _ = report(manager_client, "zalo", oa=oa.pk)
    first = OADaily.objects.filter(oa=oa).order_by("day").first().day
    quota = page.context["charts"][0][1]
    assert f"{first:%d/%m/%Y}" in quota["note"] and "lịch sử" in quota["note"]
    assert quota["note"] in page.content.decode()
    page, _ = report(manager_client, "zalo", oa=oa.pk, start=first.isoformat())
    assert page.context["charts"][0][1]["note"] == ""  # the range starts with the history


def test_the_messaging_chart_says_where_its_history_starts(manager_client, oa):
    from sms.models import SmsMessage
    from zalo.models import ZnsDaily

    today = timezone.localdate()
    assert report(manager_client, "messaging")[0].context["charts"][0][1]["note"] == ""  # nothing held: no note
    ZnsDaily.objects.create(oa=oa, day=today - timedelta(days=5), template_id=1, sent=2, delivered=2, failed=0, fees=0)
    SmsMessage.objects.create(shop=oa.shop, template_code="OTP", phone="0912345678", day=today - timedelta(days=3))
    page, queries = report(manager_client, "messaging", start=(today - timedelta(days=20)).isoformat())
    note = page.context["charts"][0][1]["note"]
    assert f"{today - timedelta(days=5):%d/%m/%Y}" in note and "lịch sử" in note and note in page.content.decode()
    page, same = report(manager_client, "messaging", start=(today - timedelta(days=5)).isoformat())
    assert page.context["charts"][0][1]["note"] == "" and same == queries


@pytest.mark.parametrize("value", [None, 1, "2"])
def test_the_range_forms_select_writes_djangos_markup(value):
    choices = [("", "---------"), (1, "Cửa hàng <A> & 'B'"), (2, "Cửa hàng 2")]
    attrs = {"class": "border rounded", "id": "id_shop"}
    assert QuickSelect(choices=choices).render("shop", value, attrs) == forms.Select(choices=choices).render(
        "shop", value, attrs
    )


def test_the_consent_report_adds_up_each_day_reason_and_call_type(db):
    oa = make_oa(make_shop("Cửa hàng đồng ý"))
    first = date(2026, 11, 1)
    rows = [
        (first, "update_order", "audio", "accepted", 3),
        (first, "update_order", "video", "refused", 2),
        (first, "consult", "audio", "accepted", 4),
        (first + timedelta(days=2), "consult", "audio", "expired", 5),
        (first + timedelta(days=2), "consult", "audio", "accepted", 1),
    ]
    for day, reason, call_type, outcome, requests in rows:
        ConsentDaily.objects.create(
            oa=oa, day=day, reason_code=reason, call_type=call_type, outcome=outcome, requests=requests
        )
    report = consent_report(OfficialAccount.objects.filter(pk=oa.pk), first, first + timedelta(days=3))
    assert [(row["day"], row["count"], row["accepted"]) for row in report["days"]] == [
        (first, 9, 7),
        (first + timedelta(days=1), 0, 0),
        (first + timedelta(days=2), 6, 1),
        (first + timedelta(days=3), 0, 0),
    ]
    assert [(row["reason_code"], row["count"], row["accepted"], row["expired"]) for row in report["reasons"]] == [
        ("consult", 10, 5, 5),
        ("update_order", 5, 3, 0),
    ]
    assert [(row["call_type"], row["count"], row["refused"]) for row in report["call_types"]] == [
        ("audio", 13, 0),
        ("video", 2, 2),
    ]
    assert report["total"]["count"] == 15 and report["total"]["acceptance_rate"] == round(100 * 8 / 15, 1)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_tables_counts_read_as_the_formats_write_them(language):
    rows = [{"n": n, "fee": n, "id": n, "flag": True} for n in (0, 7, -1234, 1839200)]
    columns = [("n", "n"), ("fee", "fee", "money"), ("id", "id", "id"), ("flag", "flag")]
    with translation.override(language):
        body = report_tables.table("t", "T", columns, rows)["body"]
        for n in (0, 7, -1234, 1839200):
            assert f'<td class="num">{formats.number(n)}</td><td class="num">{formats.money(n)}</td>' in body
        assert "<td>True</td>" in body
