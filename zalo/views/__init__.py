"""The zalo app's pages, one module per entity; the admin reaches them as `views.<page>`."""

from .connect import SESSION_KEY, connect, connect_callback, renew
from .followers import conversation, conversation_reply, transaction
from .sends import consent_request, journey_create, template_register, zns_send
from .uploads import bulk_sample, bulk_upload

__all__ = [
    "SESSION_KEY",
    "bulk_sample",
    "bulk_upload",
    "connect",
    "connect_callback",
    "consent_request",
    "conversation",
    "conversation_reply",
    "journey_create",
    "renew",
    "template_register",
    "transaction",
    "zns_send",
]
