"""Playwright driving Debian's Chromium against `live_server`. No browser is downloaded."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium package")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


CSP_REFUSAL = "Content Security Policy"


def csp_refusals(page) -> list[str]:
    """The Content-Security-Policy refusals Chromium reports on `page`'s console, across navigations."""
    refused = []
    page.on("console", lambda message: refused.append(message.text) if CSP_REFUSAL in message.text else None)
    return refused


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A page of the console. Every page a test opens must work under the Content-Security-Policy: a refused
    script, style or handler fails the test."""
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused = csp_refusals(page)
    yield page
    context.close()
    assert refused == [], "the Content-Security-Policy refused parts of a page"


@pytest.fixture
def screenshot(page, request):
    """`screenshot("name")` saves the page under test-output/browser/."""
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = OUTPUT / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def totp_code(key_hex: str) -> str:
    """What an authenticator app set up with this key shows now."""
    from binascii import unhexlify

    from django_otp.oath import TOTP

    return f"{TOTP(unhexlify(key_hex)).token():06d}"


def log_in(page, username: str, password: str) -> None:
    """Through the login page, and for a person with an authenticator through the second step, as people sign in."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form [type=submit]")
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is not None:
        page.wait_for_url("**/admin/otp/verify/**")
        page.fill("#id_code", totp_code(device.key))
        page.click("#otp-form [type=submit]")
