"""CSV downloads: UTF-8 with a BOM (so Excel reads Vietnamese), written row by row."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse

CONTENT_TYPE = "text/csv; charset=utf-8"


class _Line:
    """A file for csv.writer that hands each written line back instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([str(name) for name in header])
    for row in rows:
        yield writer.writerow(row)


def streamed_csv(filename: str, header: Iterable, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """For exports of any size: rows are read and sent a chunk at a time."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_download(filename: str, header: Iterable, rows: Iterable[Iterable]) -> HttpResponse:
    """For small tables already in memory (a report's)."""
    response = HttpResponse("".join(csv_lines(header, rows)), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
