"""The shops' daily call totals the calls report reads for its days, filled from the daily rollups a running
console already stored, with one INSERT … SELECT (a row a shop and day, so the fill is quick at any call volume)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

# The figures as `pbx.rollups.SUMS` counts them, written out: a migration does not import the app's code.
SUMS = {
    "calls": Sum("calls"),
    "answered_calls": Sum("calls", filter=Q(call_state="answered")),
    "inbound_calls": Sum("calls", filter=Q(direction="in")),
    "outbound_calls": Sum("calls", filter=Q(direction="out")),
    "total_duration": Sum("total_duration"),
}


def fill(apps, schema_editor):
    sums = (
        apps.get_model("pbx", "CallDaily")
        .objects.values_list("shop_id", "day")
        .annotate(**{f"{name}_sum": Coalesce(total, 0) for name, total in SUMS.items()})
        .order_by()
    )
    sql, params = sums.query.sql_with_params()
    quote = schema_editor.connection.ops.quote_name
    names = ", ".join(quote(name) for name in ["shop_id", "day", *SUMS])
    table = apps.get_model("pbx", "CallShopDaily")._meta.db_table
    schema_editor.execute(f"INSERT INTO {quote(table)} ({names}) {sql}", params)


class Migration(migrations.Migration):
    dependencies = [
        ("pbx", "0004_monthly_rollups"),
        ("shops", "0006_alerts_sent_and_user_preferences"),
    ]

    operations = [
        migrations.CreateModel(
            name="CallShopDaily",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("calls", models.PositiveIntegerField(verbose_name="calls")),
                ("answered_calls", models.PositiveIntegerField(verbose_name="answered")),
                ("inbound_calls", models.PositiveIntegerField(verbose_name="inbound")),
                ("outbound_calls", models.PositiveIntegerField(verbose_name="outbound")),
                ("total_duration", models.PositiveBigIntegerField(verbose_name="total duration (s)")),
                (
                    "shop",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="call_shop_days",
                        to="shops.shop",
                        verbose_name="shop",
                    ),
                ),
            ],
            options={
                "verbose_name": "daily call count of a shop",
                "verbose_name_plural": "daily call counts of shops",
                "ordering": ["-day", "shop"],
                "constraints": [models.UniqueConstraint(fields=("shop", "day"), name="call_shop_daily_unique")],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
