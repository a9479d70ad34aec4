"""The Content-Security-Policy: every page of the admin works under it (the `page` fixture fails a test on any
refusal), and it stops what a hostile value would try if one ever slipped past the escaping: an inline script, an
inline handler and a `javascript:` link."""

import pytest
from playwright.sync_api import expect

from shops.models import Shop, ShopMembership
from tests.conftest import enrol

from .conftest import csp_refusals
from .conftest import log_in as sign_in

pytestmark = pytest.mark.browser

PASSWORD = "Chính-sách-nội-dung-2026"


def log_in(page, username="quantri"):
    sign_in(page, username, PASSWORD)
    expect(page.locator("#header-inner h1")).to_be_visible()


@pytest.fixture
def superuser(django_user_model):
    shop = Shop.objects.create(name="Cửa hàng An", etelecom_id="1000001", connection=Shop.Connection.DIRECT)
    user = django_user_model.objects.create_superuser("quantri", "quantri@example.vn", PASSWORD)
    enrol(user)
    ShopMembership.objects.create(user=user, shop=shop)
    return user


def test_admin_pages_reports_and_the_language_switcher_work_under_the_policy(page, superuser):
    log_in(page)
    for path in [
        "/admin/",
        "/admin/shops/shop/",
        "/admin/shops/shop/?credential_status__exact=valid",
        "/admin/shops/shopmembership/add/",  # autocomplete widgets (select2)
        "/admin/shops/syncrun/",
        "/admin/pbx/callrecord/",
        "/admin/zalo/officialaccount/",
        "/admin/zalo/message/add/",
        "/admin/auth/user/",
        "/admin/reports/calls/",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".report-chart canvas").first).to_be_visible()  # the last page: a report's Chart.js chart
    page.goto("/admin/shops/shopmembership/add/")
    page.click(".select2-selection")  # select2 opens its search box: the admin's scripts run
    expect(page.locator(".select2-search__field")).to_be_visible()
    page.keyboard.press("Escape")
    page.goto("/admin/")
    page.select_option("#language-select", "en")
    expect(page.locator("#header-inner h1")).to_have_text("Shops at a glance")


def test_the_policy_stops_inline_scripts_handlers_and_javascript_links(browser, live_server, superuser):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    refused = csp_refusals(page)
    log_in(page)
    page.evaluate(
        """() => {
            const box = document.createElement("div");
            Object.assign(box.style, {position: "fixed", top: "0", left: "0", zIndex: "10000", background: "#fff"});
            document.body.appendChild(box);
            const script = document.createElement("script");
            script.textContent = "(window.__pwned = window.__pwned || []).push('script')";
            box.appendChild(script);
            const handler = document.createElement("button");
            handler.setAttribute("onclick", "(window.__pwned = window.__pwned || []).push('handler')");
            handler.id = "hostile-handler";
            handler.textContent = "handler";
            box.appendChild(handler);
            const link = document.createElement("a");
            link.href = "javascript:void (window.__pwned = window.__pwned || []).push('link')";
            link.id = "hostile-link";
            link.textContent = "link";
            box.appendChild(link);
        }"""
    )
    page.click("#hostile-handler")
    page.click("#hostile-link")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned") is None
    assert len(refused) >= 3, refused
    context.close()


def test_alpine_markup_in_a_value_stays_text(page, superuser):
    """The theme's Alpine.js evaluates x-* attributes (the reason for 'unsafe-eval'): a value written as Alpine
    markup must reach the page as text, so Alpine never sees it as an element to run."""
    hostile = '<div x-data x-init="window.__pwned = 1">Cửa hàng độc</div>'
    Shop.objects.create(name=hostile, etelecom_id="1000666", connection=Shop.Connection.DIRECT)
    log_in(page)
    for path in ["/admin/", "/admin/shops/shop/", "/admin/shops/shop/?q=độc"]:
        page.goto(path)
        expect(page.get_by_text(hostile).first).to_be_visible()
        assert page.evaluate("() => window.__pwned") is None, path
