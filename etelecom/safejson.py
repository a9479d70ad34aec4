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
from itertools import accumulate

MAX_DEPTH = 64
REPLACEMENT = "\ufffd"

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
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


def _depth(text: str) -> int:
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _clean(value):
    if isinstance(value, str):
        return _UNSAFE_CHAR.sub(REPLACEMENT, value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_UNSAFE_CHAR.sub(REPLACEMENT, key): _clean(item) for key, item in value.items()}
    return value


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH):
    """Parse `raw` (bytes must be UTF-8) or raise UnsafeJSON with the reason."""
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise UnsafeJSON("the body is not UTF-8") from None
    else:
        text = raw
    if text.count("[") + text.count("{") > max_depth and _depth(text) > max_depth:
        raise UnsafeJSON(f"the JSON is nested deeper than {max_depth} levels")
    try:
        data = json.loads(text, parse_constant=_constant, parse_float=_finite)
    except UnsafeJSON:
        raise
    except json.JSONDecodeError as exc:
        raise UnsafeJSON(f"the body is not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise UnsafeJSON(f"the JSON is nested deeper than {max_depth} levels") from None
    except ValueError:  # an integer past Python's limit on digits
        raise UnsafeJSON("the body holds a number with too many digits") from None
    if _SUSPECT_ESCAPE.search(text):
        data = _clean(data)
    return data
