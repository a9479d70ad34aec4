"""The parser for JSON from outside: what json.loads lets through that the database or a later encode refuses."""

import json

import pytest

from etelecom import safejson


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"a": NaN}', "NaN is not a JSON number"),
        (b'{"a": [Infinity]}', "Infinity is not a JSON number"),
        (b'{"a": 1e999}', "too large"),
        (b"[" * 65 + b"]" * 65, "nested deeper than 64"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64"),
        (b'{"a": ' + b"1" * 4301 + b"}", "too many digits"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b'{"a": "\xed\xa0\x80"}', "not UTF-8"),  # a surrogate encoded in UTF-8
        (b'{"a": 1', "not valid JSON"),
        (b'\xef\xbb\xbf{"a": 1}', "not valid JSON"),  # a byte-order mark
        (b'{"a": "x\x00y"}', "not valid JSON"),  # a raw control character inside a string
    ],
    ids=[
        "nan",
        "infinity",
        "overflow",
        "depth-65",
        "depth-100000",
        "digits",
        "latin-1",
        "utf8-surrogate",
        "cut",
        "bom",
        "raw-nul",
    ],
)
def test_what_is_refused_and_why(raw, reason):
    with pytest.raises(safejson.UnsafeJSON, match=reason):
        safejson.loads(raw)


def test_lone_surrogates_and_nuls_become_replacement_characters_keys_included():
    data = safejson.loads(rb'{"t\u0000": ["\ud800", {"\udc00x": "a\u0000b"}], "pair": "\ud83d\ude00"}')
    assert data == {"t\ufffd": ["\ufffd", {"\ufffdx": "a\ufffdb"}], "pair": "😀"}
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # encodes: nothing half of a pair is left


def test_brackets_inside_strings_do_not_count_as_depth():
    text = '{"a": "' + "[{" * 500 + '", "b": "\\"[[["}'
    assert safejson.loads(text)["a"] == "[{" * 500


def test_exactly_the_limit_is_accepted():
    data, depth = safejson.loads("[" * 64 + "]" * 64), 1
    while data:
        data, depth = data[0], depth + 1
    assert depth == 64


def test_without_the_depth_walk_only_what_python_cannot_parse_is_refused():
    assert safejson.loads("[" * 500 + "]" * 500, max_depth=None)
    with pytest.raises(safejson.UnsafeJSON, match="nested too deeply"):
        safejson.loads("[" * 100_000 + "]" * 100_000, max_depth=None)
    with pytest.raises(safejson.UnsafeJSON, match="NaN"):
        safejson.loads('{"a": NaN}', max_depth=None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"a": NaN}', "NaN is not a JSON number"),
        (b'{"a": 1e999}', "too large"),
        (b'{"a": ' + b"1" * 4301 + b"}", "too many digits"),
        (b'{"a": "\xed\xa0\x80"}', "not UTF-8"),
        (b'\xef\xbb\xbf{"a": 1}', "not valid JSON"),
        (b'{"a": "x\x00y"}', "not valid JSON"),
    ],
    ids=["nan", "overflow", "digits", "utf8-surrogate", "bom", "raw-nul"],
)
def test_an_answer_read_field_by_field_is_refused_for_the_same_reasons(raw, reason):
    with pytest.raises(safejson.UnsafeJSON, match=reason):
        safejson.loads(raw, max_depth=None)


def test_an_answer_read_field_by_field_parses_as_json_does():
    """orjson's fast path: the same values, integers past 64 bits exact, escapes of NULs and lone surrogates
    replaced as on json's path."""
    raw = (
        b'{"id": "20000000100000000001", "big": 18446744073709551616, "neg": [-9223372036854775809],'
        b' "f": [0.1, 1e5, 5e-324, -0.0], "t": "\\u00e9\\ud83d\\ude00", "n": "a\\u0000b", "s": "\\ud800"}'
    )
    assert safejson.loads(raw, max_depth=None) == {
        "id": "20000000100000000001",
        "big": 18446744073709551616,
        "neg": [-9223372036854775809],
        "f": [0.1, 100000.0, 5e-324, -0.0],
        "t": "é😀",
        "n": "a\ufffdb",
        "s": "\ufffd",
    }
    page = json.dumps({"call_logs": [{"id": "2000000010000000000", "note": "\u0000"}]}).encode()
    assert safejson.loads(page, max_depth=None) == {"call_logs": [{"id": "2000000010000000000", "note": "\ufffd"}]}
