"""OA health: the conditions the OA list filters on and the admin index lists as alerts, in one place."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Case, Count, ExpressionWrapper, F, FloatField, IntegerField, Min, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shops.scoping import scope

from .models import OfficialAccount

QUALITY_RANK = {"LOW": 0, "MEDIUM": 1, "HIGH": 2}


def _labels() -> dict[str, str]:
    return {
        "low_quality": _("Quality LOW"),
        "quality_dropped": _("Quality dropped since last week"),
        "quota_low": _("ZNS quota nearly spent (under %(percent)s%%)") % {"percent": settings.ZALO_QUOTA_LOW_PERCENT},
        "token_expiring": _("Authorization expires within %(days)s days") % {"days": settings.ZALO_TOKEN_EXPIRY_DAYS},
        "disconnected": _("Disconnected or gone from eTelecom"),
    }


def health_choices() -> list[tuple[str, str]]:
    return list(_labels().items())


def health_q(kind: str) -> Q:
    """The condition for one health problem."""
    if kind == "low_quality":
        return Q(current_quality="LOW")
    if kind == "quality_dropped":
        dropped = Q()
        for current, rank in QUALITY_RANK.items():
            better = [quality for quality, other in QUALITY_RANK.items() if other > rank]
            if better:
                dropped |= Q(current_quality=current, last_week_quality__in=better)
        return dropped
    if kind == "quota_low":
        limit = ExpressionWrapper(F("daily_quota") * settings.ZALO_QUOTA_LOW_PERCENT / 100.0, output_field=FloatField())
        return Q(daily_quota__gt=0, remaining_quota__lt=limit)
    if kind == "token_expiring":
        return Q(expires_at__lt=timezone.now() + timedelta(days=settings.ZALO_TOKEN_EXPIRY_DAYS))
    if kind == "disconnected":
        return Q(status=OfficialAccount.Status.DISCONNECTED) | Q(missing_since__isnull=False)
    raise ValueError(f"unknown health condition {kind!r}")


def oa_alerts(user, *, examples: int = 5) -> list[dict]:
    """For the admin index: each health problem among the user's OAs, with a count and a link to the list."""
    oas = scope(OfficialAccount.objects.select_related("shop"), user)
    changelist = reverse("admin:zalo_officialaccount_changelist")
    alerts = []
    for kind, label in _labels().items():
        matching = oas.filter(health_q(kind))
        found = list(matching[: examples + 1])
        if found:
            count = len(found) if len(found) <= examples else matching.count()
            alerts.append(
                {
                    "kind": kind,
                    "label": label,
                    "count": count,
                    "url": f"{changelist}?health={kind}",
                    "oas": found[:examples],
                }
            )
    return alerts


def oa_health_by_shop(shop_ids) -> dict[int, dict]:
    """Per shop, in one query: OAs connected, the worst quality now, the lowest share of today's ZNS quota left
    (percent), and authorizations expiring within ZALO_TOKEN_EXPIRY_DAYS."""
    live = Q(status=OfficialAccount.Status.CONNECTED, missing_since__isnull=True)
    rank = Case(*(When(current_quality=q, then=Value(r)) for q, r in QUALITY_RANK.items()), output_field=IntegerField())
    left = Case(
        When(daily_quota__gt=0, then=F("remaining_quota") * 100.0 / F("daily_quota")),
        output_field=FloatField(),
    )
    rows = (
        OfficialAccount.objects.filter(shop_id__in=shop_ids)
        .values("shop_id")
        .annotate(
            oas=Count("pk"),
            connected=Count("pk", filter=live),
            worst=Min(rank),
            lowest_percent=Min(left),
            expiring=Count("pk", filter=live & health_q("token_expiring")),
        )
    )
    names = {rank: quality for quality, rank in QUALITY_RANK.items()}
    return {row["shop_id"]: {**row, "worst": names.get(row["worst"], "")} for row in rows}
