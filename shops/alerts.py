"""Alerts that reach people: a scheduled digest mailed to each shop's staff about what went wrong in their shops
since the last one.

The conditions are the dashboard's own (shops.selectors here; zalo registers its OA conditions from zalo.alerts),
so the page and the mail never disagree. Each alert is mailed once: a `SentAlert` row remembers it while its
condition lasts and goes when it clears, so the alert comes again if the problem does. Staff hear only about the
shops they are members of, in their own language, unless they turned the mails off (their alert settings page).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import jobs, selectors
from .models import SentAlert, Shop, ShopMembership, SyncRun, UserPreference

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    """One problem with one thing of one shop. `text` is lazy, with `params` (lazy too) put in when it is read, in
    the reader's language; `path` is the admin page that shows it."""

    shop_id: int
    kind: str
    subject: str
    fingerprint: str
    text: object
    path: str
    params: dict = field(default_factory=dict, compare=False)

    def render(self) -> str:
        return str(self.text) % {name: str(value) for name, value in self.params.items()}

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.shop_id, self.kind, self.subject, self.fingerprint[:64])


# Each source returns the alerts that hold now among the given shops; apps add theirs in AppConfig.ready().
Source = Callable[[list[int]], Iterable[Alert]]
SOURCES: list[Source] = []


def register_source(source: Source) -> None:
    SOURCES.append(source)


def credential_alerts(shop_ids: list[int]) -> Iterable[Alert]:
    for shop in selectors.invalid_credential_shops(Shop.objects.filter(pk__in=shop_ids)):
        yield Alert(
            shop.pk,
            "credential_invalid",
            "shop",
            shop.credential_hint,  # another rejected key is another alert
            _("Credential rejected by eTelecom"),
            reverse("admin:shops_shop_change", args=[shop.pk]),
        )


def sync_alerts(shop_ids: list[int]) -> Iterable[Alert]:
    for failing in selectors.failing_syncs(shop_ids, consecutive=settings.ALERT_SYNC_FAILURES):
        yield Alert(
            failing.shop_id,
            "sync_failing",
            failing.kind,
            "",
            _("%(kind)s failed %(count)s times in a row"),
            f"{reverse('admin:shops_syncrun_changelist')}?shop={failing.shop_id}&kind={failing.kind}",
            {"kind": jobs.label(failing.kind), "count": failing.failures},
        )


register_source(credential_alerts)
register_source(sync_alerts)


def current_alerts(shop_ids: list[int]) -> list[Alert]:
    return [alert for source in SOURCES for alert in source(shop_ids)]


def recipients(shop_ids) -> dict[int, list]:
    """Shop id -> the active staff members with a mail address who did not turn alert mails off."""
    opted_out = UserPreference.objects.filter(alert_emails=False).values("user_id")
    members = (
        ShopMembership.objects.filter(shop_id__in=shop_ids, user__is_active=True)
        .exclude(user__email="")
        .exclude(user_id__in=opted_out)
        .select_related("user", "user__preference")
    )
    found: dict[int, list] = {}
    for membership in members:
        found.setdefault(membership.shop_id, []).append(membership.user)
    return found


def _language(user) -> str:
    try:
        return user.preference.language
    except UserPreference.DoesNotExist:
        return settings.LANGUAGE_CODE


def _digest(user, alerts: list[Alert], shops: dict[int, Shop]) -> EmailMessage:
    base = settings.CONSOLE_URL.rstrip("/")
    with translation.override(_language(user)):
        by_shop: dict[int, list] = {}
        for alert in alerts:
            by_shop.setdefault(alert.shop_id, []).append({"text": alert.render(), "url": base + alert.path})
        context = {
            "user": user,
            "shops": [
                (shops[shop_id], items) for shop_id, items in sorted(by_shop.items(), key=lambda i: shops[i[0]].name)
            ],
            "preferences_url": base + reverse("admin:alert_preferences"),
        }
        subject = render_to_string("shops/alert_digest_subject.txt", {"count": len(alerts)}).strip()
        body = render_to_string("shops/alert_digest.txt", context)
    return EmailMessage(subject, body, to=[user.email])


def send_digests(run: SyncRun | None = None) -> dict:
    """Mail each member of each active shop the alerts that are new since the last digest, and forget the alerts
    whose condition cleared. Runs as one partner-wide job at a time (the `alert_digest` job), so two clusters do
    not both mail the same alert. The new alerts are recorded in the same transaction that mails them: if the
    mail server refuses, nothing is recorded and the next run tries again (a member it had already taken a digest
    for may then get it twice, never none)."""
    shop_ids = list(Shop.objects.filter(is_active=True).values_list("pk", flat=True))
    alerts = {alert.key: alert for alert in current_alerts(shop_ids)}
    sent = {
        (shop_id, kind, subject, fingerprint): pk
        for pk, shop_id, kind, subject, fingerprint in SentAlert.objects.values_list(
            "pk", "shop_id", "kind", "subject", "fingerprint"
        )
    }
    cleared = [pk for key, pk in sent.items() if key not in alerts]
    new = [alert for key, alert in alerts.items() if key not in sent]
    with transaction.atomic():
        SentAlert.objects.filter(pk__in=cleared).delete()
        SentAlert.objects.bulk_create(
            [SentAlert(shop_id=a.shop_id, kind=a.kind, subject=a.subject, fingerprint=a.key[3]) for a in new]
        )
        per_user: dict[int, tuple] = {}
        members = recipients({alert.shop_id for alert in new})
        for alert in new:
            for user in members.get(alert.shop_id, []):
                per_user.setdefault(user.pk, (user, []))[1].append(alert)
        shops = Shop.objects.in_bulk({alert.shop_id for alert in new})
        mails = [_digest(user, user_alerts, shops) for user, user_alerts in per_user.values()]
        if mails:
            get_connection().send_messages(mails)
    return {"alerts": len(alerts), "new": len(new), "cleared": len(cleared), "mails": len(mails)}
