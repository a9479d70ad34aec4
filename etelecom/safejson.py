"""The one parser for JSON that comes from outside (webhook bodies, eTelecom's answers).

`json.loads` alone accepts `NaN`, `Infinity` and numbers too large for a float (which become infinity), raises
RecursionError near a depth of 1,000, and keeps lone surrogates (`"\\ud800"`) that fail later on encode; PostgreSQL
refuses `\\u0000` in text and jsonb. Here a body is UTF-8 or refused, non-finite numbers and deep nesting are
refused, and lone surrogates and NULs in any string (keys included) become U+FFFD, so what is parsed can be stored.

An answer read field by field (`max_depth=None`: eTelecom's, a call-history page of 1,000 calls among them) is parsed
by orjson, in half of json's time, when json would parse it the same: orjson refuses all that json is made to refuse
here and a lone surrogate (json's parse then decides, and says why), and reads an integer past 64 bits as a float, so
a body with a number of 19 digits or more goes to json at once.
"""

from __future__ import annotations

import json
import math
import re

import orjson

MAX_DEPTH = 64
REPLACEMENT = "\ufffd"

# Escapes that decode to a NUL or to half of a surrogate pair: only then is the parsed value walked.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF])")
_SUSPECT_ESCAPE_BYTES = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF])")
# Digits as zeros, to find a run of 19 of them with bytes.find; what may come before a JSON number (in a string,
# digits follow a quote or text).
_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_RUN = b"0" * 19
_BEFORE_NUMBER = b":[, \t\r\n"
_UNSAFE_CHAR = re.compile("[\x00\ud800-\udfff]")


class UnsafeJSON(ValueError):
    """The text is not JSON the console accepts; the message says why, for a 400 or an error record."""


def _constant(name: str):
    raise UnsafeJSON(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise UnsafeJSON(f"the number {text[:20]} is too large")
    return number


def _long_number(raw: bytes) -> bool:
    """Whether `raw` may hold a number of 19 digits or more: a run of 19 digits at the start or after what may come
    before a number (a minus sign aside). Not a regular expression: scanning a page of 1,000 calls for runs of
    digits took `re` 10 µs a call, three times orjson's parse; this takes under 1."""
    zeros = raw.translate(_ZEROS)
    start = zeros.find(_RUN)
    while start != -1:
        before = start - 1 if start and raw[start - 1] != 45 else start - 2  # 45: "-"
        if before < 0 or raw[before] in _BEFORE_NUMBER:
            return True
        start = zeros.find(_RUN, start + 19)
    return False


def _deeper_than(value, limit: int) -> bool:
    """Whether `value` nests more than `limit` arrays and objects; without recursion, however deep it is."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def _clean(value):
    if isinstance(value, str):
        return _UNSAFE_CHAR.sub(REPLACEMENT, value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_UNSAFE_CHAR.sub(REPLACEMENT, key): _clean(item) for key, item in value.items()}
    return value


def loads(raw: bytes | str, *, max_depth: int | None = MAX_DEPTH):
    """Parse `raw` (bytes must be UTF-8) or raise UnsafeJSON with the reason. `max_depth=None` leaves out the depth
    walk (as costly as the parse itself on a page of 100 calls) for bodies that are read field by field and never
    stored whole; nesting past orjson's limit (1,024 levels) or Python's recursion limit is refused all the same."""
    if max_depth is None and isinstance(raw, bytes | bytearray) and not _long_number(raw):
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # json's parse says why, or takes what orjson does not (an escaped lone surrogate)
        else:
            return _clean(data) if _SUSPECT_ESCAPE_BYTES.search(raw) else data
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise UnsafeJSON("the body is not UTF-8") from None
    else:
        text = raw
    try:
        data = json.loads(text, parse_constant=_constant, parse_float=_finite)
    except UnsafeJSON:
        raise
    except json.JSONDecodeError as exc:
        raise UnsafeJSON(f"the body is not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        limit = f"deeper than {max_depth} levels" if max_depth is not None else "too deeply"
        raise UnsafeJSON(f"the JSON is nested {limit}") from None
    except ValueError:  # an integer past Python's limit on digits
        raise UnsafeJSON("the body holds a number with too many digits") from None
    containers = max_depth is not None and isinstance(data, dict | list) and text.count("[") + text.count("{")
    if containers and containers > max_depth and _deeper_than(data, max_depth):
        raise UnsafeJSON(f"the JSON is nested deeper than {max_depth} levels")
    if _SUSPECT_ESCAPE.search(text):
        data = _clean(data)
    return data
