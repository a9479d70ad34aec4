"""Alerts that reach people: the scheduled digest mails each shop's staff the problems that are new, once each, in
their language, unless they turned it off; an alert comes again only after its condition cleared."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from shops import alerts, tasks
from shops.models import SentAlert, Shop, SyncRun, UserPreference

from .factories import make_oa, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def vietnamese_first(settings):
    settings.LANGUAGE_CODE = "vi"  # the console's default (tests/shops/conftest.py reads English)


@pytest.fixture
def shop_a():
    return make_shop("Cửa hàng A")


@pytest.fixture
def shop_b():
    return make_shop("Cửa hàng B")


def reject(shop, hint="ab12"):
    Shop.objects.filter(pk=shop.pk).update(credential_status=Shop.CredentialStatus.INVALID, credential_hint=hint)


def accept(shop):
    Shop.objects.filter(pk=shop.pk).update(credential_status=Shop.CredentialStatus.VALID)


def digest():
    before = len(mail.outbox)
    counts = tasks.run_schedule("alert_digest")
    return mail.outbox[before:], counts


def test_an_alert_is_mailed_once_in_vietnamese(make_user, shop_a, mailoutbox):
    user = make_user("lan", shops=[shop_a])
    reject(shop_a)
    first, counts = digest()
    again, _ = digest()
    assert len(first) == 1 and again == [] and counts["new"] == 1
    message = first[0]
    assert message.to == [user.email]
    assert "Cửa hàng A" in message.body and "Khóa bị eTelecom từ chối" in message.body
    assert "cảnh báo mới" in message.subject
    assert f"/admin/shops/shop/{shop_a.pk}/change/" in message.body and "/admin/preferences/" in message.body
    assert SyncRun.objects.filter(kind="alert_digest", status="succeeded").count() == 2


def test_an_alert_comes_again_after_its_condition_cleared_and_returned(make_user, shop_a, mailoutbox):
    make_user("lan", shops=[shop_a])
    reject(shop_a)
    assert len(digest()[0]) == 1
    accept(shop_a)
    assert digest()[0] == [] and not SentAlert.objects.exists()
    reject(shop_a)
    assert len(digest()[0]) == 1


def test_another_rejected_key_is_another_alert(make_user, shop_a, mailoutbox):
    make_user("lan", shops=[shop_a])
    reject(shop_a, hint="ab12")
    digest()
    reject(shop_a, hint="cd34")
    assert len(digest()[0]) == 1


def test_a_user_hears_only_about_their_shops_and_each_member_gets_one_digest(make_user, shop_a, shop_b, mailoutbox):
    lan = make_user("lan", shops=[shop_a])
    minh = make_user("minh", shops=[shop_a, shop_b])
    make_user("outsider")
    reject(shop_a)
    reject(shop_b)
    sent, _ = digest()
    by_user = {message.to[0]: message.body for message in sent}
    assert set(by_user) == {lan.email, minh.email}
    assert "Cửa hàng A" in by_user[lan.email] and "Cửa hàng B" not in by_user[lan.email]
    assert "Cửa hàng A" in by_user[minh.email] and "Cửa hàng B" in by_user[minh.email]


def test_opted_out_inactive_and_mailless_users_get_nothing(make_user, shop_a, mailoutbox):
    quiet = make_user("quiet", shops=[shop_a])
    UserPreference.objects.create(user=quiet, alert_emails=False)
    gone = make_user("gone", shops=[shop_a])
    gone.is_active = False
    gone.save()
    nomail = make_user("nomail", shops=[shop_a])
    nomail.email = ""
    nomail.save()
    reject(shop_a)
    sent, counts = digest()
    assert sent == [] and counts == {"alerts": 1, "new": 1, "cleared": 0, "mails": 0}


def test_the_digest_is_in_the_users_language(make_user, shop_a, mailoutbox):
    user = make_user("john", shops=[shop_a])
    UserPreference.objects.create(user=user, language="en")
    reject(shop_a)
    (message,), _ = digest()
    assert "Credential rejected by eTelecom" in message.body and "1 new alert" in message.subject


def test_a_sync_alerts_after_its_last_runs_failed_in_a_row(make_user, shop_a, settings, mailoutbox):
    settings.ALERT_SYNC_FAILURES = 3
    make_user("lan", shops=[shop_a])

    def run(status, kind="oa_sync"):
        SyncRun.objects.create(shop=shop_a, kind=kind, status=status, finished_at=timezone.now())

    run("failed")
    run("succeeded")
    run("failed")
    run("skipped")  # a skipped run neither breaks nor extends a streak
    run("failed")
    run("failed", kind="call_sync")
    assert digest()[0] == []
    run("failed")
    (message,), _ = digest()
    assert "Đồng bộ OA Zalo" in message.body and "3" in message.body
    run("failed")
    assert digest()[0] == []  # the same streak: already told
    run("succeeded")
    assert digest()[0] == [] and not SentAlert.objects.exists()


def test_oa_quality_drop_quota_running_out_and_expiring_authorization(make_user, shop_a, mailoutbox):
    make_user("lan", shops=[shop_a])
    now = timezone.now()
    midnight = datetime.combine(timezone.localdate(now), time.min, timezone.get_default_timezone())
    since = max((now - midnight) / 2, timedelta(seconds=1))
    make_oa(shop_a, name="OA chất lượng", status="P", current_quality="LOW", last_week_quality="HIGH")
    # 999 of 1,000 used in what had gone of the day when it synced: it runs out moments after that sync.
    make_oa(shop_a, name="OA hạn mức", status="P", daily_quota=1000, remaining_quota=1, synced_at=midnight + since)
    make_oa(shop_a, name="OA hết hạn", status="P", expires_at=now + timedelta(days=2))
    make_oa(shop_a, name="OA ngắt kết nối", status="N", expires_at=now + timedelta(days=2))
    make_oa(shop_a, name="OA ổn", status="P", current_quality="HIGH", last_week_quality="HIGH")
    (message,), counts = digest()
    body = message.body
    assert counts["new"] == 3
    assert "OA chất lượng: Chất lượng giảm so với tuần trước (Cao → Thấp)" in body  # qualities in words
    # At that rate the quota ran out moments after the sync, a time now past: said so, never as a time to come.
    assert "OA hạn mức: với tốc độ gửi hôm nay, hạn mức ZNS hôm nay đã hết kể từ lần đồng bộ gần nhất" in body
    assert "OA hết hạn:" in body
    assert "OA ngắt kết nối" not in body and "OA ổn" not in body


def test_a_mail_server_that_refuses_records_nothing_and_the_next_run_tries_again(make_user, shop_a, settings):
    make_user("lan", shops=[shop_a])
    reject(shop_a)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    tasks.run_schedule("alert_digest")
    run = SyncRun.objects.get(kind="alert_digest")
    assert run.status == "failed" and "Traceback" not in run.error
    assert not SentAlert.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert len(digest()[0]) == 1


def test_no_secret_reaches_a_mail(make_user, shop_a, mailoutbox):
    make_user("lan", shops=[shop_a])
    reject(shop_a)
    shop = Shop.objects.get(pk=shop_a.pk)
    (message,), _ = digest()
    assert shop.credential not in message.body and shop.webhook_secret not in message.body


def test_every_source_is_asked_for_the_active_shops_only(shop_a, shop_b):
    reject(shop_a)
    reject(shop_b)
    Shop.objects.filter(pk=shop_b.pk).update(is_active=False)
    assert {alert.shop_id for alert in alerts.current_alerts([shop_a.pk])} == {shop_a.pk}


def test_a_user_turns_alert_mails_off_on_their_own_page(client, make_user, shop_a, mailoutbox):
    user = make_user("lan", shops=[shop_a])
    other = make_user("minh", shops=[shop_a])
    client.force_login(user)
    url = reverse("admin:alert_preferences")
    assert url in client.get(reverse("admin:index")).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and 'name="alert_emails"' in page.content.decode()
    # Whatever the form carries, only the signed-in user's own row changes.
    answer = client.post(url, {"language": "en", "user": other.pk, "user_id": other.pk})
    assert answer.status_code == 302
    assert UserPreference.objects.get(user=user).alert_emails is False
    assert not UserPreference.objects.filter(user=other).exists()
    assert client.post(url, {"alert_emails": "on", "language": "xx"}).status_code == 200  # a form error, no 500
    assert UserPreference.objects.get(user=user).language == "en"
    reject(shop_a)
    (message,), _ = digest()
    assert message.to == [other.email]


def test_the_preferences_page_is_for_signed_in_staff_only(client):
    answer = client.get(reverse("admin:alert_preferences"))
    assert answer.status_code == 302 and "/login/" in answer["Location"]
