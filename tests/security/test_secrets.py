"""After the flows that use them, no secret is anywhere it should not be: not the partner key, a shop's key, a SIP
password, a Zalo app secret or a webhook secret, in the logs the configured handlers write, in any database column
but its own encrypted one (the webhook secret's own column excepted: the receiver looks it up), in the sessions,
in django-q's queued or stored task arguments, or in any admin page."""

import io
import logging

import pytest
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.urls import reverse
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage

from pbx import directory as pbx_directory
from pbx.models import Extension
from shops import services, syncing
from shops.crypto import EncryptedTextField
from shops.models import Shop
from shops.roles import MANAGER
from zalo import services as zalo_services
from zalo.models import OfficialAccount

PBX_SHOP = "Nhà thuốc An Khang Quận 1"  # demo: a PBX with extensions and their SIP passwords
APP_SECRET = "bí-mật-ứng-dụng-zalo-7731"


@pytest.fixture
def written_logs():
    """What the configured log handlers write, with their own formatters and filters, while a test runs."""
    streams, handlers = {}, set()
    for logger in [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]:
        handlers.update(h for h in getattr(logger, "handlers", []) if isinstance(h, logging.StreamHandler))
    for handler in handlers:
        streams[handler] = handler.setStream(io.StringIO())
    assert streams, "no log handler configured"
    yield lambda: "".join(handler.stream.getvalue() for handler in streams)
    for handler, stream in streams.items():
        handler.setStream(stream)


@pytest.fixture
def flows(db, console_on_sandbox, admin_client, client, settings, django_capture_on_commit_callbacks):
    """The flows that use every kind of secret, through the admin and the cluster's work, against the sandbox."""
    settings.CONSOLE_URL = "https://console.example.vn"
    assert syncing.run_now("shop_import", services.import_partner_shops_work).status == "succeeded"
    shop = Shop.objects.get(name=PBX_SHOP)
    assert syncing.run_now("pbx_sync", pbx_directory.directory_sync_work, shop=shop).status == "succeeded"
    assert syncing.run_now("oa_sync", zalo_services.oa_sync_work, shop=shop).status == "succeeded"
    services.shop_webhook_register(shop=shop)
    changelist = reverse("admin:shops_shop_changelist")
    every = list(Shop.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):  # queued for the cluster
        admin_client.post(changelist, {"action": "check_credentials", "_selected_action": every})
    admin_client.post(changelist, {"action": "rotate_webhook_secrets", "_selected_action": [shop.pk]})
    connect = admin_client.post(
        reverse("admin:zalo_officialaccount_connect"),
        {
            "shop": shop.pk,
            "app_id": "4318000000000000001",
            "app_secret": APP_SECRET,
            "callback_url": "https://x.vn/cb/",
        },
    )
    assert connect.status_code == 302  # on to Zalo's page; the secret waits in the session, encrypted
    secret = Shop.objects.get(pk=shop.pk).webhook_secret
    # A refused webhook: django.request logs every 4xx with its path, which holds the secret.
    assert client.post(f"/webhooks/etelecom/{secret}/", b"[1]", content_type="application/json").status_code == 400
    assert client.post(f"/webhooks/etelecom/{secret}/", b"x", content_type="text/plain").status_code == 400
    return shop


def the_secrets(sandbox) -> dict[str, str]:
    """Every secret the flows used, by where it came from."""
    found = {"partner key": sandbox.partner_key, "app secret": APP_SECRET}
    for shop in Shop.objects.all():
        found[f"key of {shop}"] = shop.credential
        found[f"webhook secret of {shop}"] = shop.webhook_secret
    for extension in Extension.objects.all():
        found[f"SIP password of {extension}"] = extension.password
    for record in sandbox.control.shops():
        for name in ("shop_key", "api_key"):
            if record.get(name):
                found[f"{name} of {record['name']}"] = record[name]
    return {where: value for where, value in found.items() if value}


def leaks(text: str, secrets_: dict[str, str]) -> list[str]:
    return [where for where, value in secrets_.items() if value in text]


def test_no_secret_in_what_the_logs_write(written_logs, flows, console_on_sandbox):
    text = written_logs()
    assert "Bad Request" in text  # the refused webhooks were logged
    assert leaks(text, the_secrets(console_on_sandbox)) == []


def test_no_secret_in_the_database_outside_its_own_column(flows, console_on_sandbox):
    secrets_ = the_secrets(console_on_sandbox)
    from django.apps import apps

    found = []
    for model in apps.get_models():
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if not isinstance(f, EncryptedTextField) and not (model is Shop and f.name == "webhook_secret")
        ]
        for row in model._default_manager.values_list(*columns):
            found += [f"{model._meta.label}: {where}" for where in leaks(repr(row), secrets_)]
    for session in Session.objects.all():
        found += [f"session: {where}" for where in leaks(repr(session.get_decoded()), secrets_)]
    assert found == []


def test_no_secret_in_django_qs_task_arguments(flows, console_on_sandbox):
    secrets_ = the_secrets(console_on_sandbox)
    broker = get_broker()
    if isinstance(broker, ORM):
        payloads = [item.payload for item in OrmQ.objects.all()]
    else:  # Redis: the queue is a list of signed payloads
        payloads = broker.connection.lrange(broker.list_key, 0, -1)
    queued = [SignedPackage.loads(payload) for payload in payloads]
    assert queued, "the flows queued no task"
    stored = [(task.args, task.kwargs, task.result) for task in Task.objects.all()]
    assert leaks(repr(queued) + repr(stored), secrets_) == []


def test_no_secret_in_any_admin_page(flows, console_on_sandbox, admin_client):
    secrets_ = the_secrets(console_on_sandbox)
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        for pk in model._default_manager.values_list("pk", flat=True)[:50]:
            pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk]))
    found = []
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        found += [f"{page}: {where}" for where in leaks(response.content.decode(), secrets_)]
    assert found == []


def test_no_secret_in_any_page_the_read_only_manager_sees(flows, console_on_sandbox, client, make_user):
    """The Manager reads every shop: no page of theirs, refused ones included, shows a webhook address with its
    secret or any other secret."""
    secrets_ = the_secrets(console_on_sandbox)
    client.force_login(make_user("quanly-doc", MANAGER, shops=Shop.objects.all()))
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        for pk in model._default_manager.values_list("pk", flat=True)[:50]:
            pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk]))
    found, shown = [], 0
    for page in pages:
        response = client.get(page)
        shown += response.status_code == 200
        found += [f"{page}: {where}" for where in leaks(response.content.decode(), secrets_)]
    assert found == []
    assert shown > len(admin.site._registry)  # the Manager did read pages, not only refusals


def test_the_secrets_are_real_and_stored_encrypted(flows, console_on_sandbox):
    """The checks above mean something: the flows stored every kind of secret, encrypted."""
    kinds = {where.split(" of ")[0] for where in the_secrets(console_on_sandbox)}
    assert {"partner key", "app secret", "key", "webhook secret", "SIP password", "shop_key"} <= kinds
    ciphertexts = [
        value
        for model in (Shop, Extension)
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
        for value in model._default_manager.values_list(f.attname, flat=True)
    ]
    assert ciphertexts and all(value.startswith("gAAAA") for value in ciphertexts if value)
    assert OfficialAccount.objects.exclude(webhook_url="").exists()  # the OAs point at the shop's webhook
