"""What the call upsert stores is what eTelecom sent, whichever path the rows take: row by row (a webhook, a short
page) or staged (PostgreSQL's COPY, SQLite's executemany). A COPY written in the wrong format would turn a tab into a
column break, `\\N` into NULL or a backslash into an escape; these rows carry every such character."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, models
from django.db.models import Sum
from psycopg._copy_base import TextFormatter
from psycopg.adapt import Transformer

from etelecom import safejson
from pbx import call_rows
from pbx.calls import call_statement, calls_store
from pbx.models import CallDaily, CallRecord
from shops.common import upsert
from shops.models import Shop

HOSTILE = [
    "tab\there",
    "line\nbreak",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\.",
    "\\",
    "a\\tb\\nc",
    "end\\",
    "",
    " ",
    "quote\"s 'and' commas, semi;colons",
    "Nguyễn Thị Ánh gọi lại 📞",
    "nul\u0000inside",
    "\u0000",
    "lone \ud800 surrogate",
    "|||\x01\x1f\x7f",
]
# What a JSON body of eTelecom's becomes once the client has parsed it: NULs and lone surrogates are U+FFFD.
CLEAN = [safejson.loads(json.dumps(text)) for text in HOSTILE]


@pytest.fixture
def shop(db):
    return Shop.objects.create(name="Cửa hàng mã hoá", etelecom_id="enc-1", connection="partner")


def wire_calls(count: int, *, note_suffix: str = "") -> list[dict]:
    """`count` ListCallLogs records as the client hands them over (parsed from JSON), each field a hostile text."""
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    calls = []
    for n in range(count):
        text = HOSTILE[n % len(HOSTILE)]
        calls.append(
            {
                "id": f"c{n}",
                "direction": "in",
                "call_state": "answered",
                "caller": text[:32],
                "callee": "0281234567",
                "contact_id": text[:32],
                "duration": n,
                "started_at": (start + timedelta(minutes=n)).isoformat(),
                "recording_urls": [text, "https://example.com/r.mp3"],
                "call_targets": [{"target": text, "note": {"nested": [text]}}],
                "note": text + note_suffix,
                "external_id": text,
                "external_session_id": text,
            }
        )
    return safejson.loads(json.dumps(calls))


def store(shop, calls: list[dict], statement=None, *, pages: int = 0) -> None:
    """Row by row or staged as `count` decides; `pages`: as a sync stores a batch, the rows prepared in that many
    pages (on PostgreSQL, COPY text written where no connection is at hand, as the fetcher process writes it)."""
    statement = statement or call_statement()
    rows = call_rows.call_rows(shop.pk, calls, {})
    if not pages:
        calls_store(shop, statement, statement.prepare(rows), call_rows.call_days(rows))
        return
    size = -(-len(calls) // pages)
    prepared = [
        call_rows.call_page(shop.pk, calls[first : first + size], {}, statement.format)[0]
        for first in range(0, len(calls), size)
    ]
    batch = prepared[0]
    assert isinstance(batch, upsert.CopyRows) == (connection.vendor == "postgresql")
    for page in prepared[1:]:
        batch.extend(page)
    calls_store(shop, statement, batch, call_rows.call_days(rows))


@pytest.mark.parametrize(
    ("count", "fresh", "pages"),
    [
        (len(HOSTILE), False, 0),
        (upsert.STAGE_FROM + 100, False, 0),
        (upsert.STAGE_FROM + 100, True, 0),
        (len(HOSTILE), False, 2),
        (upsert.STAGE_FROM + 100, False, 3),
        (upsert.STAGE_FROM + 100, True, 3),
    ],
    ids=["row-by-row", "staged", "copied-straight-in", "pages-few", "pages-staged", "pages-copied-straight-in"],
)
def test_every_character_comes_back_as_sent(shop, count, fresh, pages):
    store(shop, wire_calls(count), call_statement(fresh=fresh), pages=pages)
    stored = {c.etelecom_id: c for c in CallRecord.objects.filter(shop=shop)}
    assert len(stored) == count
    for n in range(count):
        text = CLEAN[n % len(CLEAN)]
        call = stored[f"c{n}"]
        assert call.note == text and call.external_id == text and call.external_session_id == text
        assert call.caller == text[:32] and call.customer_number == text[:32] and call.contact_id == text[:32]
        assert call.recording_urls == [text, "https://example.com/r.mp3"]
        assert call.call_targets == [{"target": text, "note": {"nested": [text]}}]
        assert call.duration == n and call.started_at == datetime(2026, 3, 1, 8, tzinfo=UTC) + timedelta(minutes=n)
    assert "\u0000" not in "".join(CLEAN) and "\ufffd" in "".join(CLEAN)


@pytest.mark.parametrize("count", [len(HOSTILE), upsert.STAGE_FROM + 100], ids=["row-by-row", "staged"])
def test_a_second_store_updates_every_row_in_place(shop, count):
    store(shop, wire_calls(count))
    store(shop, wire_calls(count, note_suffix="\t(sửa)\\"))
    assert CallRecord.objects.filter(shop=shop).count() == count
    notes = dict(CallRecord.objects.filter(shop=shop).values_list("etelecom_id", "note"))
    assert all(notes[f"c{n}"] == CLEAN[n % len(CLEAN)] + "\t(sửa)\\" for n in range(count))
    assert CallDaily.objects.filter(shop=shop).aggregate(n=Sum("calls"))["n"] == count


@pytest.mark.parametrize("pages", [0, 3], ids=["rows", "pages"])
def test_an_id_listed_twice_in_one_batch_is_stored_once_as_last_listed(shop, pages):
    calls = wire_calls(upsert.STAGE_FROM + 100)
    again = dict(calls[0], note="listed again\tlater", duration=9999)
    calls.insert(300, again)
    store(shop, calls, pages=pages)
    assert CallRecord.objects.filter(shop=shop).count() == upsert.STAGE_FROM + 100
    call = CallRecord.objects.get(shop=shop, etelecom_id="c0")
    assert call.note == "listed again\tlater" and call.duration == 9999
    daily = CallDaily.objects.filter(shop=shop).aggregate(n=Sum("calls"), d=Sum("total_duration"))
    assert daily["n"] == upsert.STAGE_FROM + 100
    assert daily["d"] == CallRecord.objects.filter(shop=shop).aggregate(d=Sum("duration"))["d"]


@pytest.mark.parametrize("pages", [0, 3], ids=["rows", "pages"])
def test_fresh_rows_already_stored_are_upserted_and_the_statement_upserts_from_then_on(shop, pages):
    """A first pass copies its rows straight in; a batch repeating stored rows (a page boundary that moved, a
    webhook first) is undone and upserted instead, the last listed winning, and so is every batch after it."""
    statement = call_statement(fresh=True)
    calls = wire_calls(3 * upsert.STAGE_FROM)
    store(shop, calls[: 2 * upsert.STAGE_FROM], statement, pages=pages)
    again = [dict(call, note="listed again\tlater\\") for call in calls[upsert.STAGE_FROM : 2 * upsert.STAGE_FROM]]
    store(shop, again + calls[2 * upsert.STAGE_FROM :], statement, pages=pages)
    assert not statement.fresh
    assert CallRecord.objects.filter(shop=shop).count() == 3 * upsert.STAGE_FROM
    repeated = CallRecord.objects.filter(shop=shop, note="listed again\tlater\\")
    assert repeated.count() == upsert.STAGE_FROM
    daily = CallDaily.objects.filter(shop=shop).aggregate(n=Sum("calls"), d=Sum("total_duration"))
    assert daily["n"] == 3 * upsert.STAGE_FROM
    assert daily["d"] == CallRecord.objects.filter(shop=shop).aggregate(d=Sum("duration"))["d"]


def test_json_that_orjson_refuses_is_written_by_json(shop):
    """COPY text's JSON columns are written by orjson; an integer past 64 bits by json, exactly."""
    calls = wire_calls(upsert.STAGE_FROM)
    calls[7]["call_targets"] = [{"fail_code": 2**70, "note": "tab\there"}]
    store(shop, calls, pages=2)
    assert CallRecord.objects.get(shop=shop, etelecom_id="c7").call_targets == [
        {"fail_code": 2**70, "note": "tab\there"}
    ]


