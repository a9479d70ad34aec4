"""Custom admin actions and pages leave an entry in Django's admin log, like the add and change forms do, so each
object's History says who connected, provisioned, rotated or started what, and when.

The message is the sentence the person was shown (translated, in their language), which never holds a secret:
keys, tokens, app secrets and webhook addresses stay out of it.
"""

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry


def record(user, obj, message, *, added: bool = False) -> LogEntry | None:
    """One entry in `obj`'s history by `user` (none for a job, which has no user: its SyncRun records it)."""
    if user is None or not user.is_authenticated:
        return None
    return LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[obj],
        action_flag=ADDITION if added else CHANGE,
        change_message=str(message),
        single_object=True,
    )
