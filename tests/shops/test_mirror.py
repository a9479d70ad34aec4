"""A mirrored record's one declaration gives the upsert's columns, a row in their order and the same as a dict."""

from types import SimpleNamespace

from shops.common.mirror import Mirror, renamed, same
from zalo.consents import CONSENT
from zalo.followers import FOLLOWER
from zalo.messages import MESSAGE
from zalo.oas import OA
from zalo.templates import TEMPLATE


def test_columns_row_and_values_come_from_one_declaration():
    mirror = Mirror({**same("a", "b"), **renamed(c="wire_c"), "d": lambda remote: remote.a * 2})
    remote = SimpleNamespace(a=1, b="x", wire_c=None)
    assert mirror.fields == ["a", "b", "c", "d"]
    assert mirror.row(remote) == (1, "x", None, 2)
    assert mirror.values(remote) == dict(zip(mirror.fields, mirror.row(remote), strict=True))


def test_every_zalo_mirror_names_fields_of_its_model():
    from zalo.models import Consent, Follower, Message, OfficialAccount, ZnsTemplate

    for mirror, model in [
        (OA, OfficialAccount),
        (CONSENT, Consent),
        (MESSAGE, Message),
        (TEMPLATE, ZnsTemplate),
        (FOLLOWER, Follower),
    ]:
        for name in mirror.fields:
            model._meta.get_field(name)  # FieldDoesNotExist for a misspelt column
        assert len(set(mirror.fields)) == len(mirror.fields)
