from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Q
from django_q.models import Schedule

from shops import jobs


def _console_apps() -> list[str]:
    """The installed apps that are the console's own (top-level packages of its repository)."""
    base = Path(settings.BASE_DIR).resolve()
    return [config.name for config in apps.get_app_configs() if Path(config.path).resolve().parent == base]


class Command(BaseCommand):
    help = (
        "Create or update every django-q2 schedule the console declares, by name, and remove the ones of its apps "
        "it no longer declares. Safe to run on every deploy."
    )

    def handle(self, *args, **options):
        specs = jobs.schedules()
        for spec in specs:
            values = {k: v for k, v in spec.items() if k != "name"}
            values.setdefault("repeats", -1)
            values.setdefault("args", None)
            schedule, created = Schedule.objects.update_or_create(name=spec["name"], defaults=values)
            self.stdout.write(f"{'created' if created else 'updated'}: {schedule.name}")
        # A schedule declared once and then renamed or dropped would call a task that may no longer exist.
        # Schedules an operator made by hand (their function in none of the console's apps) are left alone.
        ours = Q()
        for app in _console_apps():
            ours |= Q(func__startswith=f"{app}.")
        for schedule in Schedule.objects.filter(ours).exclude(name__in=[spec["name"] for spec in specs]):
            schedule.delete()
            self.stdout.write(f"removed: {schedule.name}")
