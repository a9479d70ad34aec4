from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from shops.crypto import DecryptionError, EncryptedTextField, rotate

BATCH = 500


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret under the first key of FIELD_ENCRYPTION_KEYS. Safe to run twice; "
        "drop an old key only after this has run."
    )

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            count = self._rotate(model, fields)
            total += count
            self.stdout.write(f"{model._meta.label}: {count} secrets re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"{total} secrets now under the newest key."))

    def _rotate(self, model, fields) -> int:
        count = 0
        rows = model._default_manager.order_by("pk").values_list("pk", *fields)
        last_pk = None
        while True:
            batch = list((rows.filter(pk__gt=last_pk) if last_pk is not None else rows)[:BATCH])
            if not batch:
                return count
            updates = []
            for pk, *values in batch:
                try:
                    new = {name: rotate(value) for name, value in zip(fields, values, strict=True) if value}
                except DecryptionError as exc:
                    raise CommandError(f"{model._meta.label} #{pk}: {exc}; nothing after it was changed.") from exc
                if new:
                    updates.append(model(pk=pk, **new))
                    count += len(new)
            if updates:
                with transaction.atomic():
                    model._default_manager.bulk_update(updates, fields)
            last_pk = batch[-1][0]
