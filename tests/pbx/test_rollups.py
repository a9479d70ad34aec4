"""The call rollups read from the daily ones: each month is the sum of its days and each shop's day the sum of its
lines, kept so by every recount (the sync's, in its batch's transaction) and by the retention's prune; and a report
that reads them counts exactly the calls of its range, whatever month its first and last days fall in."""

from datetime import date, timedelta

import pytest
from django.db.models import Count, Max, Min, Q, Sum

from pbx import rollups
from pbx.models import CallDaily, CallHourly, CallMonthly, CallMonthlyHour, CallRecord, CallShopDaily
from pbx.selectors import call_report, first_call_day, split, whole_months
from shops.models import Shop

from .conftest import sync_calls

FIGURES = ("count", "answered", "duration")


def shop_days_are_the_lines_summed(shop) -> bool:
    days = {}
    for day, direction, state, calls, duration in CallDaily.objects.filter(shop=shop).values_list(
        "day", "direction", "call_state", "calls", "total_duration"
    ):
        sums = days.setdefault(day, [0, 0, 0, 0, 0])
        for n, value in enumerate(
            (calls, calls * (state == "answered"), calls * (direction == "in"), calls * (direction == "out"), duration)
        ):
            sums[n] += value
    columns = ["calls", "answered_calls", "inbound_calls", "outbound_calls", "total_duration"]
    stored = {row[0]: list(row[1:]) for row in CallShopDaily.objects.filter(shop=shop).values_list("day", *columns)}
    return bool(days) and stored == days


def monthly_is_the_days_summed(shop) -> bool:
    pairs = [
        (CallMonthly, CallDaily, ["direction", "call_state", "extension_etelecom_id", "user_etelecom_id"]),
        (CallMonthlyHour, CallHourly, ["hour", "direction", "call_state"]),
    ]
    for monthly, daily, columns in pairs:
        months = sorted(monthly.objects.filter(shop=shop).values_list("month", *columns, "calls", "total_duration"))
        days = {}
        for row in daily.objects.filter(shop=shop).values_list("day", *columns, "calls", "total_duration"):
            key = (row[0].replace(day=1), *row[1:-2])
            calls, duration = days.get(key, (0, 0))
            days[key] = (calls + row[-2], duration + row[-1])
        if months != sorted((*key, *sums) for key, sums in days.items()):
            return False
    return True


def counted(shop, first, last, key):
    """The report's figures grouped by `key`, counted from the calls themselves."""
    calls = CallRecord.objects.filter(shop=shop, started_day__gte=first, started_day__lte=last)
    rows = calls.values(key).annotate(
        count=Count("id"), answered=Count("id", filter=Q(call_state="answered")), duration=Sum("duration")
    )
    return {row[key]: tuple(row[name] for name in FIGURES) for row in rows}


def test_a_range_is_read_with_the_fewest_rows():
    january = (date(2026, 1, 1), date(2026, 1, 31))
    # A year from the 2nd: the whole of December less its first day, not thirty days of December.
    assert split(date(2025, 12, 2), date(2026, 12, 1)) == (
        [(date(2026, 1, 1), date(2026, 11, 30)), (date(2025, 12, 1), date(2025, 12, 1))],
        [(date(2026, 12, 1), date(2026, 12, 1))],
        [(date(2025, 12, 1), date(2025, 12, 1))],
    )
    assert split(date(2026, 1, 10), date(2026, 1, 12)) == ([], [(date(2026, 1, 10), date(2026, 1, 12))], [])
    assert split(date(2026, 1, 2), date(2026, 1, 30)) == (
        [(date(2026, 1, 1), date(2026, 1, 1))],
        [],
        [(date(2026, 1, 1), date(2026, 1, 1)), (date(2026, 1, 31), date(2026, 1, 31))],
    )
    assert split(*january) == ([january], [], [])


def test_whole_months_of_a_range():
    assert whole_months(date(2026, 1, 15), date(2026, 4, 10)) == (date(2026, 2, 1), date(2026, 3, 31))
    assert whole_months(date(2026, 1, 1), date(2026, 1, 31)) == (date(2026, 1, 1), date(2026, 1, 31))
    start, end = whole_months(date(2026, 1, 2), date(2026, 1, 30))
    assert end < start
    start, end = whole_months(date(2026, 1, 20), date(2026, 2, 10))
    assert end < start


