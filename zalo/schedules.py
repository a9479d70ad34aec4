from django.conf import settings
from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "zalo: sync OAs, quota and quality",
        "func": "zalo.tasks.sync_all_oas",
        "schedule_type": Schedule.MINUTES,
        "minutes": settings.ZALO_OA_SYNC_MINUTES,
    },
]
