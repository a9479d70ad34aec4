"""A Manager opens each report for a range, sees its charts drawn and downloads a table as CSV; screenshots of the
dashboard and every report land under test-output/browser/. A Support user is refused the reports."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from pbx import calls as pbx_calls
from pbx import directory as pbx_directory
from shops import services, syncing
from shops.models import Shop, ShopMembership
from shops.roles import MANAGER, SUPPORT
from zalo import services as zalo_services
from zalo.models import OfficialAccount, ZnsTemplate

pytestmark = pytest.mark.browser
# The scales of every Chart.js chart on the page, and the tick labels of the first one's axes.
DRAWN = "[...document.querySelectorAll('.report-chart canvas')].map(c => Object.keys(Chart.getChart(c).scales))"
TICKS = """(() => {
  const scales = Chart.getChart(document.querySelector('.report-chart canvas')).scales;
  return {x: scales.x.ticks.map(t => scales.x.getLabelForValue(t.value)), y: scales.y.ticks.map(t => t.label)};
})()"""
LEGEND_COLOUR = "Chart.getChart(document.querySelector('.report-chart canvas')).options.plugins.legend.labels.color"

PASSWORD = "Báo-cáo-trình-duyệt-2026"
SHOP = "Nhà thuốc An Khang Quận 1"
# Report, the charts it draws, a table to download.
REPORTS = [
    ("calls", 2, "days"),
    ("zalo", 3, "templates"),
    ("consents", 1, "reasons"),
]


@pytest.fixture
def shop(console_on_sandbox):
    """The demo shop with its calls, OAs, a few ZNS sent and call permissions answered, all synced."""
    console_on_sandbox.control.zns(consent_reply_seconds=0.05, delivery_seconds=0.05)
    syncing.run_now("shop_import", services.import_partner_shops_work)
    shop = Shop.objects.get(name=SHOP)
    syncing.run_now("pbx_sync", pbx_directory.directory_sync_work, shop=shop)
    syncing.run_now("call_sync", pbx_calls.call_history_sync_work, shop=shop)
    syncing.run_now("oa_sync", zalo_services.oa_sync_work, shop=shop)
    syncing.run_now("template_sync", zalo_services.templates_sync_work, shop=shop)
    oa = OfficialAccount.objects.get(shop=shop, name__endswith="Chăm sóc khách hàng")
    template = ZnsTemplate.objects.get(oa=oa, template_id=410001)
    for digit in range(10):
        phone = f"091200000{digit}"
        zalo_services.consent_request(oa=oa, user=None, phone=phone, call_type="audio", reason_code="update_order")
        data = {"customer_name": "Nguyễn Văn An", "order_code": f"DH-{digit}"}
        zalo_services.zns_send(template=template, phone=phone, data=data, user=None)
    time.sleep(0.5)  # the sandbox answers and delivers; the syncs bring it
    syncing.run_now("consent_sync", zalo_services.consents_sync_work, shop=shop)
    syncing.run_now("message_sync", zalo_services.messages_sync_work, shop=shop)
    return shop


def log_in(page, django_user_model, shop, username, group):
    user = django_user_model.objects.create_user(username, f"{username}@example.vn", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    ShopMembership.objects.create(user=user, shop=shop)
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")


def test_a_manager_reads_every_report(page, screenshot, django_user_model, shop):
    log_in(page, django_user_model, shop, "quanly", MANAGER)
    expect(page.locator("#shop-dashboard")).to_contain_text(SHOP)
    screenshot("dashboard")
    start = (timezone.localdate() - timedelta(days=89)).isoformat()
    for n, (name, charts, table) in enumerate(REPORTS):
        page.goto("/admin/")
        page.locator("#report-links a").nth(n).click()
        page.fill("#id_start", start)
        page.click("#report-form [type=submit]")
        expect(page.locator(".report-chart canvas")).to_have_count(charts)
        drawn = page.evaluate(DRAWN)
        assert len(drawn) == charts and all({"x", "y"} <= set(scales) for scales in drawn), drawn
        if name == "calls":  # date ticks in Vietnamese, and the y scale has values
            ticks = page.evaluate(TICKS)
            first = timezone.localdate() - timedelta(days=89)
            assert ticks["x"][0] == f"{first:%d/%m/%Y}" and len(ticks["x"]) > 4, ticks
            assert ticks["y"][0] == "0" and len(ticks["y"]) > 2, ticks
        expect(page.locator(f"#report-{table} tbody tr").first).not_to_contain_text("Không có")
        screenshot(f"report-{name}")
        with page.expect_download() as download:
            page.click(f"#report-{table} .report-csv")
        assert download.value.suggested_filename.startswith(f"{name}-{table}-")
        assert len(download.value.path().read_text(encoding="utf-8-sig").splitlines()) > 1
    # The acceptance rate is a line on a 0-100 % scale of its own.
    assert page.evaluate("Chart.getChart(document.querySelector('#report-chart canvas')).scales.rate.max") == 100


def test_the_charts_follow_dark_mode(page, django_user_model, shop):
    page.emulate_media(color_scheme="dark")
    log_in(page, django_user_model, shop, "quanly-toi", MANAGER)
    page.goto("/admin/reports/calls/")
    expect(page.locator(".report-chart canvas")).to_have_count(2)
    assert page.evaluate(LEGEND_COLOUR) == "#d5d9de"  # light ink on the dark background
    page.evaluate("document.documentElement.classList.remove('dark')")  # what the theme's switch does
    deadline = time.monotonic() + 5
    while page.evaluate(LEGEND_COLOUR) != "#333333":  # redrawn in light colours
        assert time.monotonic() < deadline, "the charts kept their dark colours"
        time.sleep(0.05)


def test_support_is_refused_the_reports(page, django_user_model, shop):
    log_in(page, django_user_model, shop, "hotro", SUPPORT)
    expect(page.locator("#shop-dashboard")).to_contain_text(SHOP)
    expect(page.locator("#report-links")).to_have_count(0)
    response = page.goto("/admin/reports/zalo/")
    assert response.status == 403
