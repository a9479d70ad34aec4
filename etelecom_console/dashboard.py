"""The admin index as a health grid: one compact row per shop of the user's (credential, OAs, worst quality, lowest
quota, expiring authorizations, then one cell per sync that applies to the shop, OK or what failed and when), worst
first, each cell a link to the list behind it; the open alerts after. A page costs the same few queries whatever the
number of shops or runs."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from shops import jobs
from shops import selectors as shop_selectors
from shops.scoping import user_shops
from sms.models import SmsAccount
from zalo import selectors as zalo_selectors
from zalo.models import OfficialAccount

SHOPS_PER_PAGE = 50
QUALITY_LEVEL = {"LOW": "bad", "MEDIUM": "busy", "HIGH": "ok"}
RUN_LEVEL = {"succeeded": "ok", "failed": "bad", "running": "busy", "queued": "busy", "skipped": "unknown"}
# The grid's sync columns, in this order, with a header short enough for a narrow column; a kind another app
# registers later gets a column under its own label. Runs that are not syncs of a shop have none.
SYNC_COLUMNS = {
    "oa_sync": pgettext_lazy("dashboard column", "OAs"),
    "follower_sync": pgettext_lazy("dashboard column", "Followers"),
    "consent_sync": pgettext_lazy("dashboard column", "Call perm."),
    "template_sync": pgettext_lazy("dashboard column", "Templates"),
    "message_sync": pgettext_lazy("dashboard column", "ZNS"),
    "journey_sync": pgettext_lazy("dashboard column", "Journeys"),
    "call_sync": pgettext_lazy("dashboard column", "Calls"),
    "pbx_sync": pgettext_lazy("dashboard column", "PBX"),
    "sms_status": pgettext_lazy("dashboard column", "SMS"),
}
# The credential check shows in the credential column; imports and bulk uploads are not a shop's syncs.
NOT_SYNCS = {"credential_check", "shop_import", "bulk_send", "sms_bulk_send"}
SORTS = {"trouble": gettext_lazy("most wrong first"), "name": gettext_lazy("by name")}


def ago(moment, now) -> str:
    """`moment` as "2 min ago", in the user's language, in one unit: short enough for a narrow cell."""
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 1:
        return _("just now")
    if minutes < 60:
        return ngettext("%(count)d min ago", "%(count)d min ago", minutes) % {"count": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(count)d h ago", "%(count)d h ago", hours) % {"count": hours}
    days = hours // 24
    return ngettext("%(count)d day ago", "%(count)d days ago", days) % {"count": days}


def _oa_list(shop_id: int, **query) -> str:
    params = "&".join(f"{k}={v}" for k, v in {"shop": shop_id, **query}.items())
    return f"{reverse('admin:zalo_officialaccount_changelist')}?{params}"


def _trouble(row: dict) -> int:
    """How much is wrong with a shop, for sorting: a rejected key first, then failing syncs, then the OAs."""
    score = 1000 if row["shop"].credential_status == "invalid" else 0
    score += 100 * sum(1 for cell in row["syncs"].values() if cell["level"] == "bad")
    score += {"bad": 30, "busy": 10}.get(row["worst_level"], 0)
    if row["lowest_percent"] is not None and row["lowest_percent"] < settings.ZALO_QUOTA_LOW_PERCENT:
        score += 20
    score += 10 * min(row["expiring"], 5) + min(row["failures"], 9)
    return score


def _add_links(row: dict, now) -> None:
    """The links and ages of a row of the page: only the page's rows get them (every shop's took 12,000 calls to
    `reverse` with 1,000 shops, a third of the page)."""
    shop = row["shop"].pk
    row.update(
        url=reverse("admin:shops_shop_change", args=[shop]),
        oas_url=_oa_list(shop),
        worst_url=_oa_list(shop, current_quality__exact=row["worst"]),
        quota_url=_oa_list(shop, health="quota_low"),
        expiring_url=_oa_list(shop, health="token_expiring"),
        failures_url=f"{reverse('admin:shops_syncrun_changelist')}?shop={shop}&status__exact=failed",
    )
    for item in row["runs"]:
        run = item["run"]
        item["age"] = ago(run.finished_at or run.queued_at, now)
        item["url"] = reverse("admin:shops_syncrun_change", args=[run.pk])


def shop_rows(user, page_number, sort: str = "trouble") -> tuple[list[dict], object, list[dict]]:
    """The page's rows, the page, and the sync columns that apply to at least one shop of the page."""
    shops = list(user_shops(user).order_by("name", "pk"))
    ids = [shop.pk for shop in shops]
    health = zalo_selectors.oa_health_by_shop(ids)
    runs = shop_selectors.last_runs_by_shop(ids)
    failures = shop_selectors.failures_by_shop(ids)
    now = timezone.now()
    qualities = dict(OfficialAccount.Quality.choices)
    rows = []
    for shop in shops:
        oa = health.get(shop.pk, {})
        lowest = oa.get("lowest_percent")
        worst = oa.get("worst", "")
        row = {
            "shop": shop,
            "oas": oa.get("oas", 0),
            "connected": oa.get("connected", 0),
            "worst": worst,
            "worst_label": qualities.get(worst, worst),
            "worst_level": QUALITY_LEVEL.get(worst, "unknown"),
            "lowest_percent": None if lowest is None else round(lowest),
            "quota_low": lowest is not None and lowest < settings.ZALO_QUOTA_LOW_PERCENT,
            "expiring": oa.get("expiring", 0),
            "runs": [{"run": run, "level": RUN_LEVEL.get(run.status, "unknown")} for run in runs.get(shop.pk, [])],
            "failures": failures.get(shop.pk, 0),
        }
        row["syncs"] = {item["run"].kind: item for item in row["runs"] if item["run"].kind not in NOT_SYNCS}
        row["credential_check"] = next((item for item in row["runs"] if item["run"].kind == "credential_check"), None)
        row["trouble"] = _trouble(row)
        rows.append(row)
    if sort == "trouble":
        rows.sort(key=lambda row: -row["trouble"])  # stable: shops equally well stay by name
    page = Paginator(rows, SHOPS_PER_PAGE).get_page(page_number)
    present = {kind for row in page for kind in row["syncs"]}
    kinds = [kind for kind in SYNC_COLUMNS if kind in present] + sorted(present - set(SYNC_COLUMNS))
    columns = [
        {"kind": kind, "label": SYNC_COLUMNS.get(kind) or jobs.label(kind), "title": jobs.label(kind)} for kind in kinds
    ]
    for row in page:
        _add_links(row, now)
        row["cells"] = [row["syncs"].get(column["kind"]) for column in columns]
    return list(page), page, columns


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
                "label": gettext_lazy("Credential rejected by eTelecom"),
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
                "label": gettext_lazy("A sync's latest run failed"),
                "count": failing,
                "url": f"{reverse('admin:shops_syncrun_changelist')}?status__exact=failed",
            }
        )
    return alerts
