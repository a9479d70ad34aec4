"""The calls report: its figures are the calls' own, it reads the rollups in the same queries for a month or a
year, its CSV has the screen's rows, and only Managers and superusers read it."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pbx import services as pbx_services
from pbx.models import CallRecord
from shops import services, syncing
from shops.models import Shop
from shops.roles import MANAGER, SUPPORT

SHOP = "Nhà thuốc An Khang Quận 1"


@pytest.fixture
def shop(console_on_sandbox, db):
    syncing.run_now("shop_import", services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    syncing.run_now("pbx_sync", pbx_services.directory_sync_work, shop=shop)
    syncing.run_now("call_sync", pbx_services.call_history_sync_work, shop=shop)
    return shop


@pytest.fixture
def manager_client(client, make_user, shop):
    client.force_login(make_user("quanly-bc", MANAGER, shops=[shop]))
    return client


def report(client, **query):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admin:report_calls"), query)
    return page, len(queries)


def test_the_figures_are_the_calls_own(manager_client, shop):
    today = timezone.localdate()
    start = today - timedelta(days=13)
    page, _ = report(manager_client, start=start.isoformat(), end=today.isoformat())
    assert page.status_code == 200
    calls = CallRecord.objects.filter(shop=shop, started_day__gte=start, started_day__lte=today)
    total = page.context["total"]
    assert total["count"] == calls.count() > 0
    assert total["answered"] == calls.filter(call_state="answered").count()
    assert total["duration"] == calls.aggregate(s=Sum("duration"))["s"]
    days = page.context["tables"][0]["rows"]
    assert len(days) == 14 and sum(row[1] for row in days) == total["count"]
    assert len(page.context["chart"]["bars"]) == 14
    chart = page.content.decode().split('id="report-chart"', 1)[1].split("</svg>", 1)[0]
    first_bar = chart.split('<rect class="bar-answered"', 1)[1].split(">", 1)[0]
    assert "," not in first_bar  # numbers as SVG reads them, not in the Vietnamese format


def test_a_year_costs_the_queries_of_a_month(manager_client):
    today = timezone.localdate()
    _, month = report(manager_client, start=(today - timedelta(days=29)).isoformat(), end=today.isoformat())
    _, year = report(manager_client, start=(today - timedelta(days=364)).isoformat(), end=today.isoformat())
    assert month == year


def test_each_table_exports_the_rows_on_screen(manager_client):
    page, _ = report(manager_client)
    for table in page.context["tables"]:
        response = manager_client.get(reverse("admin:report_calls"), {"export": table["name"]})
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert lines[0] == [str(header) for header in table["headers"]]
        assert lines[1:] == [[str(cell) for cell in row] for row in table["rows"]]


def test_a_bad_range_is_a_form_error(manager_client):
    page, _ = report(manager_client, start="2026-11-20", end="2026-11-01")
    assert "kết thúc trước khi bắt đầu" in page.context["form"].non_field_errors()[0]  # Vietnamese first


def test_support_is_refused_the_reports(client, make_user, shop):
    client.force_login(make_user("hotro-bc", SUPPORT, shops=[shop]))
    assert client.get(reverse("admin:report_calls")).status_code == 403
    assert "report-links" not in client.get(reverse("admin:index")).content.decode()
