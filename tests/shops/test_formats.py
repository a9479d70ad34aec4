"""Every figure in one format per kind, in Vietnamese and in English, through Django's localisation."""

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import formats as django_formats
from django.utils import translation

from shops import formats

MOMENT = datetime(2026, 11, 30, 17, 5, 9, tzinfo=UTC)  # 00:05:09 on 1 December in Ho Chi Minh City


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "vi",
            {
                "number": "654.415",
                "money": "1.839.200\u00a0₫",
                "duration": "181 giờ 46 phút",
                "short": "4 phút 05 giây",
                "percent": "71,2%",
                "day": "01/12/2026",
                "moment": "01/12/2026 00:05",
                "seconds": "01/12/2026 00:05:09",
                "clock": "00:05",
            },
        ),
        (
            "en",
            {
                "number": "654,415",
                "money": "1,839,200\u00a0₫",
                "duration": "181 h 46 min",
                "short": "4 min 05 s",
                "percent": "71.2%",
                "day": "1 Dec 2026",
                "moment": "1 Dec 2026 00:05",
                "seconds": "1 Dec 2026 00:05:09",
                "clock": "00:05",
            },
        ),
    ],
)
def test_one_format_per_kind(language, expected):
    with translation.override(language):
        shown = {
            "number": formats.number(654415),
            "money": formats.money(1839200),
            "duration": formats.duration(654415),
            "short": formats.duration(245),
            "percent": formats.percent(71.2345),
            "day": formats.day(date(2026, 12, 1)),
            "moment": formats.moment(MOMENT),
            "seconds": formats.moment(MOMENT, seconds=True),
            "clock": formats.clock(MOMENT),
        }
    assert shown == expected


def test_a_moment_is_shown_on_its_local_day():
    with translation.override("vi"):
        assert formats.day(MOMENT) == "01/12/2026"


def test_nothing_shows_as_a_dash():
    for show in (formats.number, formats.money, formats.percent, formats.duration, formats.day, formats.moment):
        assert show(None) == "-"


def test_the_filters_are_the_same_functions():
    rendered = Template("{% load formats %}{{ n|number }} · {{ fee|money }} · {{ talk|duration }} · {{ on|day }}")
    with translation.override("vi"):
        text = rendered.render(Context({"n": 12345, "fee": 1839200, "talk": 3600, "on": date(2026, 1, 2)}))
    assert text == "12.345 · 1.839.200\u00a0₫ · 1 giờ 00 phút · 02/01/2026"


def test_a_code_reads_as_words_and_an_unknown_one_as_other():
    from zalo.models import OfficialAccount

    with translation.override("vi"):
        assert formats.coded(OfficialAccount.Quality, "HIGH") == "Cao"
        assert formats.coded(OfficialAccount.Quality, "BEST") == "khác (BEST)"
        assert formats.coded({}, "") == "-"


def test_a_run_counts_in_words_even_a_count_it_does_not_know():
    with translation.override("vi"):
        assert formats.counts({"invalid": 0, "pending": 0, "sent": 5, "mails": 2}) == "5 đã gửi, 2 thư"
        assert formats.counts({"shiny_new": 3}) == "3 khác (shiny_new)"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_count_reads_as_djangos_general_path_writes_it(language):
    with translation.override(language):
        for value in (0, 7, -7, 999, 1000, -1000, 1234567, -987654321, 10**15):
            assert formats.number(value) == django_formats.number_format(value, use_l10n=True, force_grouping=True)
