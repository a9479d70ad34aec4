"""Hot write paths (sync jobs): many rows in one executemany, without building a model instance per row.

Building and compiling model instances cost an OA sync a quarter of its time; call-history ingest is worse. The SQL
(`INSERT ... ON CONFLICT (...) DO UPDATE SET ... = excluded....`) is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from psycopg import DataError
from psycopg._copy_base import _dump_repl


@lru_cache(maxsize=4096)
def _sqlite_datetime(value: datetime) -> str:
    """What Django's SQLite backend stores for an aware datetime (naive UTC text), in a fifth of its time; cached,
    as rows often repeat a time (a call's end, creation and update)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


# COPY text's escapes, psycopg's own table (what its `write_row` escapes a value's bytes with), for `str.translate`:
# the call fetcher writes COPY text itself (`pbx.call_rows.call_copy`). Private to psycopg, hence the pinned psycopg
# and `tests/pbx/test_ingest_encoding.py`, which compares the text with psycopg's formatter byte for byte.
COPY_ESCAPES = str.maketrans({char.decode(): escape.decode() for char, escape in _dump_repl.items()})


_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json(value) -> str:
    """With an encoder built once: `json.dumps` with options builds one per value, a third of the cost of a call's
    two lists (recordings and targets), which a call-history sync encodes a million times."""
    return "[]" if value == [] else _encode_json(value)


def copy_json(value) -> str:
    """JSON text for COPY (not yet escaped) by orjson, in a seventh of the encoder's time (a call's recordings and
    targets: 5.5 -> 0.8 µs); the encoder for what orjson refuses (an integer past 64 bits). Values parsed from JSON
    by `etelecom.safejson` hold no NaN, which orjson would write as null."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _json(value)


def _adapters(model, columns: list[str]) -> list[Callable]:
    """How each value becomes a database value: datetimes as the backend stores them, JSON encoded, the rest as is.
    Django's own adapters cost a call-history sync a third of its time; SQLite gets plain equivalents."""
    sqlite = connection.vendor == "sqlite" and settings.USE_TZ
    adapters = []
    for name in columns:
        field = model._meta.get_field(name)
        if isinstance(field, models.DateTimeField):
            if sqlite:
                adapters.append(_sqlite_datetime)
            elif connection.vendor != "postgresql":
                adapters.append(connection.ops.adapt_datetimefield_value)
            else:  # psycopg takes aware datetimes as they are
                adapters.append(None)
        elif isinstance(field, models.JSONField):
            # JSON as text: SQLite stores it so, and PostgreSQL reads a jsonb from text (COPY's rows, and a
            # parameter Django's client-side binding sends as a literal).
            if field.encoder is None:
                adapters.append(_json)
            else:
                adapters.append(lambda value, field=field: field.get_db_prep_save(value, connection))
        else:
            adapters.append(None)
    return adapters


def _columns(model, names) -> list[str]:
    quote = connection.ops.quote_name
    return [quote(model._meta.get_field(name).column) for name in names]


# Upserts of at least this many rows go through the staging table.
STAGE_FROM = 500


class CopyRows:
    """Rows in the text format of PostgreSQL's `COPY ... FROM STDIN`, with each row's unique key: what the call
    fetcher process writes where no connection is at hand (`pbx.call_rows.call_copy`), and what `Statement.execute`
    streams into COPY as it is. Pages of them add up to a batch (`extend`)."""

    def __init__(self, data: bytes, keys: list):
        self.data, self.keys = bytearray(data), keys

    @classmethod
    def of_text(cls, text: str, keys: list) -> CopyRows:
        """From COPY text whose values were escaped with COPY_ESCAPES. A NUL is refused as psycopg refuses it in a
        text value (JSON text holds none: its encoders write `\\u0000`); a lone surrogate fails to encode, as there."""
        if "\x00" in text:
            raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
        return cls(text.encode(), keys)

    def __len__(self) -> int:
        return len(self.keys)

    def extend(self, other: CopyRows) -> None:
        self.data += other.data
        self.keys += other.keys

    def last_listed(self) -> CopyRows:
        """These rows with only the last of each key. COPY's text format escapes every line end inside a value, so
        a row is a line."""
        if len(set(self.keys)) == len(self.keys):
            return self
        lines = bytes(self.data).split(b"\n")[:-1]
        last = dict(zip(self.keys, lines, strict=True))
        return CopyRows(b"".join(line + b"\n" for line in last.values()), list(last))


class RowFormat:
    """How a statement's rows become database values, without a connection or the app registry: `Statement.prepare`
    is this object's, and it is sent as it is (a pickle) to a process that prepares rows where they are fetched (the
    call fetcher, which then needs neither `django.setup()` nor the admin it loads: 75 MB). `copies`:
    the statement streams COPY text (an upsert on PostgreSQL), which that process writes instead of rows."""

    def __init__(self, adapting: list, *, copies: bool):
        self.adapting, self.copies = adapting, copies

    def prepare(self, rows: Iterable[tuple]) -> list[list]:
        prepared = []
        for row in rows:
            row = list(row)
            for index, adapt in self.adapting:
                if row[index] is not None:
                    row[index] = adapt(row[index])
            prepared.append(row)
        return prepared


class Statement:
    """One INSERT (or upsert) for many rows, split in two: `prepare` turns rows into database values and touches
    no connection; `execute` writes them in one transaction.

    An upsert goes through a temporary staging table: the rows are loaded into it (`executemany` on SQLite, `COPY`
    on PostgreSQL), then one `INSERT ... SELECT ... ON CONFLICT DO UPDATE` moves them. Row by row, the upsert cost
    SQLite 34 µs a row at 200k rows; staged, 19 µs, and the database does the work without holding the GIL.
    Fewer than STAGE_FROM rows are upserted one by one: staging costs four statements whatever the size.

    `fresh` rows are expected to be new (a shop's first call-history pass): on PostgreSQL they are copied straight
    into the table, with no staging and no ON CONFLICT, under a savepoint; if one of them was stored already (a
    webhook got there first, a page boundary moved while listing) the attempt is undone, the rows are upserted as
    above, and the statement upserts from then on. 100k calls in 20,000-row batches into an empty call table: 17.7 s
    staged, 11.1 s copied straight in (same hour, load 11-12).
    """

    def __init__(
        self, model, columns: list[str], *, unique: list[str] = (), update: list[str] = (), fresh: bool = False
    ):
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        names = ", ".join(_columns(model, columns))
        self.staged = bool(unique)
        copies = self.staged and connection.vendor == "postgresql"
        self.fresh = fresh and copies
        self.key = itemgetter(*[columns.index(name) for name in unique]) if unique else None
        adapting = [(index, adapt) for index, adapt in enumerate(_adapters(model, columns)) if adapt]
        self.format = RowFormat(adapting, copies=copies)
        if not self.staged:
            self.sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
            return
        assignments = ", ".join(f"{column} = excluded.{column}" for column in _columns(model, update))
        conflict = f"ON CONFLICT ({', '.join(_columns(model, unique))}) DO UPDATE SET {assignments}"
        # A few rows (an OA sync's fifty) are cheaper upserted one by one than staged in four statements.
        self.direct = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))}) {conflict}"
        staging = quote(f"staging_{model._meta.db_table}")
        self.create = f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} AS SELECT {names} FROM {table} WHERE 1 = 0"
        self.load = f"INSERT INTO {staging} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        self.copy = f"COPY {staging} ({names}) FROM STDIN"
        self.copy_fresh = f"COPY {table} ({names}) FROM STDIN"
        # `WHERE true` tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to a join.
        self.sql = f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} WHERE true {conflict}"
        # TRUNCATE on PostgreSQL: the dead rows a DELETE leaves in a temporary table are never vacuumed, and every
        # batch after would read them all again (a 1M-call sync slowed down batch after batch).
        self.clear = f"{'TRUNCATE' if connection.vendor == 'postgresql' else 'DELETE FROM'} {staging}"

    def prepare(self, rows: Iterable[tuple]) -> list[list]:
        return self.format.prepare(rows)

    def execute(self, prepared: list[list] | CopyRows) -> int:
        if not prepared:
            return 0
        # One transaction: outside one, SQLite commits (and PostgreSQL round-trips) row by row.
        with transaction.atomic(), connection.cursor() as cursor:
            if not self.staged:
                cursor.executemany(self.sql, prepared)
                return len(prepared)
            # COPY text is copied whatever its length: it has no rows to bind one by one.
            if len(prepared) < STAGE_FROM and not isinstance(prepared, CopyRows):
                cursor.executemany(self.direct, prepared)
                return len(prepared)
            # A row listed twice (a page boundary moved while listing) would fail PostgreSQL's upsert: the last wins.
            if isinstance(prepared, CopyRows):
                prepared = prepared.last_listed()
            else:
                key = self.key
                prepared = list({key(row): row for row in prepared}.values())
            if self.fresh and self._copy_fresh(cursor, prepared):
                return len(prepared)
            cursor.execute(self.create)
            if connection.vendor == "postgresql":
                _copy(cursor, self.copy, prepared)
            else:
                cursor.executemany(self.load, prepared)
            cursor.execute(self.sql)
            cursor.execute(self.clear)
        return len(prepared)

    def _copy_fresh(self, cursor, prepared: list[list] | CopyRows) -> bool:
        """Copy rows expected to be new straight into the table; False (and nothing written) if one was not."""
        try:
            # psycopg's copy() is not wrapped by Django: its errors are turned into Django's here.
            with transaction.atomic(), connection.wrap_database_errors:
                _copy(cursor, self.copy_fresh, prepared)
        except IntegrityError:
            self.fresh = False
            return False
        return True


