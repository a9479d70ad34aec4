"""shops.common.upsert: the staged upsert of the hot sync paths, on whichever database the suite runs."""

import pytest

from pbx.call_rows import CALL_COLUMNS, CALL_UPDATED, call_rows
from pbx.models import CallRecord
from shops.common import upsert

from .factories import make_shop


def rows(shop, *calls):
    return call_rows(
        shop.pk, [{"id": i, "caller": n, "started_at": f"2026-11-01T10:0{m}:00+07:00"} for i, n, m in calls], {}
    )


@pytest.mark.django_db
@pytest.mark.parametrize("stage_from", [1, 10_000], ids=["staged", "row-by-row"])
def test_an_upsert_inserts_updates_and_takes_the_last_of_a_repeated_row(stage_from, monkeypatch):
    monkeypatch.setattr(upsert, "STAGE_FROM", stage_from)
    shop = make_shop("Cửa hàng A")
    statement = upsert.Statement(CallRecord, CALL_COLUMNS, unique=["shop", "etelecom_id"], update=CALL_UPDATED)
    assert statement.execute(statement.prepare(rows(shop, ("1", "0900000001", 0), ("2", "0900000002", 0)))) == 2
    again = rows(shop, ("2", "0900000022", 5), ("3", "0900000003", 0), ("2", "0900000023", 6))
    sent = statement.execute(statement.prepare(again))
    assert sent == (2 if stage_from == 1 else 3)  # staged, the repeated row is sent once
    stored = dict(CallRecord.objects.values_list("etelecom_id", "caller"))
    assert stored == {"1": "0900000001", "2": "0900000023", "3": "0900000003"}
    assert CallRecord.objects.get(etelecom_id="2").started_at.minute == 6


@pytest.mark.django_db
def test_a_plain_insert_writes_every_row():
    shop = make_shop("Cửa hàng B")
    assert upsert.insert(CallRecord, CALL_COLUMNS, rows(shop, ("7", "0900000007", 0), ("8", "0900000008", 1))) == 2
    assert CallRecord.objects.count() == 2