def psycopg_copy_text(shop_id: int, calls: list[dict], lines: dict) -> tuple[bytes, list]:
    """The rows `call_rows` makes, formatted by psycopg's own COPY text formatter over its default adapters (as
    `Copy.write_row` formats them), datetimes and JSON given as the call statement gives them: what `call_copy`
    must write byte for byte."""
    kinds = [CallRecord._meta.get_field(name) for name in call_rows.CALL_COLUMNS]
    adapt = [
        datetime.isoformat
        if isinstance(field, models.DateTimeField)
        else upsert.copy_json
        if isinstance(field, models.JSONField)
        else None
        for field in kinds
    ]
    formatter = TextFormatter(Transformer())
    rows = call_rows.call_rows(shop_id, calls, lines)
    parts = [
        formatter.write_row([v if f is None or v is None else f(v) for f, v in zip(adapt, row, strict=True)])
        for row in rows
    ]
    return b"".join([*parts, formatter.end()]), [(row[0], row[1]) for row in rows]


NASTY = [*HOSTILE, "\b\v\f\x08\x0b\x0c", "\\\\N\t\\", 'say "hi" \\ {"a": [1, "b"]}', "\U0001f4de\U0001f600 Việt"]
ODD_VALUES = [None, "", 0, "0", 2**70, -(2**70), 1.0, 1.2e3, 7.5, True, [], ["x"], {"a": "b"}, "2026-13-45T99:00:00"]


