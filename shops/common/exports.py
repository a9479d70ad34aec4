"""CSV downloads: UTF-8 with a BOM (so Excel reads Vietnamese), written row by row, every cell safe to open in a
spreadsheet; or, for an export PostgreSQL writes itself (`COPY … TO STDOUT`), its bytes after our header, with
`safe_text` doing in SQL what `cell` does in Python."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from django.db.models import Case, TextField, Value, When
from django.db.models.functions import Concat, Left
from django.db.models.lookups import In, Regex
from django.http import HttpResponse, StreamingHttpResponse

CONTENT_TYPE = "text/csv; charset=utf-8"


# What a spreadsheet takes as the start of a formula (OWASP's CSV injection list, with the full-width forms some
# spreadsheets fold to them).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# What `cell` keeps as it is, as a PostgreSQL regular expression.
_KEPT_SQL = "^(-|-?[0-9]+([.][0-9]+)?)$"


def cell(value) -> object:
    """`value` as a CSV cell: text a spreadsheet would run as a formula gets a leading `'` (OWASP). Numbers, and
    text that is a plain number (`-5`, `12.5`) or a lone `-` (the reports' "none"), are kept as they are; a phone
    written `+84…` is text, not a number, and gets the `'` too."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if value == "-" or _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_text(expression, first=None):
    """`cell` in SQL (PostgreSQL), for a text `expression`: a value a spreadsheet would run as a formula gets a
    leading `'`, a plain number or a lone `-` stays as it is, NULL stays NULL. Most cells start with none of
    those characters and cost one comparison of their first one; `first`, when given, is a cheaper expression that
    starts with the same character as `expression` does (a list's first item for the list joined)."""
    starts = Left(first if first is not None else expression, 1)
    return Case(
        When(
            In(starts, _FORMULA_START),
            then=Case(
                When(Regex(expression, _KEPT_SQL), then=expression),
                default=Concat(Value("'"), expression, output_field=TextField()),
                output_field=TextField(),
            ),
        ),
        default=expression,
        output_field=TextField(),
    )


class _Line:
    """A file for csv.writer that hands each written line back instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([cell(str(name)) for name in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def streamed_csv(filename: str, header: Iterable, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """For exports of any size: rows are read and sent a chunk at a time."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A proxy passes it on as it comes instead of spooling it to disk (nginx stops at 1 GB of temporary file).
    response["X-Accel-Buffering"] = "no"
    return response


def streamed_bytes(filename: str, header: Iterable, chunks: Iterable[bytes]) -> StreamingHttpResponse:
    """For exports the database writes as CSV (lines ending in `\\n`): the BOM and our header, then its bytes as
    they come."""
    writer = csv.writer(_Line(), lineterminator="\n")
    first = ("\ufeff" + writer.writerow([cell(str(name)) for name in header])).encode()
    response = StreamingHttpResponse(_after(first, chunks), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Accel-Buffering"] = "no"
    return response


def _after(first: bytes, chunks: Iterable[bytes]) -> Iterator[bytes]:
    yield first
    yield from chunks


def csv_download(filename: str, header: Iterable, rows: Iterable[Iterable]) -> HttpResponse:
    """For small tables already in memory (a report's)."""
    response = HttpResponse("".join(csv_lines(header, rows)), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
