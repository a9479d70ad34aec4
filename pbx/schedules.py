from django.conf import settings
from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "pbx: sync call history",
        "func": "pbx.tasks.sync_all_calls",
        "schedule_type": Schedule.MINUTES,
        "minutes": settings.PBX_CALL_SYNC_MINUTES,
    },
    {
        "name": "pbx: sync tenants, hotlines, users and extensions",
        "func": "pbx.tasks.sync_all_directories",
        "schedule_type": Schedule.MINUTES,
        "minutes": settings.PBX_DIRECTORY_SYNC_MINUTES,
    },
    {
        "name": "pbx: delete calls past their retention",
        "func": "pbx.tasks.prune_calls",
        "schedule_type": Schedule.DAILY,
    },
]
