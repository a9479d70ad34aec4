"""The one parser for JSON that comes from outside (webhook bodies, eTelecom's answers).

`json.loads` alone accepts `NaN`, `Infinity` and numbers too large for a float (which become infinity), raises
RecursionError near a depth of 1,000, and keeps lone surrogates (`"\\ud800"`) that fail later on encode; PostgreSQL
refuses `\\u0000` in text and jsonb. Here a body is UTF-8 or refused, non-finite numbers and deep nesting are
refused, and lone surrogates and NULs in any string (keys included) become U+FFFD, so what is parsed can be stored.
"""

from __future__ import annotations

import json
import math
import re

MAX_DEPTH = 64
REPLACEMENT = "\ufffd"

# Escapes that decode to a NUL or to half of a surrogate pair: only then is the parsed value walked.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF])")
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
    stored whole; nesting past Python's recursion limit is refused all the same."""
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
