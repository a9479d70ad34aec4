"""Request ids, log lines (plain and JSON, UTC with an offset, no secrets), /metrics and Sentry's scrubbing."""

import gzip
import http.server
import io
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from etelecom.shop import current_account
from etelecom_console.logs import scrub_event
from shops.clients import Actor, partner_client
from shops.models import SyncRun
from tests.shops.factories import make_shop


@contextmanager
def console_log(formatter: str = "plain"):
    """What the configured console handler writes, with the formatter the settings would choose."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    stream = io.StringIO()
    old_stream, old_formatter = handler.setStream(stream), handler.formatter
    if formatter == "json":
        from etelecom_console.logs import UTCJsonFormatter

        handler.setFormatter(UTCJsonFormatter())
    try:
        yield stream
    finally:
        handler.setStream(old_stream)
        handler.setFormatter(old_formatter)


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    first, second = client.get("/admin/login/"), client.get("/admin/login/")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept(client):
    response = client.get("/admin/login/", HTTP_X_REQUEST_ID="lb-7f3a9c2e.0001")
    assert response["X-Request-ID"] == "lb-7f3a9c2e.0001"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile",
    ["abc12345\nX-Injected: 1", "abc12345\r\nSet-Cookie: a=b", "<script>alert(1)</script>", "x" * 500, "short", ""],
)
def test_a_bogus_request_id_is_replaced(client, hostile):
    with console_log() as log:
        response = client.get("/nowhere/", HTTP_X_REQUEST_ID=hostile)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert "Injected" not in log.getvalue() and "<script>" not in log.getvalue()


@pytest.mark.django_db
def test_log_lines_carry_the_request_id_and_a_utc_time(client):
    with console_log() as log:
        client.get("/nowhere/", HTTP_X_REQUEST_ID="trace-0123456789")
    line = next(line for line in log.getvalue().splitlines() if "Not Found" in line)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 WARNING django.request \[trace-0123456789\]", line)


@pytest.mark.django_db
def test_json_log_lines_are_one_object_each_without_webhook_secrets(client):
    secret = "s3cr3t-webhook-path-value"
    with console_log("json") as log:
        client.post(f"/webhooks/etelecom/{secret}/", "{}", content_type="application/json")
        client.get("/nowhere/", HTTP_X_REQUEST_ID="trace-0123456789")
    records = [json.loads(line) for line in log.getvalue().splitlines()]
    assert records and secret not in log.getvalue()
    not_found = next(r for r in records if r["message"] == "Not Found: /nowhere/")
    assert not_found["request_id"] == "trace-0123456789" and not_found["level"] == "WARNING"
    assert not_found["time"].endswith("+00:00") and not_found["logger"] == "django.request"


@pytest.mark.django_db
def test_metrics_answers_404_without_a_token_configured(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer ", "metrics-token-1234"])
def test_metrics_refuses_a_missing_or_wrong_token(client, settings, header):
    settings.METRICS_TOKEN = "metrics-token-1234"
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert "etelecom_console" not in response.content.decode()


@pytest.mark.django_db
def test_metrics_count_syncs_api_calls_and_queue(client, settings, console_on_sandbox, admin_user):
    settings.METRICS_TOKEN = "metrics-token-1234"
    console_on_sandbox.control.faults(next=["5xx"])
    current_account(partner_client(Actor(user=admin_user)))  # a 503, then the retry's 200: two audited attempts
    SyncRun.objects.create(kind="pbx_calls", shop=make_shop("A"), status="failed", finished_at=timezone.now())
    SyncRun.objects.create(kind="pbx_calls", status="succeeded", finished_at=timezone.now() - timedelta(hours=2))
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-1234", HTTP_HOST="10.0.0.9")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'etelecom_console_api_calls_last_hour{method="Misc/CurrentAccount"} 2' in text
    assert 'etelecom_console_api_errors_last_hour{method="Misc/CurrentAccount"} 1' in text
    assert 'etelecom_console_sync_runs_last_hour{kind="pbx_calls",status="failed"} 1' in text
    assert 'status="succeeded"' not in text  # finished before the window
    assert "etelecom_console_queue_depth 0" in text and "etelecom_console_clusters_alive 0" in text
    assert reverse("metrics") == "/metrics"


def test_sentry_events_lose_secrets_cookies_and_bodies():
    event = {
        "message": "failed on /webhooks/etelecom/abcDEF123456/",
        "request": {
            "url": "https://console.example.vn/webhooks/etelecom/abcDEF123456/",
            "headers": {"Authorization": "Bearer k", "Cookie": "sessionid=x", "User-Agent": "ua"},
            "cookies": {"sessionid": "x"},
            "data": {"api_key": "shop1:secret"},
        },
        "exception": {"values": [{"value": "POST /webhooks/etelecom/abcDEF123456/ broke"}]},
    }
    clean = scrub_event(event)
    text = json.dumps(clean)
    assert "abcDEF123456" not in text and "sessionid" not in text and "shop1:secret" not in text
    assert "Bearer k" not in text and clean["request"]["headers"] == {"User-Agent": "ua"}


class _SentryInbox(http.server.BaseHTTPRequestHandler):
    """A Sentry ingest endpoint on loopback that keeps what it receives."""

    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        elif self.headers.get("Content-Encoding") == "br":
            import brotli

            body = brotli.decompress(body)
        type(self).received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_sentry_gets_the_error_without_the_webhook_secret():
    import sentry_sdk

    from etelecom_console.logs import init_sentry

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SentryInbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _SentryInbox.received = []
    key = ""
    try:
        init_sentry(f"http://publickey@127.0.0.1:{server.server_port}/1", environment="test", traces_sample_rate=0)
        try:
            key = f"shop1:{secrets.token_hex(12)}"  # a local variable of the failing frame
            raise ValueError(f"eTelecom posted to /webhooks/etelecom/AbCdEf0123456789secret/ and broke ({len(key)})")
        except ValueError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # off again for the other tests
        server.shutdown()
    body = b"".join(_SentryInbox.received)
    assert b"and broke" in body, "Sentry received nothing"
    assert b"AbCdEf0123456789secret" not in body and b"/webhooks/etelecom/********/" in body
    assert key.encode() not in body


def test_admins_come_from_the_environment():
    # Settings are read once per process: a fresh one with ADMINS set, as a deploy would start.
    shown = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.ADMINS)"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "etelecom_console.settings",
            "ADMINS": "Trực ca <ops@example.vn>,lead@example.vn, not-an-address-line <>",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shown.strip() == "[('Trực ca', 'ops@example.vn'), ('', 'lead@example.vn')]"
