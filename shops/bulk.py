"""Hot write paths (sync jobs): many rows in one executemany, without building a model instance per row.

Building and compiling model instances cost an OA sync a quarter of its time; call-history ingest is worse. The SQL
(`INSERT ... ON CONFLICT (...) DO UPDATE SET ... = excluded....`) is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection, models, transaction


def _adapters(model, columns: list[str]) -> list[Callable]:
    """How each value becomes a database value: datetimes as the backend stores them, JSON encoded, the rest as is."""
    adapters = []
    for name in columns:
        field = model._meta.get_field(name)
        if isinstance(field, models.DateTimeField):
            adapters.append(connection.ops.adapt_datetimefield_value)
        elif isinstance(field, models.JSONField):
            adapters.append(lambda value, field=field: field.get_db_prep_save(value, connection))
        else:
            adapters.append(None)
    return adapters


def _sql(model, columns: list[str], *, unique: list[str] = (), update: list[str] = ()) -> str:
    quote = connection.ops.quote_name
    names = [quote(model._meta.get_field(name).column) for name in columns]
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
    if unique:
        conflict = ", ".join(quote(model._meta.get_field(name).column) for name in unique)
        assignments = ", ".join(
            f"{quote(model._meta.get_field(n).column)} = excluded.{quote(model._meta.get_field(n).column)}"
            for n in update
        )
        sql += f" ON CONFLICT ({conflict}) DO UPDATE SET {assignments}"
    return sql


def insert(model, columns: list[str], rows: Iterable[tuple], *, unique: list[str] = (), update: list[str] = ()) -> int:
    """Insert `rows` (tuples in `columns` order; foreign keys by their `_id` attname), upserting on `unique` when
    given. Returns the number of rows sent."""
    adapters = _adapters(model, columns)
    prepared = [
        tuple(
            value if adapt is None or value is None else adapt(value)
            for value, adapt in zip(row, adapters, strict=True)
        )
        for row in rows
    ]
    if prepared:
        # One transaction: outside one, SQLite commits (and PostgreSQL round-trips) row by row.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(_sql(model, columns, unique=unique, update=update), prepared)
    return len(prepared)
