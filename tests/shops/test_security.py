"""Secrets at rest, key rotation, roles, login throttling and schedules."""

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import RequestFactory

from etelecom_console.security import client_ip
from shops import crypto
from shops.models import Shop
from shops.roles import MANAGER, SUPPORT

from ..conftest import PASSWORD
from .factories import make_shop


def stored_ciphertext(shop) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credential_ciphertext FROM shops_shop WHERE id = %s", [shop.pk])
        return cursor.fetchone()[0]


def test_the_credential_is_stored_encrypted(db):
    shop = make_shop("A")
    raw = stored_ciphertext(shop)
    assert "secret-A" not in raw and raw.startswith("gAAAA")
    assert Shop.objects.get(pk=shop.pk).credential == f"shop{shop.etelecom_id}:secret-A"
    assert shop.credential_hint == "…et-A"


def test_a_wrong_key_raises_instead_of_returning_ciphertext(db, settings):
    shop = make_shop("A")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError):
        _ = Shop.objects.get(pk=shop.pk).credential


def test_rotation_re_encrypts_under_the_newest_key_and_can_run_twice(db, settings, capsys):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    shops = [make_shop(f"Shop {n}") for n in range(3)]
    plaintexts = [s.credential for s in shops]
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_keys")
    call_command("rotate_encryption_keys")
    assert "3 secrets now under the newest key" in capsys.readouterr().out
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert [Shop.objects.get(pk=s.pk).credential for s in shops] == plaintexts


def test_rotation_stops_on_a_secret_no_key_opens(db, settings):
    make_shop("A")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="shops.Shop"):
        call_command("rotate_encryption_keys")


def test_a_malformed_key_setting_is_a_configuration_error(db, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_roles_are_groups_with_the_right_permissions(db):
    support = set(Group.objects.get(name=SUPPORT).permissions.values_list("codename", flat=True))
    manager = set(Group.objects.get(name=MANAGER).permissions.values_list("codename", flat=True))
    assert {"view_shop", "add_shop", "change_shop", "view_apicall", "view_syncrun"} <= support
    assert not {"delete_shop", "change_apicall", "change_syncrun", "add_shopmembership"} & support
    assert {"view_shop", "view_apicall", "view_syncrun", "view_shopmembership"} <= manager
    assert all(code.startswith("view_") for code in manager)


def test_failed_logins_lock_the_user_out_for_a_while(client, make_user):
    make_user("nhanvien")
    for _ in range(4):
        response = client.post("/admin/login/", {"username": "nhanvien", "password": "wrong"})
        assert response.status_code == 200
    assert client.post("/admin/login/", {"username": "nhanvien", "password": "wrong"}).status_code == 429
    response = client.post("/admin/login/", {"username": "nhanvien", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Traceback" not in page and "Too many failed logins" in page


def test_other_users_behind_the_same_address_can_still_log_in(client, make_user):
    make_user("nhanvien")
    make_user("dongnghiep")
    for _ in range(5):
        client.post("/admin/login/", {"username": "nhanvien", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "dongnghiep", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [(0, "1.1.1.1", "10.0.0.9"), (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"), (2, "6.6.6.6, 1.1.1.1, 10.0.0.2", "1.1.1.1")],
)
def test_the_client_address_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.9")
    assert client_ip(request) == expected


def test_setup_schedules_is_idempotent(db, capsys):
    from django_q.models import Schedule

    call_command("setup_schedules")
    call_command("setup_schedules")
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {"shops: check credentials", "shops: delete rows past their retention"} <= names
    assert Schedule.objects.count() == len(names)
    assert Schedule.objects.get(name="shops: check credentials").schedule_type == Schedule.HOURLY
