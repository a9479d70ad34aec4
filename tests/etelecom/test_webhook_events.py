"""Decoding the two shapes eTelecom posts: an OA's events in Zalo's shape, eTelecom's envelope for its entities."""

from datetime import UTC, datetime

import pytest

from etelecom.webhook import ZaloEvent, kind_of, record_of

# The docs' one sample (zalo-zns.md, the consent event): Zalo's field names, times in ms as strings.
CONSENT_SENT = {
    "oa_id": "4100000000000000001",
    "app_id": "3100000000000000001",
    "phone": "84912345671",
    "user_id_by_app": "7700000000000000001",
    "request_type": "SENT",
    "create_time": "1767225600000",
    "expired_time": "1769817600000",
    "timestamp": "1767225600000",
    "event_name": "oa_send_consent",
}


def test_the_consent_event_of_the_docs():
    event = ZaloEvent.from_api(CONSENT_SENT)
    assert (event.name, event.oa_id, event.phone, event.request_type) == (
        "oa_send_consent",
        "4100000000000000001",
        "84912345671",
        "SENT",
    )
    assert event.created_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert (event.expires_at - event.created_at).days == 30
    assert event.direction == ""


@pytest.mark.parametrize(
    ("data", "oa_id", "user_id", "direction"),
    [
        ({"event_name": "user_send_text", "sender": {"id": "88"}, "recipient": {"id": "41"}}, "41", "88", "in"),
        ({"event_name": "oa_send_image", "sender": {"id": "41"}, "recipient": {"id": "88"}}, "41", "88", "out"),
        ({"event_name": "user_received_message", "sender": {"id": "41"}, "recipient": {"id": "88"}}, "41", "88", ""),
        ({"event_name": "follow", "oa_id": "41", "follower": {"id": "88"}}, "41", "88", ""),
        ({"event_name": "unfollow", "oa_id": 41, "follower": {"id": 88}}, "41", "88", ""),
    ],
)
def test_the_oa_and_the_user_are_read_from_where_each_event_puts_them(data, oa_id, user_id, direction):
    event = ZaloEvent.from_api(data)
    assert (event.oa_id, event.user_id, event.direction) == (oa_id, user_id, direction)


def test_hostile_types_decode_to_nothing_rather_than_fail():
    event = ZaloEvent.from_api(
        {
            "event_name": "user_send_text",
            "sender": "88",
            "recipient": [1],
            "message": {"msg_ids": [1, True, {"a": 1}, "x"], "attachments": ["x", {"type": "image"}]},
            "timestamp": "soon",
            "expired_time": -1,
        }
    )
    assert (event.oa_id, event.user_id, event.at, event.expires_at) == ("", "", None, None)
    assert event.msg_ids == ("1", "x") and event.attachments == [{"type": "image"}]


def test_the_kind_is_event_name_else_entity():
    assert kind_of(CONSENT_SENT) == "oa_send_consent"
    assert kind_of({"id": "1", "entity": "call_log", "data": {}}) == "call_log"
    assert kind_of({"type": "call_log", "event_name": 5, "entity": ""}) == ""


@pytest.mark.parametrize("data", [None, "a string", ["a", "list"], 7])
def test_an_envelope_without_a_record_is_refused_with_its_kind(data):
    with pytest.raises(ValueError, match="a call_log event carries the call record in 'data'"):
        record_of({"id": "e1", "entity": "call_log", "data": data}, "the call record")


def test_the_envelope_gives_its_record():
    assert record_of({"entity": "zl_oa_message", "data": {"id": "m1"}}, "the message") == {"id": "m1"}
