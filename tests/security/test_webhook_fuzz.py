"""Hypothesis against the webhook receiver, as a hostile or broken sender: arbitrary JSON, Zalo's and eTelecom's
shapes with hostile values, deep nesting, lone surrogates and NULs, other encodings and invalid bytes, large bodies,
any content type, wrong secrets. Whatever comes: never a 5xx, a 4xx always says why in JSON, nothing is stored for a
wrong secret, and an event sent twice is stored once. Each example runs in a transaction rolled back after it.

350 examples in all (EXAMPLES, the sum of the max_examples below): about 20 s for the examples and 30 s for the
file on the project's 2-core machine when it is quiet, 60-70 s while other suites share it.
"""

import json
import string

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from etelecom.webhook import ENTITIES
from shops.models import WebhookEvent
from tests.shops.factories import make_shop
from zalo.events import OA_MESSAGES, USER_MESSAGES
from zalo.models import Consent, ConversationMessage, Follower, Journey, Message, OfficialAccount

FUZZ = settings(
    deadline=None,  # a shared machine: time is measured in bench/, not here
    database=None,  # no example database left in the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ZALO_KINDS = [
    "oa_send_consent",
    "user_reply_consent",
    "user_received_message",
    "follow",
    "unfollow",
    "event_journey_acknowledged",
    "event_journey_time_out",
    *(f"user_send_{kind}" for kind in USER_MESSAGES),
    *(f"oa_send_{kind}" for kind in OA_MESSAGES),
]
ARBITRARY, SHAPED, RAW, WRONG_SECRET = 100, 100, 100, 50
EXAMPLES = ARBITRARY + SHAPED + RAW + WRONG_SECRET

# Text as a hostile sender writes it: any code point, lone surrogates and NULs included.
hostile_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=10**30, max_value=10**4000),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, hostile_text)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(hostile_text, children, max_size=5),
    max_leaves=30,
)


def nested(depth: int, leaf: str = "1") -> str:
    return (
        "".join("[" if n % 2 else '{"a":' for n in range(depth))
        + leaf
        + "".join("]" if n % 2 else "}" for n in reversed(range(depth)))
    )


def to_json(value) -> str:
    return json.dumps(value, ensure_ascii=True, allow_nan=True)


