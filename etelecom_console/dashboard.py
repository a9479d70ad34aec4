"""The admin index: one row per shop of the user's with its health at a glance, each cell a link to the list
behind it, then the open alerts. A page costs the same few queries whatever the number of shops or runs."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from shops import selectors as shop_selectors
from shops.scoping import user_shops
from sms.models import SmsAccount
from zalo import selectors as zalo_selectors

SHOPS_PER_PAGE = 50
QUALITY_LEVEL = {"LOW": "bad", "MEDIUM": "busy", "HIGH": "ok"}
RUN_LEVEL = {"succeeded": "ok", "failed": "bad", "running": "busy", "queued": "busy", "skipped": "unknown"}


def _oa_list(shop_id: int, **query) -> str:
    params = "&".join(f"{k}={v}" for k, v in {"shop": shop_id, **query}.items())
    return f"{reverse('admin:zalo_officialaccount_changelist')}?{params}"


def shop_rows(user, page_number) -> tuple[list[dict], object]:
    shops = user_shops(user).order_by("name", "pk")
    page = Paginator(shops, SHOPS_PER_PAGE).get_page(page_number)
    ids = [shop.pk for shop in page]
    health = zalo_selectors.oa_health_by_shop(ids)
    runs = shop_selectors.last_runs_by_shop(ids)
    failures = shop_selectors.failures_by_shop(ids)
    now = timezone.now()
    rows = []
    for shop in page:
        oa = health.get(shop.pk, {})
        lowest = oa.get("lowest_percent")
        rows.append(
            {
                "shop": shop,
                "url": reverse("admin:shops_shop_change", args=[shop.pk]),
                "oas": oa.get("oas", 0),
                "connected": oa.get("connected", 0),
                "oas_url": _oa_list(shop.pk),
                "worst": oa.get("worst", ""),
                "worst_level": QUALITY_LEVEL.get(oa.get("worst", ""), "unknown"),
                "worst_url": _oa_list(shop.pk, current_quality__exact=oa.get("worst", "")),
                "lowest_percent": None if lowest is None else round(lowest),
                "quota_url": _oa_list(shop.pk, health="quota_low"),
                "expiring": oa.get("expiring", 0),
                "expiring_url": _oa_list(shop.pk, health="token_expiring"),
                "runs": [
                    {
                        "run": run,
                        "level": RUN_LEVEL.get(run.status, "unknown"),
                        "age": timesince(run.finished_at or run.queued_at, now),
                        "url": reverse("admin:shops_syncrun_change", args=[run.pk]),
                    }
                    for run in runs.get(shop.pk, [])
                ],
                "failures": failures.get(shop.pk, 0),
                "failures_url": f"{reverse('admin:shops_syncrun_changelist')}?shop={shop.pk}&status__exact=failed",
            }
        )
    return rows, page


def shop_alerts(user) -> list[dict]:
    """Shops whose key eTelecom rejects, whose SMS account the gateway refuses, and shops with a sync whose latest
    run failed."""
    shops = user_shops(user)
    alerts = []
    invalid = shop_selectors.invalid_credential_shops(shops).count()
    if invalid:
        alerts.append(
            {
                "kind": "credential_invalid",
                "label": _("Credential rejected by eTelecom"),
                "count": invalid,
                "url": f"{reverse('admin:shops_shop_changelist')}?credential_status__exact=invalid",
            }
        )
    sms_refused = SmsAccount.objects.filter(shop__in=shops, status=SmsAccount.Status.INVALID).count()
    if sms_refused:
        alerts.append(
            {
                "kind": "sms_account_invalid",
                "label": _("SMS account refused by the gateway"),
                "count": sms_refused,
                "url": f"{reverse('admin:sms_smsaccount_changelist')}?status__exact=invalid",
            }
        )
    failing = shop_selectors.shops_failing(shops)
    if failing:
        alerts.append(
            {
                "kind": "sync_failing",
                "label": _("A sync's latest run failed"),
                "count": failing,
                "url": f"{reverse('admin:shops_syncrun_changelist')}?status__exact=failed",
            }
        )
    return alerts
