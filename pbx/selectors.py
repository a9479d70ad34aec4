"""Call reports, read from the rollups, never from the calls: a 90-day report costs the same few grouped queries
whatever the call volume. The days of the range come from the shops' daily totals (`CallShopDaily`); the
hours of day and the lines of a range come from the monthly ones (`CallMonthly`, `CallMonthlyHour`) for the whole
months inside it and from the daily ones for the days at its ends, in one query (UNION ALL), so a partial first or
last month counts exactly its days."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import BigIntegerField, Min, OuterRef, Q, Subquery, Sum, Value

from .models import (
    CallDaily,
    CallHourly,
    CallMonthly,
    CallMonthlyHour,
    CallShopDaily,
    Extension,
    Hotline,
    PbxUser,
)
from .rollups import SHOP_DAY_COLUMNS, SUMS, month_end


def _figures(rows):
    """Adds the answer rate (%) and the average talk time (s) to grouped rollup rows (`count` calls, `answered`,
    `inbound`, `outbound`, `duration`)."""
    for row in rows:
        calls, answered = row["count"] or 0, row["answered"] or 0
        row["answer_rate"] = round(100 * answered / calls, 1) if calls else None
        row["average_duration"] = round((row["duration"] or 0) / answered) if answered else None
        yield row


def whole_months(first: date, last: date) -> tuple[date, date]:
    """The first day of the first whole month from `first` to `last` and the last day of the last one; when no
    month is whole, a range that ends before it starts (so the monthly rollups give nothing)."""
    start = first if first.day == 1 else month_end(first) + timedelta(days=1)
    end = last if last == month_end(last) else last.replace(day=1) - timedelta(days=1)
    return start, end


def split(first: date, last: date) -> tuple[list[tuple[date, date]], list[tuple[date, date]], list[tuple[date, date]]]:
    """How to count the days from `first` to `last` with the fewest rows: (months, added, taken), ranges of whole
    months to read from the monthly rollups, and ranges of days to add from the daily ones and to take away from
    them. A month the range covers only in part is read as its days, or, when it covers most of it, as the whole
    month less the days it leaves out (a year from the 2nd reads December and takes away one day instead of adding
    thirty)."""
    start, end = whole_months(first, last)
    months = [(start, end)] if start <= end else []
    added, taken = [], []
    if first.replace(day=1) == last.replace(day=1):
        partial = [] if start <= end else [(first, last)]
    else:
        partial = [(first, month_end(first))] if first.day != 1 else []
        partial += [(last.replace(day=1), last)] if last != month_end(last) else []
    for begin, finish in partial:
        month, length = begin.replace(day=1), month_end(begin).day
        if 2 * ((finish - begin).days + 1) <= length:
            added.append((begin, finish))
            continue
        months.append((month, month))
        if begin > month:
            taken.append((month, begin - timedelta(days=1)))
        if finish < month_end(month):
            taken.append((finish + timedelta(days=1), month_end(month)))
    return months, added, taken


def _within(field: str, ranges) -> Q:
    found = Q()
    for begin, finish in ranges:
        found |= Q(**{f"{field}__gte": begin, f"{field}__lte": finish})
    return found


def _summed(shops, first: date, last: date, keys: list[str], daily, monthly) -> list[dict]:
    """SUMS grouped by `keys` for `shops` from `first` to `last`, in one query (`split`): the whole months from
    `monthly`, plus or minus days from `daily` (the day index reads their ranges); rows with the same keys added
    up, and those left with no call dropped."""
    months, added, taken = split(first, last)
    parts = []
    if months:
        parts.append(monthly.objects.filter(_within("month", months), shop__in=shops).values(*keys).annotate(**SUMS))
    if added:
        parts.append(daily.objects.filter(_within("day", added), shop__in=shops).values(*keys).annotate(**SUMS))
    if taken:
        less = {name: total * Value(-1, output_field=BigIntegerField()) for name, total in SUMS.items()}
        parts.append(daily.objects.filter(_within("day", taken), shop__in=shops).values(*keys).annotate(**less))
    rows = parts[0].order_by()
    if len(parts) > 1:
        rows = rows.union(*(part.order_by() for part in parts[1:]), all=True)
    found = {}
    for row in rows:
        sums = found.setdefault(tuple(row[name] for name in keys), {**{name: row[name] for name in keys}})
        for name in SUMS:
            sums[name] = sums.get(name, 0) + (row[name] or 0)
    return [row for row in found.values() if row["count"]]


def first_call_day(shops) -> date | None:
    """The first local day the console holds calls of `shops` on: one probe of the shops' daily totals (their
    (shop, day) index) for each shop (a MIN over `CallDaily` read the whole table: 355 ms at 10M calls)."""
    first = CallShopDaily.objects.filter(shop=OuterRef("pk")).order_by("day").values("day")[:1]
    return shops.order_by().annotate(held_since=Subquery(first)).aggregate(first=Min("held_since"))["first"]


def call_report(shops, first: date, last: date) -> dict:
    """Calls per day (every day of the range, empty ones too), per weekday, per hour of day, per extension, per
    user and per hotline, and in all, for `shops` from `first` to `last` (local days, both included). Six
    queries whatever the range."""
    days = CallShopDaily.objects.filter(shop__in=shops, day__gte=first, day__lte=last)
    sums = {key: Sum(column) for key, column in SHOP_DAY_COLUMNS.items()}
    found = {row["day"]: row for row in days.values("day").annotate(**sums)}
    empty = dict.fromkeys(SUMS, 0)
    dates = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    per_day = list(_figures(found.get(day, {"day": day, **empty}) for day in dates))
    weekdays = [{"weekday": n, **empty} for n in range(7)]
    for row in per_day:
        for key in SUMS:
            weekdays[row["day"].weekday()][key] += row[key] or 0
    found = {row["hour"]: row for row in _summed(shops, first, last, ["hour"], CallHourly, CallMonthlyHour)}
    per_hour = list(_figures(found.get(hour, {"hour": hour, **empty}) for hour in range(24)))
    # The extensions, users and hotlines from one read of the rollups, grouped by all three (a shop has a few
    # lines): three reads took 3 x 10 ms at 10M calls.
    kinds = ("extension", "user", "hotline")
    lines = _summed(shops, first, last, ["shop_id", *(f"{kind}_etelecom_id" for kind in kinds)], CallDaily, CallMonthly)
    grouped = {}
    for kind in kinds:
        key = f"{kind}_etelecom_id"
        found = {}
        for row in lines:
            sums = found.setdefault((row["shop_id"], row[key]), {"shop_id": row["shop_id"], key: row[key], **empty})
            for name in SUMS:
                sums[name] += row[name] or 0
        grouped[kind] = sorted(
            _figures(found.values()), key=lambda row, key=key: (-row["count"], row["shop_id"], row[key])
        )
    names = {
        (kind, shop_id, eid): (label, shop)
        for kind, model, field in (
            ("extension", Extension, "extension_number"),
            ("user", PbxUser, "full_name"),
            ("hotline", Hotline, "hotline"),
        )
        for shop_id, eid, label, shop in model.objects.filter(shop__in=shops).values_list(
            "shop_id", "etelecom_id", field, "shop__name"
        )
    }
    for kind, rows in grouped.items():
        for row in rows:
            eid = row[f"{kind}_etelecom_id"]
            row["label"], row["shop"] = names.get((kind, row["shop_id"], eid), (eid or "-", ""))
    total = next(_figures([{key: sum(row[key] or 0 for row in per_day) for key in SUMS}]))
    return {
        "days": per_day,
        "weekdays": list(_figures(weekdays)),
        "hours": per_hour,
        "extensions": grouped["extension"],
        "users": grouped["user"],
        "hotlines": grouped["hotline"],
        "total": total,
    }
