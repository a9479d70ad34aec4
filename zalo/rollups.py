"""The rollups the Zalo and consent reports read, kept in step with the rows they count.

- `OADaily`: each snapshot updates its OA's row for the local day (last values, lowest quota left, count).
- `ZnsDaily` and `ConsentDaily`: the (OA, local day) pairs a send, a sync or a webhook touched are recounted from
  the messages and requests of those days, so a row that changes state (sent, then delivered) never counts twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.db import transaction
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from shops.common import upsert

from .models import Consent, ConsentDaily, Message, OADaily, ZnsDaily

OA_DAY_VALUES = ["status", "current_quality", "last_week_quality", "daily_quota", "remaining_quota"]


def local_day(moment: datetime | None) -> date:
    """The local (TIME_ZONE, Asia/Ho_Chi_Minh) day of `moment`, or today's when there is none."""
    return timezone.localdate(moment or timezone.now(), timezone.get_default_timezone())


def record_oa_days(taken_at: datetime, values: Mapping[int, Mapping]) -> None:
    """After snapshots of the OAs in `values` (OA pk -> the snapshot's values) were written at `taken_at`: their
    rows for that local day take the latest values, the lower of the day's lowest quota left and this one, and
    one more snapshot. Reads one row an OA, not the day's snapshots (every OA sync cycle comes here)."""
    if not values:
        return
    day = local_day(taken_at)
    before = {
        oa: (lowest, count)
        for oa, lowest, count in OADaily.objects.filter(oa__in=list(values), day=day).values_list(
            "oa", "lowest_remaining", "snapshots"
        )
    }
    rows = []
    for oa, row in values.items():
        lowest, count = before.get(oa, (None, 0))
        known = [left for left in (lowest, row["remaining_quota"]) if left is not None]
        lowest = min(known) if known else None
        rows.append((oa, day, *(row[name] for name in OA_DAY_VALUES), lowest, count + 1, taken_at))
    columns = [*OA_DAY_VALUES, "lowest_remaining", "snapshots", "last_taken_at"]
    upsert.insert(OADaily, ["oa", "day", *columns], rows, unique=["oa", "day"], update=columns)


def _by_oa(pairs: Iterable[tuple[int, date]]) -> dict[int, set[date]]:
    days = defaultdict(set)
    for oa, day in pairs:
        days[oa].add(day)
    return days


# What a day's messages add up to. A message counts as sent once Zalo accepted it, as failed when Zalo refused it
# or eTelecom refused the console's send; fees are what eTelecom charged (the message and, for journeys, the token).
CHARGED = Q(is_charged=True)
ZNS_SUMS = {
    "sent": Count("pk", filter=Q(status=Message.Status.ACCEPTED)),
    "delivered": Count("pk", filter=Q(delivery_status__in=[Consent.Delivery.RECEIVED, Consent.Delivery.SEEN])),
    "failed": Count("pk", filter=Q(status=Message.Status.FAILED) | Q(send_state=Message.SendState.FAILED)),
    "fees": Coalesce(Sum("fee_main", filter=CHARGED), 0) + Coalesce(Sum("fee_token", filter=CHARGED), 0),
}


def zns_counts(messages):
    """`messages` grouped by OA, day and template id (0 when unknown) with the ZNS_SUMS."""
    return (
        messages.order_by()
        .values("oa_id", "day", zalo_template=Coalesce("template_id_sent", Value(0)))
        .annotate(**ZNS_SUMS)
    )


def refresh_messages(pairs: Iterable[tuple[int, date]]) -> None:
    """Recount the ZNS rollups of each (OA pk, local day) in `pairs` from its messages."""
    with transaction.atomic():
        for oa, days in sorted(_by_oa(pairs).items()):
            upsert.recount_lock("zns_daily", oa)
            ZnsDaily.objects.filter(oa=oa, day__in=days).delete()
            ZnsDaily.objects.bulk_create(
                ZnsDaily(
                    oa_id=row["oa_id"],
                    day=row["day"],
                    template_id=row["zalo_template"],
                    **{name: row[name] for name in ZNS_SUMS},
                )
                for row in zns_counts(Message.objects.filter(oa=oa, day__in=days))
            )


Outcome = ConsentDaily.Outcome
# A request's outcome from its row alone (so a rollup stays true until the row changes): eTelecom marks a request
# that lapsed unanswered `NS` and moves its expiry to that moment; `NS` with a later expiry is a customer who saw
# the question and did not answer.
CONSENT_OUTCOME = Case(
    When(status=Consent.Status.FAILED, then=Value(Outcome.FAILED)),
    When(reply_status=Consent.Reply.ACCEPTED, then=Value(Outcome.ACCEPTED)),
    When(reply_status=Consent.Reply.REFUSED, then=Value(Outcome.REFUSED)),
    When(reply_status=Consent.Reply.NONE, expires_at__lte=F("etelecom_updated_at"), then=Value(Outcome.EXPIRED)),
    When(reply_status=Consent.Reply.NONE, then=Value(Outcome.NO_REPLY)),
    default=Value(Outcome.AWAITING),
)


def consent_counts(consents):
    """`consents` grouped by OA, day, reason, call type and outcome."""
    return (
        consents.order_by()
        .values("oa_id", "day", "reason_code", "call_type", outcome=CONSENT_OUTCOME)
        .annotate(requests=Count("pk"))
    )


def refresh_consents(pairs: Iterable[tuple[int, date]]) -> None:
    """Recount the consent rollups of each (OA pk, local day) in `pairs` from its requests."""
    with transaction.atomic():
        for oa, days in sorted(_by_oa(pairs).items()):
            upsert.recount_lock("consent_daily", oa)
            ConsentDaily.objects.filter(oa=oa, day__in=days).delete()
            ConsentDaily.objects.bulk_create(
                ConsentDaily(**row) for row in consent_counts(Consent.objects.filter(oa=oa, day__in=days))
            )
