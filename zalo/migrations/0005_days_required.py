"""Every message and request has its day from now on (filled in by 0004)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("zalo", "0004_report_rollups")]

    operations = [
        migrations.AlterField(
            model_name="consent",
            name="day",
            field=models.DateField(
                help_text="The local day of the request: what the consent report groups by.", verbose_name="day"
            ),
        ),
        migrations.AlterField(
            model_name="message",
            name="day",
            field=models.DateField(
                help_text="The local day the message was sent or requested: what the ZNS report groups by.",
                verbose_name="day",
            ),
        ),
    ]
