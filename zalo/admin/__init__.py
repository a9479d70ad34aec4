"""The zalo admin, one module per entity eTelecom names; importing the package registers them all."""

from . import consents, followers, journeys, messages, oas, templates, uploads

__all__ = ["consents", "followers", "journeys", "messages", "oas", "templates", "uploads"]
