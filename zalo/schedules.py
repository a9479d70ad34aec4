from django.conf import settings
from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "zalo: sync OAs, quota and quality",
        "func": "zalo.tasks.sync_all_oas",
        "schedule_type": Schedule.MINUTES,
        "minutes": settings.ZALO_OA_SYNC_MINUTES,
    },
    {
        "name": "zalo: sync call permission requests",
        "func": "zalo.tasks.sync_all_consents",
        "schedule_type": Schedule.MINUTES,
        "minutes": settings.ZALO_CONSENT_SYNC_MINUTES,
    },
    {
        "name": "zalo: sync ZNS templates",
        "func": "zalo.tasks.sync_all_templates",
        "schedule_type": Schedule.MINUTES,
        "minutes": settings.ZALO_TEMPLATE_SYNC_MINUTES,
    },
    {
        "name": "zalo: sync ZNS messages",
        "func": "zalo.tasks.sync_all_messages",
        "schedule_type": Schedule.MINUTES,
        "minutes": settings.ZALO_MESSAGE_SYNC_MINUTES,
    },
    {
        "name": "zalo: sync journey tokens",
        "func": "zalo.tasks.sync_all_journeys",
        "schedule_type": Schedule.MINUTES,
        "minutes": settings.ZALO_JOURNEY_SYNC_MINUTES,
    },
]
