"""How an eTelecom record maps onto the columns of the model that mirrors it, declared once.

A `Mirror` is an ordered mapping of model field -> how to read it from the decoded record (`etelecom` decodes the
wire: ids, times, "0" as none). The one declaration gives an upsert its column list (`fields`), a row's values in
that order (`row`), the same as a dict for `update_or_create` (`values`), and the update list (`fields` again).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter


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
        self._readers = tuple(columns.values())

    def values(self, remote) -> dict:
        return {name: read(remote) for name, read in self.columns.items()}

    def row(self, remote) -> tuple:
        return tuple(read(remote) for read in self._readers)
