"""Rows a bulk run left in flight before runs marked the one in flight are each read back, never sent blind."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_schema(transactional_db):
    apps = migrate([("zalo", "0006_oa_messages_and_zalo_event_lookups")])
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_rows_left_sending_or_unconfirmed_count_as_attempted(old_schema):
    apps = old_schema
    shop = apps.get_model("shops", "Shop").objects.create(name="Cửa hàng cũ", etelecom_id="s1")
    oa = apps.get_model("zalo", "OfficialAccount").objects.create(shop=shop, oa_id="oa1", name="OA cũ")
    job = apps.get_model("zalo", "BulkJob").objects.create(kind="zns", oa=oa, file_name="cu.csv", status="running")
    for line, state in enumerate(["sent", "sending", "sending", "unconfirmed", "pending"], start=2):
        apps.get_model("zalo", "BulkRow").objects.create(job=job, line=line, phone="0912345678", state=state)

    apps = migrate([("zalo", "0007_bulk_resumes_and_attempts")])
    rows = apps.get_model("zalo", "BulkRow").objects.order_by("line")
    assert [row.attempted_at == row.updated_at for row in rows] == [False, True, True, True, False]
    assert rows[0].attempted_at is None and rows[4].attempted_at is None
