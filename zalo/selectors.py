"""What the admin and the reports read: OA health (the conditions the OA list filters on and the admin index lists
as alerts), and the Zalo and consent reports, from the rollups and the OA rows, never from messages or requests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Case, Count, ExpressionWrapper, F, FloatField, IntegerField, Min, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from shops.scoping import scope
from shops.selectors import syncable_shops

from .models import ConsentDaily, OADaily, OfficialAccount, ZnsDaily, ZnsTemplate
from .rollups import ZNS_SUMS

QUALITY_RANK = {"LOW": 0, "MEDIUM": 1, "HIGH": 2}
# An OA the console can act for: connected, and still on eTelecom.
LIVE = Q(status=OfficialAccount.Status.CONNECTED, missing_since__isnull=True)


def _labels() -> dict[str, str]:
    return {
        "low_quality": _("Quality LOW"),
        "quality_dropped": _("Quality dropped since last week"),
        "quota_low": _("ZNS quota nearly spent (under %(percent)s%%)") % {"percent": settings.ZALO_QUOTA_LOW_PERCENT},
        "token_expiring": _("Authorization expires within %(days)s days") % {"days": settings.ZALO_TOKEN_EXPIRY_DAYS},
        "disconnected": _("Disconnected or gone from eTelecom"),
    }


def health_label(kind: str):
    """The label of one health problem, translated when it is read (a mail in its reader's language)."""
    return lazy(lambda: _labels()[kind], str)()


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
            connected=Count("pk", filter=LIVE),
            worst=Min(rank),
            lowest_percent=Min(left),
            expiring=Count("pk", filter=LIVE & health_q("token_expiring")),
        )
    )
    names = {rank: quality for quality, rank in QUALITY_RANK.items()}
    return {row["shop_id"]: {**row, "worst": names.get(row["worst"], "")} for row in rows}


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


QUALITIES = [OfficialAccount.Quality.HIGH, OfficialAccount.Quality.MEDIUM, OfficialAccount.Quality.LOW]
DAY_SUMS = {
    "oas": Count("pk"),
    "quota": Sum("daily_quota"),
    "used": Sum(F("daily_quota") - F("lowest_remaining")),
    "left": Sum("remaining_quota"),
    **{quality.lower(): Count("pk", filter=Q(current_quality=quality)) for quality in QUALITIES},
}
ZNS_FIGURES = {name: Sum(name) for name in ZNS_SUMS}


def run_out(oa: dict, now: datetime) -> datetime | str | None:
    """When the OA runs out of today's quota if it keeps sending at today's rate (what it used since local
    midnight, when the quota was renewed, over the time since): a local time today, "spent", "overdue" (that time
    has passed since the last sync), or None (not today, or nothing to go by: no sync today, no quota, nothing
    sent yet)."""
    synced, quota, left = oa["synced_at"], oa["daily_quota"], oa["remaining_quota"]
    if synced is None or not quota or left is None:
        return None
    local = timezone.get_default_timezone()
    midnight = datetime.combine(timezone.localdate(now, local), time.min, local)
    if synced < midnight:
        return None
    if left == 0:
        return "spent"
    used, elapsed = quota - left, (synced - midnight).total_seconds()
    if used <= 0 or elapsed <= 0:
        return None
    moment = synced + timedelta(seconds=elapsed * left / used)
    if moment <= now:
        return "overdue"  # the last sync is old enough that the rate has spent the quota since: never a past time
    return moment if moment < midnight + timedelta(days=1) else None


