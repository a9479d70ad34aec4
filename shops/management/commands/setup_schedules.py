from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db.models import Q
from django_q.models import Schedule


def _declaring_apps() -> dict[str, list[dict]]:
    """App name -> its `SCHEDULES`, for every installed app with a `schedules` module."""
    found = {}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.schedules")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.schedules":
                raise
            continue
        found[config.name] = module.SCHEDULES
    return found


class Command(BaseCommand):
    help = (
        "Create or update every django-q2 schedule the console declares, by name, and remove the ones of its apps "
        "it no longer declares. Safe to run on every deploy."
    )

    def handle(self, *args, **options):
        declaring = _declaring_apps()
        specs = [spec for specs in declaring.values() for spec in specs]
        for spec in specs:
            values = {k: v for k, v in spec.items() if k != "name"}
            values.setdefault("repeats", -1)
            schedule, created = Schedule.objects.update_or_create(name=spec["name"], defaults=values)
            self.stdout.write(f"{'created' if created else 'updated'}: {schedule.name}")
        # A schedule an app declared once and then renamed or dropped would call a task that may no longer exist.
        # Schedules an operator made by hand (their function in no app of the console's) are left alone.
        ours = Q()
        for app in declaring:
            ours |= Q(func__startswith=f"{app}.")
        for schedule in Schedule.objects.filter(ours).exclude(name__in=[spec["name"] for spec in specs]):
            schedule.delete()
            self.stdout.write(f"removed: {schedule.name}")
