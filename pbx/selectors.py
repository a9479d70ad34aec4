"""Call reports, read from the daily rollups (`CallDaily`), never from the calls: a 90-day report costs the same
few grouped queries whatever the call volume."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, Sum

from .models import CallDaily, CallRecord, Extension, Hotline

ANSWERED = CallRecord.CallState.ANSWERED
INBOUND, OUTBOUND = CallRecord.Direction.INBOUND, CallRecord.Direction.OUTBOUND


def _figures(rows):
    """Adds the answer rate (%) and the average talk time (s) to grouped rollup rows (`count` calls, `answered`,
    `inbound`, `outbound`, `duration`)."""
    for row in rows:
        calls, answered = row["count"] or 0, row["answered"] or 0
        row["answer_rate"] = round(100 * answered / calls, 1) if calls else None
        row["average_duration"] = round((row["duration"] or 0) / answered) if answered else None
        yield row


SUMS = {
    "count": Sum("calls"),
    "answered": Sum("calls", filter=Q(call_state=ANSWERED)),
    "inbound": Sum("calls", filter=Q(direction=INBOUND)),
    "outbound": Sum("calls", filter=Q(direction=OUTBOUND)),
    "duration": Sum("total_duration"),
}


def call_report(shops, first: date, last: date) -> dict:
    """Calls per day (every day of the range, empty ones too), per extension and per hotline, and in all, for
    `shops` from `first` to `last` (local days, both included). Five queries whatever the range."""
    days = CallDaily.objects.filter(shop__in=shops, day__gte=first, day__lte=last)
    found = {row["day"]: row for row in days.values("day").annotate(**SUMS)}
    per_day = list(
        _figures(
            found.get(first + timedelta(days=n), {"day": first + timedelta(days=n), **dict.fromkeys(SUMS, 0)})
            for n in range((last - first).days + 1)
        )
    )
    extensions = list(_figures(days.values("shop_id", "extension_etelecom_id").annotate(**SUMS).order_by("-count")))
    hotlines = list(_figures(days.values("shop_id", "hotline_etelecom_id").annotate(**SUMS).order_by("-count")))
    names = {
        (kind, shop_id, eid): (label, shop)
        for kind, model, field in (("extension", Extension, "extension_number"), ("hotline", Hotline, "hotline"))
        for shop_id, eid, label, shop in model.objects.filter(shop__in=shops).values_list(
            "shop_id", "etelecom_id", field, "shop__name"
        )
    }
    for kind, rows in (("extension", extensions), ("hotline", hotlines)):
        for row in rows:
            eid = row[f"{kind}_etelecom_id"]
            row["label"], row["shop"] = names.get((kind, row["shop_id"], eid), (eid or "-", ""))
    total = next(_figures([days.aggregate(**SUMS)]))
    return {"days": per_day, "extensions": extensions, "hotlines": hotlines, "total": total}
