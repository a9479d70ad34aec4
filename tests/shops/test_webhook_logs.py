"""A shop's webhook secret is its URL: no log line or error report of any answer on that URL may carry it."""

import io
import logging

import pytest
from django.core import mail
from django.test import Client
from django.utils.log import AdminEmailHandler

from shops import webhooks

from .factories import make_shop

LOGGERS = ("", "django", "django.request", "django.server", "shops", "shops.webhooks")


@pytest.fixture
def logs():
    """What every stream handler the settings configured writes: an operator's log file."""
    stream = io.StringIO()
    handlers = {
        handler
        for name in LOGGERS
        for handler in logging.getLogger(name).handlers
        if type(handler) is logging.StreamHandler
    }
    assert handlers, "the settings configure no stream handler"
    previous = {handler: handler.setStream(stream) for handler in handlers}
    yield stream
    for handler, old in previous.items():
        handler.setStream(old)


@pytest.fixture
def shop(db):
    return make_shop("Cửa hàng nhật ký")


def test_no_answer_on_the_webhook_url_logs_the_secret(logs, shop, monkeypatch, settings):
    settings.DEBUG = False
    settings.ADMINS = [("Vận hành", "vanhanh@example.vn")]
    [mail_admins] = [h for h in logging.getLogger("django").handlers if isinstance(h, AdminEmailHandler)]
    monkeypatch.setattr(mail_admins, "include_html", True)  # the report with every frame's local variables
    url = f"/webhooks/etelecom/{shop.webhook_secret}/"
    rotated = "an-old-secret-that-was-rotated-away-0123456789abcdef"
    client = Client(raise_request_exception=False)
    answers = [
        client.post(url, b"{}", content_type="text/plain").status_code,
        client.post(url, b"{not json", content_type="application/json").status_code,
        client.post(url, b'{"a": NaN}', content_type="application/json").status_code,
        client.get(url).status_code,
        client.post(f"/webhooks/etelecom/{rotated}/", b"{}", content_type="application/json").status_code,
    ]

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(webhooks, "receive", broken)
    answers.append(client.post(url, b'{"id": "x"}', content_type="application/json").status_code)
    logging.getLogger("django.server").info('"%s" %s %s', f"POST {url} HTTP/1.1", "400", "52")

    assert answers == [400, 400, 400, 405, 404, 500]
    text = logs.getvalue()
    assert text.count("/webhooks/etelecom/") >= 7  # every answer was logged, with its path masked
    assert shop.webhook_secret not in text and rotated not in text
    assert "RuntimeError: the database went away" in text  # the traceback is still there for whoever debugs
    [report] = mail.outbox  # the 500's error report to the admins
    assert "RuntimeError" in report.body and "callback_kwargs" in str(report.alternatives)
    for secret in (shop.webhook_secret, rotated):
        assert secret not in report.subject and secret not in report.body
        assert all(secret not in str(content) for content, _type in report.alternatives)