def hostile_calls() -> list[dict]:
    """Raw records, not cleaned by the client's parser (NULs, lone surrogates kept): every text field a hostile
    text, every field in turn missing, None or an odd type, huge counts, JSON with quotes and nesting."""
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    names = [reader.name for reader in call_rows.CALL.columns.values()]
    calls = []
    for n, text in enumerate(NASTY):
        calls.append(
            {
                "id": f"c{n}{text}",
                "direction": ["in", "out", text, None][n % 4],
                "call_state": text,
                "call_status": text,
                "caller": text,
                "callee": text[::-1],
                "extension_id": ["e1", "e2", "e\t3", text][n % 4],
                "user_id": text,
                "contact_id": text,
                "duration": [n, 2**70, 10**30, -1][n % 4],
                "started_at": (start + timedelta(minutes=n)).isoformat(),
                "ended_at": [None, "", (start + timedelta(minutes=n, seconds=5)).isoformat(), "0001-01-01T00:00:00Z"][
                    n % 4
                ],
                "created_at": (start + timedelta(hours=n)).astimezone().isoformat(),
                "updated_at": text,
                "recording_urls": [text, f'https://example.com/{text}.mp3"'],
                "call_targets": [{"target": text, "q": 'a "quoted" \\ value', "n": {"deep": [[text, 2**70]]}}],
                "note": text * 3,
                "external_id": text * 30,
                "external_session_id": text,
            }
        )
    for n, name in enumerate(names):
        for m, odd in enumerate(ODD_VALUES):
            calls.append({**calls[(n + m) % len(NASTY)], "id": f"odd-{name}-{m}", name: odd})
        calls.append({key: value for key, value in calls[n % len(NASTY)].items() if key != name})
    calls.append({"id": "no-start"})
    calls.append({"started_at": start.isoformat()})
    return calls


LINES = {"e1": (11, 21, "h\t1"), "e2": (12, None, ""), "e\t3": (13, 23, "h\\3"), "\\N": (14, 24, "\\N")}


def test_call_copy_writes_what_psycopg_formats_byte_for_byte():
    """Record by record (so that one refused does not hide another): the same bytes and keys, or the same error
    (a NUL refused, a lone surrogate that does not encode); then a clean page whole."""
    outcomes = set()
    for call in hostile_calls():
        try:
            expected = psycopg_copy_text(7, [call], LINES)
        except Exception as exc:  # whatever psycopg raises, call_copy must raise too
            with pytest.raises(type(exc)):
                call_rows.call_copy(7, [call], LINES)
            outcomes.add(type(exc).__name__)
            continue
        copied, days = call_rows.call_copy(7, [call], LINES)
        assert (bytes(copied.data), copied.keys) == expected, call
        assert days == call_rows.call_days(call_rows.call_rows(7, [call], LINES))
        outcomes.add("same" if expected[1] else "left out")
    assert outcomes == {"same", "left out", "DataError", "UnicodeEncodeError"}
    clean = safejson.loads(json.dumps(hostile_calls(), default=str))
    copied, days = call_rows.call_copy(7, clean, LINES)
    assert (bytes(copied.data), copied.keys) == psycopg_copy_text(7, clean, LINES)
    assert days == call_rows.call_days(call_rows.call_rows(7, clean, LINES))
