"""The colour of each status of SMS records (see shops.common.display)."""

from shops.common.display import BAD, BUSY, OK, UNKNOWN

from .models import SmsAccount, SmsMessage

ACCOUNT = {SmsAccount.Status.VALID: OK, SmsAccount.Status.INVALID: BAD, SmsAccount.Status.UNCHECKED: UNKNOWN}
SEND = {
    SmsMessage.SendState.SENT: OK,
    SmsMessage.SendState.SENDING: BUSY,
    SmsMessage.SendState.UNCONFIRMED: BUSY,
    SmsMessage.SendState.FAILED: BAD,
}
STATUS = {SmsMessage.Status.SUCCESS: OK, SmsMessage.Status.PROCESSING: BUSY, SmsMessage.Status.FAIL: BAD}
