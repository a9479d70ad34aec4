"""The monthly call rollups a long report reads for its whole months, filled from the daily ones a running console
already stored (a few rows a month for each shop, so the fill is quick at any call volume)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Sum
from django.db.models.functions import TruncMonth

GROUPS = {
    ("CallMonthly", "CallDaily"): [
        "direction",
        "call_state",
        "extension_etelecom_id",
        "hotline_etelecom_id",
        "user_etelecom_id",
    ],
    ("CallMonthlyHour", "CallHourly"): ["hour", "direction", "call_state"],
}


def fill(apps, schema_editor):
    for (monthly, daily), columns in GROUPS.items():
        rows = (
            apps.get_model("pbx", daily)
            .objects.annotate(month=TruncMonth("day"))
            .values("shop_id", "month", *columns)
            .annotate(calls_sum=Sum("calls"), duration_sum=Sum("total_duration"))
            .order_by()
        )
        model = apps.get_model("pbx", monthly)
        model.objects.bulk_create(
            (
                model(
                    shop_id=row["shop_id"],
                    month=row["month"],
                    calls=row["calls_sum"],
                    total_duration=row["duration_sum"],
                    **{name: row[name] for name in columns},
                )
                for row in rows.iterator(chunk_size=5000)
            ),
            batch_size=5000,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("pbx", "0003_rollup_day_indexes"),
        ("shops", "0006_alerts_sent_and_user_preferences"),
    ]

    operations = [
        migrations.CreateModel(
            name="CallMonthly",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(verbose_name="month")),
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
                ("extension_etelecom_id", models.CharField(blank=True, max_length=32, verbose_name="extension id")),
                ("hotline_etelecom_id", models.CharField(blank=True, max_length=32, verbose_name="hotline id")),
                ("user_etelecom_id", models.CharField(blank=True, max_length=32, verbose_name="user id")),
                ("calls", models.PositiveIntegerField(verbose_name="calls")),
                ("total_duration", models.PositiveBigIntegerField(verbose_name="total duration (s)")),
                (
                    "shop",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="call_months",
                        to="shops.shop",
                        verbose_name="shop",
                    ),
                ),
            ],
            options={
                "verbose_name": "monthly call count",
                "verbose_name_plural": "monthly call counts",
                "ordering": ["-month", "shop", "direction", "call_state"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "shop",
                            "month",
                            "direction",
                            "call_state",
                            "extension_etelecom_id",
                            "hotline_etelecom_id",
                            "user_etelecom_id",
                        ),
                        name="call_monthly_unique",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CallMonthlyHour",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(verbose_name="month")),
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
                        related_name="call_month_hours",
                        to="shops.shop",
                        verbose_name="shop",
                    ),
                ),
            ],
            options={
                "verbose_name": "monthly call count by hour",
                "verbose_name_plural": "monthly call counts by hour",
                "ordering": ["-month", "hour", "shop"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("shop", "month", "hour", "direction", "call_state"), name="call_monthly_hour_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