def _copy(cursor, sql: str, prepared: list[list] | CopyRows) -> None:
    with cursor.copy(sql) as copy:
        if isinstance(prepared, CopyRows):
            copy.write(prepared.data)
            return
        for row in prepared:
            copy.write_row(row)


def relaxed_commit() -> None:
    """On PostgreSQL, the current transaction's COMMIT returns before its WAL reaches the disk
    (`synchronous_commit = off`, this transaction only). A crash may then lose the last transactions committed (never
    half of one, and nothing else). Only for a transaction that saves with its rows where to fetch them again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def insert(model, columns: list[str], rows: Iterable[tuple], *, unique: list[str] = (), update: list[str] = ()) -> int:
    """Insert `rows` (tuples in `columns` order; foreign keys by their `_id` attname), upserting on `unique` when
    given. Returns the number of rows sent."""
    statement = Statement(model, columns, unique=unique, update=update)
    return statement.execute(statement.prepare(rows))


def recount_lock(scope: str, key: int) -> None:
    """Within the current transaction, wait for any other transaction recounting `scope` for `key` (an OA's ZNS days,
    a shop's calls): recounts delete a day's rollup rows and insert them again, and two at once on PostgreSQL would
    both insert (a unique violation, and the event or batch that lost is rolled back). A transaction-scoped advisory
    lock takes no row, so nothing else that updates the OA or the shop waits. SQLite runs one writer at a time."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [scope, key])
