from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django_q.models import Schedule


def declared_schedules() -> list[dict]:
    """Every `SCHEDULES` list of every installed app's `schedules` module."""
    found = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.schedules")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.schedules":
                raise
            continue
        found.extend(module.SCHEDULES)
    return found


class Command(BaseCommand):
    help = "Create or update every django-q2 schedule the console declares, by name. Safe to run on every deploy."

    def handle(self, *args, **options):
        for spec in declared_schedules():
            values = {k: v for k, v in spec.items() if k != "name"}
            values.setdefault("repeats", -1)
            schedule, created = Schedule.objects.update_or_create(name=spec["name"], defaults=values)
            self.stdout.write(f"{'created' if created else 'updated'}: {schedule.name}")
