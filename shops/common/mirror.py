"""How an eTelecom record maps onto the columns of the model that mirrors it, declared once.

A `Mirror` is an ordered mapping of model field -> how to read it: from a decoded record (`etelecom` decodes the
wire: ids, times, "0" as none), or, with `wire`, from a raw record as the client parsed it (a dict), by its wire name
and an `etelecom.fields` decoder. The one declaration gives an upsert its column list (`fields`), a row's values in
that order (`row`), the same as a dict for `update_or_create` (`values`), and the update list (`fields` again).

`row` is compiled from the declaration into one function that builds the tuple in a single expression: the call
sync builds a million rows a history, and a loop over the readers took 2.1-2.6 times as long a row (20,000 sandbox
calls through the call's declaration, load 11).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import NamedTuple


class Wire(NamedTuple):
    """A field of a raw record: its name on the wire and the decoder of its value."""

    name: str
    decode: Callable

    def __call__(self, remote: dict):
        return self.decode(remote.get(self.name))


def wire(name: str, decode: Callable) -> Wire:
    return Wire(name, decode)


def same(*names: str) -> dict[str, Callable]:
    """Fields copied as the record carries them, under the same name."""
    return {name: attrgetter(name) for name in names}


def renamed(**wire_names: str) -> dict[str, Callable]:
    """Fields copied as the record carries them, under another name: model field = the record's attribute."""
    return {field: attrgetter(wire) for field, wire in wire_names.items()}


class Mirror:
    def __init__(self, columns: dict[str, Callable]):
        self.columns = columns
        self.fields = list(columns)
        self.row = _compile(list(columns.values()))

    def values(self, remote) -> dict:
        return dict(zip(self.fields, self.row(remote), strict=True))


def _compile(readers: list[Callable]) -> Callable:
    """`lambda remote: (reader_0(remote), decode_1(remote.get("name_1")), ...)` for the readers given."""
    scope: dict = {}
    parts = []
    for index, reader in enumerate(readers):
        if isinstance(reader, Wire):
            scope[f"d{index}"] = reader.decode
            parts.append(f"d{index}(get({reader.name!r}))")
        else:
            scope[f"r{index}"] = reader
            parts.append(f"r{index}(remote)")
    getter = "get = remote.get\n    " if any(isinstance(reader, Wire) for reader in readers) else ""
    source = f"def row(remote):\n    {getter}return ({', '.join(parts)}{',' if len(parts) == 1 else ''})\n"
    exec(compile(source, "<mirror row>", "exec"), scope)  # the source holds only names made here
    return scope["row"]
