import re
from base64 import b32encode

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pbx.models import CallRecord, Extension, Tenant
from shops.models import Shop
from zalo.models import Consent, ConsentDaily, Message, OfficialAccount, ZnsDaily, ZnsTemplate


def test_the_demo_has_shops_in_every_state_and_three_users(db, settings, capsys):
    settings.DEMO_ADMIN_PASSWORD = "demo-pass-123"
    call_command("load_demo")
    call_command("load_demo")  # make run calls it on every start
    out = capsys.readouterr().out
    assert "with the password demo-pass-123" in out
    # The superuser's second step: the secret for an authenticator app, and a fresh recovery code at every start.
    codes = re.findall(r"one-use recovery code ([0-9a-f]{10})", out)
    assert len(set(codes)) == 2 and StaticToken.objects.filter(token__in=codes).count() == 2
    secret = re.search(r"set up with the secret ([A-Z2-7 ]+),", out)[1].replace(" ", "")
    assert b32encode(TOTPDevice.objects.get(user__username="admin").bin_key).decode().rstrip("=") == secret
    shops = Shop.objects.all()
    assert shops.count() == 12
    assert shops.filter(connection="partner").count() == 9 and shops.filter(connection="direct").count() == 3
    assert shops.filter(credential_status="invalid").count() == 2
    assert shops.filter(credential_status="valid").count() == 10
    assert OfficialAccount.objects.count() == 8 and OfficialAccount.objects.filter(followers__isnull=False).exists()
    assert ZnsTemplate.objects.count() == 8 * 4
    assert shops.filter(webhook_registered_at__isnull=False).count() == 10
    assert Tenant.objects.count() == 3 and Extension.objects.count() == 12
    assert CallRecord.objects.count() == 2_400 + 1_200 + 600
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    support, manager = users.get(username="support"), users.get(username="manager")
    assert support.check_password("demo-pass-123") and not support.is_superuser
    assert support.shop_memberships.count() == 6 and manager.shop_memberships.count() == 12
    assert [g.name for g in support.groups.all()] == ["Support"] and [g.name for g in manager.groups.all()] == [
        "Manager"
    ]


def test_make_runs_demo_has_zns_and_consent_history_for_the_reports(db, sandbox):
    sandbox.control.reset("demo", history_days=3)
    call_command("load_demo")
    oas = OfficialAccount.objects.count()
    # Each OA: 4 requests and 25 ZNS a day, over 3 days (the 8 OAs include one disconnected: eTelecom still lists it).
    assert Consent.objects.count() == oas * 4 * 3
    assert Message.objects.count() == oas * 25 * 3
    assert ConsentDaily.objects.aggregate(n=Sum("requests"))["n"] == Consent.objects.count()
    assert ZnsDaily.objects.aggregate(n=Sum("sent"))["n"] == Message.objects.count()
    assert ZnsDaily.objects.values("day").distinct().count() >= 3
