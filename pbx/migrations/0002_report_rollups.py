"""Calls by hour and by user for the calls report: a local start hour on every call, a user column in the daily
rollup, an hourly rollup; the rollups of calls already stored are recounted."""

from zoneinfo import ZoneInfo

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, Max, Sum
from django.db.models.functions import ExtractHour

BATCH = 5000


def recount(apps, schema_editor):
    CallRecord = apps.get_model("pbx", "CallRecord")
    CallDaily = apps.get_model("pbx", "CallDaily")
    CallHourly = apps.get_model("pbx", "CallHourly")
    CallRecord.objects.update(started_hour=ExtractHour("started_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
    CallDaily.objects.all().delete()
    calls = CallRecord.objects.order_by()
    daily = calls.values(
        "shop_id",
        "started_day",
        "direction",
        "call_state",
        "extension_etelecom_id",
        "hotline_etelecom_id",
        "user_etelecom_id",
    ).annotate(n=Count("pk"), total=Sum("duration"), longest=Max("duration"))
    CallDaily.objects.bulk_create(
        (
            CallDaily(
                shop_id=row["shop_id"],
                day=row["started_day"],
                direction=row["direction"],
                call_state=row["call_state"],
                extension_etelecom_id=row["extension_etelecom_id"],
                hotline_etelecom_id=row["hotline_etelecom_id"],
                user_etelecom_id=row["user_etelecom_id"],
                calls=row["n"],
                total_duration=row["total"],
                max_duration=row["longest"],
            )
            for row in daily.iterator()
        ),
        batch_size=BATCH,
    )
    hourly = calls.values("shop_id", "started_day", "started_hour", "direction", "call_state").annotate(
        n=Count("pk"), total=Sum("duration")
    )
    CallHourly.objects.bulk_create(
        (
            CallHourly(
                shop_id=row["shop_id"],
                day=row["started_day"],
                hour=row["started_hour"],
                direction=row["direction"],
                call_state=row["call_state"],
                calls=row["n"],
                total_duration=row["total"],
            )
            for row in hourly.iterator()
        ),
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("pbx", "0001_initial"),
        ("shops", "0002_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="callrecord",
            name="started_hour",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="hour"),
        ),
        migrations.RemoveConstraint(model_name="calldaily", name="call_daily_unique"),
        migrations.AddField(
            model_name="calldaily",
            name="user_etelecom_id",
            field=models.CharField(blank=True, default="", max_length=32, verbose_name="user id"),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="calldaily",
            constraint=models.UniqueConstraint(
                fields=(
                    "shop",
                    "day",
                    "direction",
                    "call_state",
                    "extension_etelecom_id",
                    "hotline_etelecom_id",
                    "user_etelecom_id",
                ),
                name="call_daily_unique",
            ),
        ),
        migrations.CreateModel(
            name="CallHourly",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("hour", models.PositiveSmallIntegerField(verbose_name="hour")),
                (
                    "direction",
                    models.CharField(
                        choices=[
                            ("in", "Inbound"),
                            ("out", "Outbound"),
                            ("ext", "Internal"),
                            ("ext_in", "Internal inbound"),
                            ("ext_out", "Internal outbound"),
                            ("unknown", "Unknown"),
                        ],
                        max_length=8,
                        verbose_name="direction",
                    ),
                ),
                (
                    "call_state",
                    models.CharField(
                        choices=[("answered", "Answered"), ("not_answered", "Not answered"), ("unknown", "Unknown")],
                        max_length=16,
                        verbose_name="state",
                    ),
                ),
                ("calls", models.PositiveIntegerField(verbose_name="calls")),
                ("total_duration", models.PositiveBigIntegerField(verbose_name="total duration (s)")),
                (
                    "shop",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="call_hours",
                        to="shops.shop",
                        verbose_name="shop",
                    ),
                ),
            ],
            options={
                "verbose_name": "hourly call count",
                "verbose_name_plural": "hourly call counts",
                "ordering": ["-day", "hour", "shop"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("shop", "day", "hour", "direction", "call_state"), name="call_hourly_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(recount, migrations.RunPython.noop, elidable=True),
    ]
