"""The zalo app's models, one module per eTelecom entity; Django and the rest of the app import them from here."""

from .bulk import BulkJob, BulkRow
from .consents import Consent, ConsentDaily
from .conversations import ConversationMessage
from .followers import Follower
from .journeys import Journey
from .oas import OADaily, OASnapshot, OfficialAccount
from .zns import Message, ZnsDaily, ZnsTemplate

__all__ = [
    "BulkJob",
    "BulkRow",
    "Consent",
    "ConsentDaily",
    "ConversationMessage",
    "Follower",
    "Journey",
    "Message",
    "OADaily",
    "OASnapshot",
    "OfficialAccount",
    "ZnsDaily",
    "ZnsTemplate",
]
