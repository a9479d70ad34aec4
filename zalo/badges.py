"""The colour of each status of Zalo's records (see shops.common.display)."""

from shops.common.display import BAD, BUSY, OK, UNKNOWN

from .models import Consent, Journey, Message, OfficialAccount, ZnsTemplate

OA_STATUS = {OfficialAccount.Status.CONNECTED: OK, OfficialAccount.Status.DISCONNECTED: BAD}
QUALITY = {
    OfficialAccount.Quality.HIGH: OK,
    OfficialAccount.Quality.MEDIUM: BUSY,
    OfficialAccount.Quality.LOW: BAD,
    OfficialAccount.Quality.UNDEFINED: UNKNOWN,
}
REPLY = {
    Consent.Reply.ACCEPTED: OK,
    Consent.Reply.REFUSED: BAD,
    Consent.Reply.NONE: UNKNOWN,
    Consent.Reply.AWAITING: BUSY,
}
DELIVERY = {Consent.Delivery.RECEIVED: OK, Consent.Delivery.SEEN: OK, Consent.Delivery.UNKNOWN: UNKNOWN}
TEMPLATE_STATUS = {
    ZnsTemplate.Status.ENABLED: OK,
    ZnsTemplate.Status.PENDING: BUSY,
    ZnsTemplate.Status.REJECTED: BAD,
    ZnsTemplate.Status.DISABLED: BAD,
}
SEND = {
    Message.SendState.SENT: OK,
    Message.SendState.SENDING: BUSY,
    Message.SendState.UNCONFIRMED: BUSY,
    Message.SendState.FAILED: BAD,
}
JOURNEY_STATUS = {Journey.Status.ACTIVE: OK, Journey.Status.NEW: BUSY, Journey.Status.DISABLED: BAD}
