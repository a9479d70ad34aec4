"""What the admin's History of an object shows: the entries custom actions and pages write (shops/audit.py)."""

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType


def history(obj) -> list[tuple[int, str, str]]:
    """(action flag, change message, who) of each entry in `obj`'s history, oldest first."""
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
    return list(entries.order_by("pk").values_list("action_flag", "change_message", "user__username"))


def assert_no_secret_in_history(*secrets: str) -> None:
    """No entry of the admin's log, of any object, holds any of `secrets` (or a long enough piece of one)."""
    rows = [" ".join(row) for row in LogEntry.objects.values_list("change_message", "object_repr")]
    assert rows, "nothing was logged: the check would prove nothing"
    for secret in filter(None, secrets):
        pieces = {secret[i : i + 12] for i in range(max(len(secret) - 11, 1))}
        assert not any(piece in row for row in rows for piece in pieces), "a secret reached the admin's log"
