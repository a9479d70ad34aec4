from django.conf import settings
from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "sms: check the status of SMS in progress",
        "func": "sms.tasks.poll_all_statuses",
        "schedule_type": Schedule.MINUTES,
        "minutes": settings.SMS_STATUS_POLL_MINUTES,
    },
]
