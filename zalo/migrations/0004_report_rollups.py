"""Rollups for the Zalo and consent reports: a local day on every message and request, and the daily tables the
reports read, filled from what is already stored."""

from zoneinfo import ZoneInfo

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Coalesce, TruncDate

BATCH = 5000


def backfill(apps, schema_editor):
    from zalo.rollups import consent_counts, zns_counts

    local = ZoneInfo(settings.TIME_ZONE)
    Message, Consent = apps.get_model("zalo", "Message"), apps.get_model("zalo", "Consent")
    Message.objects.update(day=TruncDate(Coalesce("request_time", "created_at"), tzinfo=local))
    Consent.objects.update(day=TruncDate(Coalesce("etelecom_created_at", "synced_at"), tzinfo=local))
    ZnsDaily, ConsentDaily = apps.get_model("zalo", "ZnsDaily"), apps.get_model("zalo", "ConsentDaily")
    ZnsDaily.objects.bulk_create(
        (
            ZnsDaily(oa_id=row.pop("oa_id"), day=row.pop("day"), template_id=row.pop("zalo_template"), **row)
            for row in zns_counts(Message.objects.all()).iterator()
        ),
        batch_size=BATCH,
    )
    ConsentDaily.objects.bulk_create(
        (ConsentDaily(**row) for row in consent_counts(Consent.objects.all()).iterator()), batch_size=BATCH
    )
    OADaily = apps.get_model("zalo", "OADaily")
    days = {}
    snapshots = apps.get_model("zalo", "OASnapshot").objects.order_by("oa_id", "taken_at", "pk")
    for snapshot in snapshots.iterator(chunk_size=BATCH):
        key = (snapshot.oa_id, snapshot.taken_at.astimezone(local).date())
        day = days.get(key)
        if day is None:
            day = days[key] = OADaily(oa_id=key[0], day=key[1], snapshots=0)
        lowest = [v for v in (day.lowest_remaining, snapshot.remaining_quota) if v is not None]
        day.lowest_remaining = min(lowest) if lowest else None
        day.snapshots += 1
        day.last_taken_at = snapshot.taken_at
        for name in ("status", "current_quality", "last_week_quality", "daily_quota", "remaining_quota"):
            setattr(day, name, getattr(snapshot, name))
    OADaily.objects.bulk_create(days.values(), batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("zalo", "0003_zns"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ConsentDaily",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                (
                    "reason_code",
                    models.CharField(
                        choices=[
                            ("product_service_consulting", "Product or service advice"),
                            ("order_appointment_confirmation", "Order or appointment confirmation"),
                            ("delivery_notification", "Delivery notice"),
                            ("flight_announcement", "Flight notice"),
                            ("update_order", "Order update"),
                        ],
                        max_length=40,
                        verbose_name="reason",
                    ),
                ),
                (
                    "call_type",
                    models.CharField(
                        choices=[("audio", "Voice"), ("video", "Video"), ("audio_and_video", "Voice and video")],
                        max_length=16,
                        verbose_name="call type",
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("accepted", "Accepted"),
                            ("refused", "Refused"),
                            ("no_reply", "No reply"),
                            ("expired", "Expired"),
                            ("awaiting", "Awaiting reply"),
                            ("failed", "Not sent"),
                        ],
                        max_length=16,
                        verbose_name="outcome",
                    ),
                ),
                ("requests", models.PositiveIntegerField(verbose_name="requests")),
            ],
            options={
                "verbose_name": "daily call permission count",
                "verbose_name_plural": "daily call permission counts",
                "ordering": ["-day", "oa"],
            },
        ),
        migrations.CreateModel(
            name="OADaily",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("status", models.CharField(blank=True, max_length=8, verbose_name="status")),
                ("current_quality", models.CharField(blank=True, max_length=16, verbose_name="quality (48 h)")),
                ("last_week_quality", models.CharField(blank=True, max_length=16, verbose_name="quality (7 days)")),
                ("daily_quota", models.PositiveIntegerField(blank=True, null=True, verbose_name="daily ZNS quota")),
                ("remaining_quota", models.PositiveIntegerField(blank=True, null=True, verbose_name="ZNS left")),
                (
                    "lowest_remaining",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="fewest ZNS left"),
                ),
                ("snapshots", models.PositiveIntegerField(default=0, verbose_name="snapshots")),
                ("last_taken_at", models.DateTimeField(verbose_name="last snapshot")),
            ],
            options={
                "verbose_name": "OA day",
                "verbose_name_plural": "OA days",
                "ordering": ["-day", "oa"],
            },
        ),
        migrations.CreateModel(
            name="ZnsDaily",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("template_id", models.BigIntegerField(verbose_name="Zalo template id")),
                ("sent", models.PositiveIntegerField(verbose_name="sent")),
                ("delivered", models.PositiveIntegerField(verbose_name="delivered")),
                ("failed", models.PositiveIntegerField(verbose_name="failed")),
                ("fees", models.PositiveBigIntegerField(verbose_name="fees (VND)")),
            ],
            options={
                "verbose_name": "daily ZNS count",
                "verbose_name_plural": "daily ZNS counts",
                "ordering": ["-day", "oa", "template_id"],
            },
        ),
        migrations.AddField(
            model_name="consent",
            name="day",
            field=models.DateField(
                help_text="The local day of the request: what the consent report groups by.",
                null=True,
                verbose_name="day",
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="day",
            field=models.DateField(
                help_text="The local day the message was sent or requested: what the ZNS report groups by.",
                null=True,
                verbose_name="day",
            ),
        ),
        migrations.AddIndex(
            model_name="consent",
            index=models.Index(fields=["oa", "day"], name="consent_oa_day"),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["oa", "day"], name="message_oa_day"),
        ),
        migrations.AddField(
            model_name="consentdaily",
            name="oa",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="consent_days",
                to="zalo.officialaccount",
                verbose_name="OA",
            ),
        ),
        migrations.AddField(
            model_name="oadaily",
            name="oa",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="days",
                to="zalo.officialaccount",
                verbose_name="OA",
            ),
        ),
        migrations.AddField(
            model_name="znsdaily",
            name="oa",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="zns_days",
                to="zalo.officialaccount",
                verbose_name="OA",
            ),
        ),
        migrations.AddConstraint(
            model_name="consentdaily",
            constraint=models.UniqueConstraint(
                fields=("oa", "day", "reason_code", "call_type", "outcome"), name="consent_daily_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="oadaily",
            constraint=models.UniqueConstraint(fields=("oa", "day"), name="oa_daily_unique"),
        ),
        migrations.AddConstraint(
            model_name="znsdaily",
            constraint=models.UniqueConstraint(fields=("oa", "day", "template_id"), name="zns_daily_unique"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