class WebhookFuzz(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.shop = make_shop("Cửa hàng thử lửa")
        cls.oa = OfficialAccount.objects.create(
            shop=cls.shop, oa_id="4100000000000000001", app_id="3100000000000000001", name="OA thử lửa"
        )
        now = timezone.now()
        Consent.objects.create(
            oa=cls.oa,
            etelecom_id="1",
            phone="0912345671",
            call_type="audio",
            reason_code="update_order",
            reply_status="S",
            day=timezone.localdate(),
            synced_at=now,
        )
        Message.objects.create(oa=cls.oa, tracking_id="t-1", msg_id="m-1", phone="0912000001", day=now.date())
        Follower.objects.create(oa=cls.oa, etelecom_id="7", zl_user_id="8800000000000000001", synced_at=now)
        Journey.objects.create(oa=cls.oa, etelecom_id="9", journey_id="j-1", phone="0912000010", synced_at=now)

    def url(self, secret=None) -> str:
        return f"/webhooks/etelecom/{secret or self.shop.webhook_secret}/"

    def post(self, body: bytes, content_type="application/json", secret=None):
        response = self.client.generic("POST", self.url(secret), body, content_type=content_type)
        assert response.status_code < 500, (response.status_code, body[:200])
        if response.status_code >= 400:
            assert isinstance(response.json()["error"], str)
        return response

    def stored(self) -> tuple[int, ...]:
        return tuple(model.objects.count() for model in (WebhookEvent, ConversationMessage, Follower))

    def assert_once(self, body: bytes, content_type="application/json"):
        """Accepted or refused with a reason; if accepted, the same body again changes nothing."""
        before = WebhookEvent.objects.count()
        first = self.post(body, content_type)
        if first.status_code != 200:
            assert first.status_code == 400 and WebhookEvent.objects.count() == before
            return
        assert WebhookEvent.objects.count() == before + (not first.json()["duplicate"])
        after = self.stored()
        again = self.post(body, content_type)
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert self.stored() == after

    @settings(FUZZ, max_examples=ARBITRARY)
    @given(value=json_values, depth=st.integers(0, 1200), padding=st.integers(0, 300_000))
    def test_arbitrary_json_nesting_and_sizes(self, value, depth, padding):
        text = to_json({"entity": "call_log", "data": value, "pad": "x" * padding})
        if depth:
            text = text[:-1] + ', "deep": ' + nested(depth) + "}"
        self.assert_once(text.encode())

    @settings(FUZZ, max_examples=SHAPED)
    @given(
        kind=st.sampled_from([*ZALO_KINDS, *ENTITIES]) | hostile_text,
        oa_id=st.sampled_from(["4100000000000000001", "", "0", "-1", "4100000000000000001" * 9]) | json_values,
        phone=st.sampled_from(["84912345671", "0912345671", "+84912345671", "09١٢٣٤٥٦٧٨"]) | json_values,
        user=st.sampled_from(["8800000000000000001", "8800000000000000002"]) | json_values,
        message=st.fixed_dictionaries(
            {},
            optional={
                "msg_id": st.sampled_from(["m-1", "m-2"]) | json_values,
                "tracking_id": st.just("t-1") | json_values,
                "text": hostile_text,
                "delivery_time": st.sampled_from(["1767225600000", "0", "9" * 400]) | json_values,
                "attachments": json_values,
            },
        )
        | json_values,
        extra=st.fixed_dictionaries(
            {},
            optional={
                "request_type": st.sampled_from(["SENT", "EXPIRED", "sent"]) | json_values,
                "user_consent": st.sampled_from(["ALLOW", "DENY", "USER_BLOCKED"]) | json_values,
                "expired_time": st.sampled_from(["1767225600000", "0", "-5", "1" * 30]) | json_values,
                "timestamp": st.sampled_from(["1767225600000", "x"]) | json_values,
                "journey_id": st.just("j-1") | json_values,
                "id": st.text(string.ascii_letters, max_size=80) | json_values,
                "data": json_values,
            },
        ),
    )
    def test_both_shapes_with_hostile_values(self, kind, oa_id, phone, user, message, extra):
        shape = "entity" if kind in ENTITIES else "event_name"
        event = {
            shape: kind,
            "oa_id": oa_id,
            "phone": phone,
            "sender": {"id": user},
            "recipient": {"id": oa_id},
            "follower": {"id": user},
            "message": message,
            **extra,
        }
        self.assert_once(to_json(event).encode())

    @settings(FUZZ, max_examples=RAW)
    @given(
        body=st.one_of(
            st.binary(max_size=2000),
            json_values.map(to_json).flatmap(
                lambda text: st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1258"]).map(
                    lambda codec: text.encode(codec, errors="replace")
                )
            ),
            hostile_text.map(lambda text: to_json({"event_name": "user_send_text", "t": text}).encode("utf-8")),
        ),
        content_type=st.sampled_from(
            [
                "application/json",
                "application/json; charset=utf-8",
                "application/json; charset=UTF-16",
                "application/JSON",
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=xyz",
                "",
            ]
        )
        | st.text(max_size=60),
    )
    def test_any_bytes_any_content_type(self, body, content_type):
        self.assert_once(body, content_type)

    @settings(FUZZ, max_examples=WRONG_SECRET)
    @given(
        secret=st.text(string.ascii_letters + string.digits + "-_.~%", min_size=1, max_size=90),
        body=json_values.map(lambda value: to_json({"id": "e", "entity": "call_log", "data": value}).encode()),
    )
    def test_a_wrong_secret_stores_nothing(self, secret, body):
        secret = secret if secret != self.shop.webhook_secret else secret + "x"
        near_miss = self.shop.webhook_secret[:-1] + ("A" if self.shop.webhook_secret[-1] != "A" else "B")
        before = self.stored()
        for wrong in (secret, near_miss):
            response = self.post(body, secret=wrong)
            assert response.status_code in (404, 400), response.status_code
        assert self.stored() == before
