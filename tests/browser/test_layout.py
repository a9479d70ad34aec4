"""Everything fits at 1440×900: every changelist the admin registers and the dashboard, in Vietnamese, with the
sidebar open, on the demo data. A page fails when the page itself, a scrolling box of its content or a table
is wider than the space it has, or when a cell of a list wraps into three lines or more. The walk photographs
every list under test-output/lists/, and the main pages in Vietnamese and English, light and dark, under
test-output/screens/ (docs/images/ holds a few of them)."""

from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from shops.models import Shop

from .conftest import csp_refusals, log_in

pytestmark = pytest.mark.browser

PASSWORD = "Bố-cục-1440-2026"
SCREENS = Path(__file__).resolve().parents[2] / "test-output" / "screens"
LISTS = Path(__file__).resolve().parents[2] / "test-output" / "lists"  # every changelist, to look at
# What is wider than its room: the page, a box that scrolls sideways (the theme's tables scroll in simplebar
# boxes), or a table. Cells cut with an ellipsis are meant to be cut.
OVERFLOW = """() => {
  const wide = (el) => el.scrollWidth > el.clientWidth + 1;
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${String(el.className).split(' ')[0]}`
    + ` ${el.scrollWidth}>${el.clientWidth}`;
  const found = wide(document.scrollingElement) ? ['page ' + name(document.scrollingElement)] : [];
  for (const el of document.querySelectorAll('#content *')) {
    if (!el.getClientRects().length) continue;
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
      || el.classList.contains('simplebar-content-wrapper');
    if ((scrolls || el.tagName === 'TABLE') && wide(el)) found.push(name(el));
  }
  return found;
}"""
# Cells of a list that wrap into three lines or more: the list shows too much in that column (a cell's text is
# laid out in line boxes; lines are the distinct heights its text sits at).
TALL_CELLS = """() => {
  const tall = [];
  for (const cell of document.querySelectorAll('#result_list td, #result_list th')) {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0).map((r) => r.top);
    tops.sort((a, b) => a - b);
    const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1] > 8).length;
    if (lines >= 3) tall.push(`${cell.className || cell.tagName.toLowerCase()}: ${cell.innerText.slice(0, 40)}`);
  }
  return tall;
}"""


def changelists() -> list[str]:
    return sorted(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    )


def main_pages() -> list[tuple[str, str]]:
    shop = Shop.objects.filter(credential_status="valid").order_by("name").first()
    return [
        ("dashboard", reverse("admin:index")),
        ("shops", reverse("admin:shops_shop_changelist")),
        ("shop", reverse("admin:shops_shop_change", args=[shop.pk])),
        ("oas", reverse("admin:zalo_officialaccount_changelist")),
        ("zns-messages", reverse("admin:zalo_message_changelist")),
        ("consents", reverse("admin:zalo_consent_changelist")),
        ("calls", reverse("admin:pbx_callrecord_changelist")),
        ("report-calls", reverse("admin:report_calls")),
        ("report-zalo", reverse("admin:report_zalo")),
    ]


@pytest.fixture
def demo(console_on_sandbox, transactional_db, settings):
    console_on_sandbox.control.reset("demo", history_days=3)
    settings.DEMO_ADMIN_PASSWORD = PASSWORD
    call_command("load_demo")


def open_console(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 1440, "height": 900}, color_scheme="light"
    )
    context.set_default_timeout(60_000)  # a page of the demo under a loaded CI machine
    page = context.new_page()
    refused = csp_refusals(page)
    log_in(page, "admin", PASSWORD)  # the demo's superuser signs in in two steps
    expect(page.locator("#shop-dashboard")).to_be_visible()
    return context, page, refused


def settle(page, path: str) -> None:
    """Open `path` and wait until it is drawn: its load event (stylesheets, scripts and images; the charts draw
    without animation when the page loads) and its web fonts. Not "networkidle", which waits for 500 ms without a
    request and once waited a whole minute on a loaded CI machine, without saying which page."""
    response = page.goto(path, wait_until="load")
    assert response.status == 200, path
    page.evaluate("() => document.fonts.ready.then(() => true)")


def test_every_changelist_and_the_dashboard_fit_at_1440_by_900(browser, live_server, demo):
    context, page, refused = open_console(browser, live_server)
    LISTS.mkdir(parents=True, exist_ok=True)
    overflowing, wrapping = {}, {}
    for path in [reverse("admin:index"), *changelists()]:
        settle(page, path)
        page.screenshot(path=str(LISTS / f"{path.strip('/').replace('/', '-') or 'index'}.png"))
        if found := page.evaluate(OVERFLOW):
            overflowing[path] = found
        if found := page.evaluate(TALL_CELLS):
            wrapping[path] = found
    context.close()
    assert overflowing == {}
    assert wrapping == {}
    assert refused == []


def test_the_main_pages_are_photographed_in_both_languages_light_and_dark(browser, live_server, demo):
    # One sign-in: a second one within the same 30 s would offer the same one-time code, which is refused.
    SCREENS.mkdir(parents=True, exist_ok=True)
    pages = main_pages()
    context, page, refused = open_console(browser, live_server)
    for language in ("vi", "en"):
        page.select_option("#language-select", language)
        expect(page.locator("html")).to_have_attribute("lang", language)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for name, path in pages:
                settle(page, path)
                page.screenshot(path=str(SCREENS / f"{name}-{language}-{scheme}.png"))
            assert page.evaluate("() => document.documentElement.classList.contains('dark')") == (scheme == "dark")
    context.close()
    assert refused == []
    assert {path.name for path in SCREENS.glob("*.png")} >= {
        f"{name}-{language}-{scheme}.png"
        for name, _ in pages
        for language in ("vi", "en")
        for scheme in ("light", "dark")
    }
