"""One badge helper: each enum's colours are declared once, cover every value, and whatever eTelecom sends is
escaped and shown in the neutral colour."""

import pytest

from pbx import badges as pbx_badges
from pbx.models import Extension, Status
from shops import badges as shop_badges
from shops.common.display import BUSY, OK, UNKNOWN, badge, pill
from shops.models import BulkJobBase, Shop, SyncRun
from sms import badges as sms_badges
from sms.models import SmsAccount, SmsMessage
from zalo import badges as zalo_badges
from zalo.models import Consent, Journey, Message, OfficialAccount, ZnsTemplate

DECLARED = [
    (shop_badges.CREDENTIAL, Shop.CredentialStatus),
    (shop_badges.SYNC_RUN, SyncRun.Status),
    (shop_badges.UPLOAD, BulkJobBase.Status),
    (zalo_badges.OA_STATUS, OfficialAccount.Status),
    (zalo_badges.QUALITY, OfficialAccount.Quality),
    (zalo_badges.REPLY, Consent.Reply),
    (zalo_badges.DELIVERY, Consent.Delivery),
    (zalo_badges.TEMPLATE_STATUS, ZnsTemplate.Status),
    (zalo_badges.SEND, Message.SendState),
    (zalo_badges.JOURNEY_STATUS, Journey.Status),
    (pbx_badges.STATUS, Status),
    (pbx_badges.EXTENSION_STATE, Extension.State),
    (sms_badges.ACCOUNT, SmsAccount.Status),
    (sms_badges.SEND, SmsMessage.SendState),
    (sms_badges.STATUS, SmsMessage.Status),
]


@pytest.mark.parametrize(("colours", "enum"), DECLARED, ids=[enum.__qualname__ for _c, enum in DECLARED])
def test_every_value_of_an_enum_has_its_colour(colours, enum):
    assert set(colours) == set(enum.values)
    assert set(colours.values()) <= {"ok", "bad", "busy", "unknown"}


def test_a_badge_is_its_enums_colour_and_its_label():
    assert badge("succeeded", shop_badges.SYNC_RUN, "Thành công") == ('<span class="badge badge-ok">Thành công</span>')
    assert badge("running", shop_badges.SYNC_RUN) == '<span class="badge badge-busy">running</span>'
    assert badge("", shop_badges.SYNC_RUN, "") == '<span class="badge badge-unknown">-</span>'
    assert pill(BUSY, 3) == '<span class="badge badge-busy">3</span>'
    assert OK == "ok" and UNKNOWN == "unknown"


def test_a_value_eTelecom_added_later_or_sent_hostile_is_neutral_and_escaped():
    hostile = '<img src=x onerror="alert(1)">'
    shown = badge(hostile, zalo_badges.TEMPLATE_STATUS)
    assert shown.startswith('<span class="badge badge-unknown">') and "<img" not in shown and "&lt;img" in shown
    assert "<script" not in pill('"><script>', "<script>x</script>")