def test_the_monthly_rollups_are_the_days_summed_after_a_sync_and_a_recount(pbx_shop):
    sync_calls(pbx_shop)
    assert CallMonthly.objects.filter(shop=pbx_shop).exists()
    assert monthly_is_the_days_summed(pbx_shop)
    assert shop_days_are_the_lines_summed(pbx_shop)
    day = CallRecord.objects.filter(shop=pbx_shop).aggregate(d=Max("started_day"))["d"]
    CallRecord.objects.filter(shop=pbx_shop, started_day=day).delete()
    rollups.rollups_refresh(pbx_shop, day, day)
    assert monthly_is_the_days_summed(pbx_shop)
    assert shop_days_are_the_lines_summed(pbx_shop)
    assert not CallShopDaily.objects.filter(shop=pbx_shop, day=day).exists()
    for model in (CallMonthly, CallShopDaily):
        total = model.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"]
        assert total == CallRecord.objects.filter(shop=pbx_shop).count()


def test_the_prune_keeps_the_month_it_cuts_exact(pbx_shop):
    sync_calls(pbx_shop)
    span = CallRecord.objects.filter(shop=pbx_shop).aggregate(first=Min("started_day"), last=Max("started_day"))
    cut = span["first"] + (span["last"] - span["first"]) / 2
    if cut.day == 1:
        cut += timedelta(days=1)
    CallRecord.objects.filter(shop=pbx_shop, started_day__lt=cut).delete()
    rollups.rollups_prune(pbx_shop, cut)
    assert not CallMonthly.objects.filter(shop=pbx_shop, month__lt=cut.replace(day=1)).exists()
    assert not CallShopDaily.objects.filter(shop=pbx_shop, day__lt=cut).exists()
    assert monthly_is_the_days_summed(pbx_shop)
    assert shop_days_are_the_lines_summed(pbx_shop)
    assert CallMonthlyHour.objects.filter(shop=pbx_shop).aggregate(n=Sum("calls"))["n"] == (
        CallRecord.objects.filter(shop=pbx_shop).count()
    )


@pytest.mark.parametrize(
    "edges",
    [
        "partial_both",
        "whole_months",
        "within_a_month",
        "across_one_boundary",
        "most_of_a_month",
        "most_of_both_ends",
    ],
)
def test_a_report_counts_exactly_the_calls_of_its_range(pbx_shop, edges):
    sync_calls(pbx_shop)
    span = CallRecord.objects.filter(shop=pbx_shop).aggregate(first=Min("started_day"), last=Max("started_day"))
    assert (span["last"] - span["first"]).days >= 59, "the demo's calls span two months: one of them whole"
    later = rollups.month_end(span["first"]) + timedelta(days=1)  # the first whole month of the history
    first, last = {
        "partial_both": (span["first"] + timedelta(days=3), span["last"] - timedelta(days=2)),
        "whole_months": (later, rollups.month_end(later)),
        "within_a_month": (later + timedelta(days=2), later + timedelta(days=20)),
        "across_one_boundary": (later - timedelta(days=9), later + timedelta(days=12)),
        # The month less the days left out (see pbx.selectors.split).
        "most_of_a_month": (later + timedelta(days=1), rollups.month_end(later) - timedelta(days=2)),
        "most_of_both_ends": (
            rollups.month_end(span["first"]) - timedelta(days=20),
            rollups.month_end(later) - timedelta(days=1),
        ),
    }[edges]
    report = call_report(Shop.objects.filter(pk=pbx_shop.pk), first, last)

    def shown(rows, key):
        return {row[key]: tuple(row[name] for name in FIGURES) for row in rows if row["count"]}

    assert shown(report["hours"], "hour") == counted(pbx_shop, first, last, "started_hour")
    assert shown(report["days"], "day") == counted(pbx_shop, first, last, "started_day")
    assert [row["day"] for row in report["days"]] == [first + timedelta(days=n) for n in range((last - first).days + 1)]
    directions = counted(pbx_shop, first, last, "direction")
    for key, direction in (("inbound", "in"), ("outbound", "out")):
        assert report["total"][key] == directions.get(direction, (0,))[0]
    for kind in ("extension", "user", "hotline"):
        expected = counted(pbx_shop, first, last, f"{kind}_etelecom_id")
        assert shown(report[f"{kind}s"], f"{kind}_etelecom_id") == expected
    total = CallRecord.objects.filter(shop=pbx_shop, started_day__gte=first, started_day__lte=last).count()
    assert report["total"]["count"] == total > 0


def test_the_first_call_day_is_the_first_day_with_calls(pbx_shop):
    shops = Shop.objects.filter(pk=pbx_shop.pk)
    assert first_call_day(shops) is None
    sync_calls(pbx_shop)
    first = CallRecord.objects.filter(shop=pbx_shop).aggregate(d=Min("started_day"))["d"]
    assert first_call_day(shops) == first
