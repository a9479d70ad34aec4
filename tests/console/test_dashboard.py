"""The admin index: a row per shop of the user's, each cell a link to the list behind it, the alerts after, and
the same number of queries for 10 shops as for 40."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from etelecom_console import dashboard
from shops.models import SyncRun
from shops.roles import SUPPORT
from tests.shops.factories import make_oa, make_shop


def fill(n):
    shops = []
    for i in range(n):
        shop = make_shop(f"Cửa hàng {i:03d}", credential_status="valid" if i % 2 else "invalid")
        make_oa(shop, status="P", current_quality="HIGH", daily_quota=500, remaining_quota=400)
        make_oa(shop, status="P", current_quality="LOW", daily_quota=500, remaining_quota=50)
        make_oa(shop, status="N", expires_at=timezone.now() + timedelta(days=2))
        SyncRun.objects.create(shop=shop, kind="oa_sync", status="succeeded", finished_at=timezone.now())
        SyncRun.objects.create(shop=shop, kind="oa_sync", status="failed", finished_at=timezone.now())
        shops.append(shop)
    return shops


def index(client):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admin:index"))
    assert page.status_code == 200
    return page, len(queries)


@pytest.mark.django_db
def test_each_shop_shows_its_health_with_links(admin_client):
    shop = fill(1)[0]
    page, _ = index(admin_client)
    row = page.context["shop_rows"][0]
    assert (row["connected"], row["oas"], row["worst"], row["lowest_percent"], row["expiring"]) == (2, 3, "LOW", 10, 0)
    assert row["failures"] == 1 and [r["run"].status for r in row["runs"]] == ["failed"]
    html = page.content.decode()
    assert f"/admin/zalo/officialaccount/?shop={shop.pk}&amp;current_quality__exact=LOW" in html
    assert f"/admin/shops/syncrun/?shop={shop.pk}&amp;status__exact=failed" in html
    kinds = [alert["kind"] for alert in page.context["shop_alerts"]]
    assert kinds == ["credential_invalid", "sync_failing"]


@pytest.mark.django_db
def test_the_queries_do_not_grow_with_the_shops(admin_client):
    fill(10)  # past the five examples an alert shows, which then counts the rest once
    _, few = index(admin_client)
    fill(30)
    page, many = index(admin_client)
    assert len(page.context["shop_rows"]) == 40 and many == few


@pytest.mark.django_db
def test_a_support_user_sees_only_their_shops(client, make_user):
    mine, other = fill(2)
    client.force_login(make_user("hotro-dash", SUPPORT, shops=[mine]))
    page, _ = index(client)
    assert [row["shop"] for row in page.context["shop_rows"]] == [mine]
    assert other.name not in page.content.decode()


@pytest.mark.django_db
def test_the_grid_has_a_column_per_sync_that_applies_and_puts_the_worst_shops_first(admin_client):
    calm = make_shop("A yên ổn", credential_status="valid")
    failing = make_shop("B hỏng đồng bộ", credential_status="valid")
    rejected = make_shop("C khoá bị từ chối", credential_status="invalid")
    an_hour_ago = timezone.now() - timedelta(hours=1, minutes=5)
    SyncRun.objects.create(shop=calm, kind="oa_sync", status="succeeded", finished_at=an_hour_ago)
    SyncRun.objects.create(shop=failing, kind="oa_sync", status="failed", finished_at=an_hour_ago, error="hỏng")
    SyncRun.objects.create(shop=rejected, kind="credential_check", status="failed", finished_at=an_hour_ago)
    page, _ = index(admin_client)
    # The credential check shows in the credential column; nothing ran a call sync, so no such column.
    assert [column["kind"] for column in page.context["sync_columns"]] == ["oa_sync"]
    assert [row["shop"] for row in page.context["shop_rows"]] == [rejected, failing, calm]
    assert [bool(row["cells"][0]) for row in page.context["shop_rows"]] == [False, True, True]
    html = page.content.decode()
    assert "1 giờ trước" in html and "ago" not in html
    by_name = admin_client.get(reverse("admin:index") + "?sort=name")
    assert [row["shop"] for row in by_name.context["shop_rows"]] == [calm, failing, rejected]
    hostile = admin_client.get(reverse("admin:index") + "?sort=<script>&page=999")
    assert hostile.status_code == 200 and hostile.context["sort"] == "trouble"


@pytest.mark.django_db
def test_only_the_pages_rows_get_their_links(admin_user, monkeypatch):
    fill(dashboard.SHOPS_PER_PAGE + 5)
    reversed_for = []
    real = dashboard.reverse
    monkeypatch.setattr(dashboard, "reverse", lambda name, *a, **kw: reversed_for.append(name) or real(name, *a, **kw))
    rows, page, _columns = dashboard.shop_rows(admin_user, 2)
    assert len(rows) == 5 and all("url" in row for row in rows)
    assert reversed_for.count("admin:shops_shop_change") == 5