def zalo_report(oas, first: date, last: date) -> dict:
    """For the OAs of `oas` from `first` to `last` (local days, both included): quota and quality per day (from
    `OADaily`), each OA's quota today and when it runs out at today's rate, and ZNS sent, delivered, failed and
    fees per day and per template (from `ZnsDaily`). Five queries whatever the range."""
    now = timezone.now()
    oa_days = OADaily.objects.filter(oa__in=oas, day__gte=first, day__lte=last)
    found = {row["day"]: row for row in oa_days.values("day").annotate(**DAY_SUMS)}
    quota_days = [found.get(day, {"day": day, **dict.fromkeys(DAY_SUMS)}) for day in _dates(first, last)]
    for row in quota_days:
        row["other"] = (row["oas"] or 0) - sum(row[quality.lower()] or 0 for quality in QUALITIES)
    accounts = list(
        oas.order_by("shop__name", "name").values(
            "pk",
            "name",
            "shop__name",
            "daily_quota",
            "remaining_quota",
            "current_quality",
            "last_week_quality",
            "synced_at",
        )
    )
    for oa in accounts:
        known = oa["daily_quota"] is not None and oa["remaining_quota"] is not None
        oa["used"] = oa["daily_quota"] - oa["remaining_quota"] if known else None
        oa["runs_out"] = run_out(oa, now)
    messages = ZnsDaily.objects.filter(oa__in=oas, day__gte=first, day__lte=last)
    found = {row["day"]: row for row in messages.values("day").annotate(**ZNS_FIGURES)}
    zns_days = [found.get(day, {"day": day, **dict.fromkeys(ZNS_SUMS, 0)}) for day in _dates(first, last)]
    # Grouped by OA and template alone: the OA's and its shop's names come from `accounts`, not from a join.
    per_template = list(messages.values("oa_id", "template_id").annotate(**ZNS_FIGURES).order_by())
    names = {
        (oa, template): name
        for oa, template, name in ZnsTemplate.objects.filter(oa__in=oas).values_list("oa_id", "template_id", "name")
    }
    known = {oa["pk"]: oa for oa in accounts}
    for row in per_template:
        oa = known[row["oa_id"]]
        row.update(oa__name=oa["name"], oa__shop__name=oa["shop__name"])
        row["name"] = names.get((row["oa_id"], row["template_id"]), "")
    per_template.sort(key=lambda row: (-row["sent"], row["oa__shop__name"], row["oa__name"], row["template_id"]))
    total = {name: sum(row[name] or 0 for row in zns_days) for name in ZNS_SUMS}
    return {
        "quota_days": quota_days,
        "accounts": accounts,
        "zns_days": zns_days,
        "templates": per_template,
        "total": total,
    }


OUTCOME_SUMS = {
    "count": Sum("requests"),
    **{outcome: Sum("requests", filter=Q(outcome=outcome)) for outcome in ConsentDaily.Outcome.values},
}


def _acceptance(rows):
    """Adds the acceptance rate (%): accepted among the requests that have an outcome (not awaiting, not failed)."""
    for row in rows:
        for key in OUTCOME_SUMS:
            row[key] = row[key] or 0
        answered = sum(row[key] for key in ("accepted", "refused", "no_reply", "expired"))
        row["acceptance_rate"] = round(100 * row["accepted"] / answered, 1) if answered else None
        yield row


def consent_report(oas, first: date, last: date) -> dict:
    """Call permission requests of the OAs of `oas` from `first` to `last` (local days, both included) per day,
    per reason and per call type, with their outcomes and acceptance rate (from `ConsentDaily`). One query
    whatever the range: the rollup read once, grouped by day, reason and call type, and added up here three
    ways (three grouped reads took 3 x 25 ms over 54,000 rows)."""
    days = ConsentDaily.objects.filter(oa__in=oas, day__gte=first, day__lte=last)
    groups = {"day": {}, "reason_code": {}, "call_type": {}}
    for row in days.values("day", "reason_code", "call_type").annotate(**OUTCOME_SUMS).order_by():
        for key, found in groups.items():
            sums = found.setdefault(row[key], {key: row[key], **dict.fromkeys(OUTCOME_SUMS, 0)})
            for name in OUTCOME_SUMS:
                sums[name] += row[name] or 0
    per_day = list(
        _acceptance(groups["day"].get(day, {"day": day, **dict.fromkeys(OUTCOME_SUMS)}) for day in _dates(first, last))
    )

    def ranked(key):
        return list(_acceptance(sorted(groups[key].values(), key=lambda row: (-row["count"], row[key]))))

    total = next(_acceptance([{key: sum(row[key] for row in per_day) for key in OUTCOME_SUMS}]))
    return {"days": per_day, "reasons": ranked("reason_code"), "call_types": ranked("call_type"), "total": total}


def shops_with_oa():
    """The shops a scheduled ZNS or consent sync runs for: syncable, with an OA."""
    return syncable_shops().filter(oas__isnull=False).distinct()
