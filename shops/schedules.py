"""The schedules this app needs; `manage.py setup_schedules` creates or updates them by name."""

from django.conf import settings
from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "shops: reap runs whose worker died",
        "func": "shops.tasks.reap_runs",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {"name": "shops: check credentials", "func": "shops.tasks.check_all_credentials", "schedule_type": Schedule.HOURLY},
    {
        "name": "shops: mail new alerts to each shop's staff",
        "func": "shops.tasks.send_alerts",
        "schedule_type": Schedule.MINUTES,
        "minutes": settings.ALERT_DIGEST_MINUTES,
    },
    {
        "name": "shops: delete rows past their retention",
        "func": "shops.tasks.prune_old_rows",
        "schedule_type": Schedule.DAILY,
    },
]
