"""Webhook handlers for an OA's events (Zalo's shape, forwarded by eTelecom to the OA's webhook URL) and for
eTelecom's `zl_oa_message` entity. Each updates what the event is about and recounts the rollups it touches; an
event about a row the console does not have yet is skipped (the next sync brings the row), a malformed one fails.

Zalo's consent events name the OA and the phone, not the request: a reply goes to the newest request from that OA
to that phone still awaiting one (else the newest), in any of the phone's spellings.
"""

from __future__ import annotations

from shops.webhooks import register_handler

from . import consents, conversations, followers, journeys, messages

USER_MESSAGES = ("text", "image", "link", "audio", "video", "sticker", "gif", "location", "business_card", "file")
OA_MESSAGES = ("text", "image", "gif", "list", "file", "sticker")


def register() -> None:
    """Each event to its entity's handler."""
    register_handler("oa_send_consent", consents.consent_sent)
    register_handler("user_reply_consent", consents.consent_replied)
    register_handler("user_received_message", messages.message_received)
    register_handler("follow", followers.follow_changed)
    register_handler("unfollow", followers.follow_changed)
    for kind in USER_MESSAGES:
        register_handler(f"user_send_{kind}", conversations.conversation_message)
    for kind in OA_MESSAGES:
        register_handler(f"oa_send_{kind}", conversations.conversation_message)
    register_handler("user_submit_info", followers.info_shared)
    register_handler("event_journey_acknowledged", journeys.journey_event)
    register_handler("event_journey_time_out", journeys.journey_event)
    register_handler("zl_oa_message", messages.zns_record)
