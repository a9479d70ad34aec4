"""The zalo app's actions, imported from one place by its admin, views and bulk runs. Each lives in its entity's
module with that entity's sync job: `oas`, `followers`, `consents`, `templates`, `messages`, `journeys`; what
an eTelecom failure means to them in `outcomes`."""

from .consents import consent_check, consent_read_back, consent_request, consent_store, consents_sync_work
from .followers import followers_sync_work
from .journeys import journey_create, journeys_sync_work
from .messages import message_store, messages_sync_work, new_message, zns_send, zns_send_stored
from .oas import ZaloPage, oa_connect_finish, oa_connect_start, oa_renew_start, oa_sync_work
from .outcomes import AMBIGUOUS, UNCONFIRMED_AFTER
from .templates import template_register, templates_sync_work

__all__ = [
    "AMBIGUOUS",
    "UNCONFIRMED_AFTER",
    "ZaloPage",
    "consent_check",
    "consent_read_back",
    "consent_request",
    "consent_store",
    "consents_sync_work",
    "followers_sync_work",
    "journey_create",
    "journeys_sync_work",
    "message_store",
    "messages_sync_work",
    "new_message",
    "oa_connect_finish",
    "oa_connect_start",
    "oa_renew_start",
    "oa_sync_work",
    "template_register",
    "templates_sync_work",
    "zns_send",
    "zns_send_stored",
]
