"""The migrations that add the report rollups fill them from what a running console already stored."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("shops", "0002_roles"), ("pbx", "0001_initial"), ("zalo", "0003_zns")]
AFTER = [("pbx", "0002_report_rollups"), ("zalo", "0005_days_required")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_schema(transactional_db):
    apps = migrate(BEFORE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_rollups_are_filled_from_the_stored_rows(old_schema):
    apps = old_schema
    shop = apps.get_model("shops", "Shop").objects.create(name="Cửa hàng cũ", etelecom_id="s1")
    # 23:30 UTC is 06:30 the next day in Ho Chi Minh City.
    late = datetime(2026, 11, 1, 23, 30, tzinfo=UTC)
    for n, state in enumerate(["answered", "answered", "not_answered"]):
        apps.get_model("pbx", "CallRecord").objects.create(
            shop=shop,
            etelecom_id=str(n),
            direction="in",
            call_state=state,
            caller="0912345678",
            callee="02800000001",
            user_etelecom_id="u1",
            duration=60,
            started_at=late,
            started_day=datetime(2026, 11, 2).date(),
        )
    oa = apps.get_model("zalo", "OfficialAccount").objects.create(shop=shop, oa_id="oa1", name="OA cũ")
    for n, (reply, expires) in enumerate([("P", late), ("NS", late), ("NS", datetime(2026, 12, 1, tzinfo=UTC))]):
        apps.get_model("zalo", "Consent").objects.create(
            oa=oa,
            etelecom_id=str(n),
            phone="0912345678",
            call_type="audio",
            reason_code="update_order",
            status="P",
            reply_status=reply,
            expires_at=expires,
            etelecom_created_at=late,
            etelecom_updated_at=late,
            synced_at=late,
        )
    message = apps.get_model("zalo", "Message").objects.create(
        oa=oa, etelecom_id="m1", phone="0912345678", status="P", fee_main=300, is_charged=True, request_time=late
    )
    for remaining in (900, 800):
        apps.get_model("zalo", "OASnapshot").objects.create(
            oa=oa, taken_at=late, daily_quota=1000, remaining_quota=remaining, current_quality="HIGH"
        )

    apps = migrate(AFTER)
    day = datetime(2026, 11, 2).date()
    call = apps.get_model("pbx", "CallRecord").objects.get(etelecom_id="0")
    assert call.started_hour == 6
    hourly = apps.get_model("pbx", "CallHourly").objects.get(call_state="answered")
    assert (hourly.day, hourly.hour, hourly.calls) == (day, 6, 2)
    assert apps.get_model("pbx", "CallDaily").objects.filter(user_etelecom_id="u1").count() == 2
    assert apps.get_model("zalo", "Message").objects.get(pk=message.pk).day == day
    zns = apps.get_model("zalo", "ZnsDaily").objects.get()
    assert (zns.day, zns.template_id, zns.sent, zns.fees) == (day, 0, 1, 300)
    outcomes = dict(apps.get_model("zalo", "ConsentDaily").objects.values_list("outcome", "requests"))
    assert outcomes == {"accepted": 1, "expired": 1, "no_reply": 1}
    oa_day = apps.get_model("zalo", "OADaily").objects.get()
    assert (oa_day.day, oa_day.remaining_quota, oa_day.lowest_remaining, oa_day.snapshots) == (day, 800, 800, 2)
