"""Values from outside the program (share links, `--set`, spec files, the lab's text boxes):
checked once for shape and size before any setting reads them, so that what reaches the spec's
own checks is small, plain JSON, and the only thing that can go wrong is a SpecError that names
the field.

What a spec holds is small: it nests four deep (model.layers.0.units), its longest list has 12
layers, its texts are names. Anything far bigger is a mistake or an attack, and breaks plain code
in ways that are not a SpecError: a list nested ten thousand deep (json, repr and == recurse and
raise RecursionError), an integer with thousands of digits (float() raises OverflowError, str()
takes quadratic time), a 10 MB value echoed back whole in a message.
"""

from __future__ import annotations

import json
from typing import Any

from .params import SpecError, excerpt, join_path

MAX_DEPTH = 8  # objects and lists inside each other; a spec needs 4
MAX_ITEMS = 100  # keys of one object, items of one list; a spec has at most 12 layers, 9 data settings
MAX_TEXT_CHARS = 1_000  # one key or text value: names, a CSV column, a file name
MAX_JSON_CHARS = 200_000  # a spec file, or one value of a link, before it is parsed
MAX_INT_BITS = 64  # integers beyond 2**64 (~1.8e19) are refused; no setting comes near
_TOO_DEEP = f"nested too deeply (more than {MAX_DEPTH} levels); a spec nests 4 levels"


def check_value(value: Any, field: str = "", depth: int = 0) -> None:
    """Raise SpecError(field) unless `value` is plain JSON (objects with text keys, lists, text,
    numbers, true/false, null) within the limits above. Stops at the first problem."""
    if depth > MAX_DEPTH:
        raise SpecError(_TOO_DEEP, field)
    if value is None or isinstance(value, (bool, float)):
        return
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_BITS:
            raise SpecError(f"{excerpt(value)} is too large a number", field)
        return
    if isinstance(value, str):
        check_text(value, field)
        return
    if isinstance(value, (list, tuple)):
        _check_count(len(value), "items", field)
        for i, item in enumerate(value):
            check_value(item, join_path(field, str(i)), depth + 1)
        return
    if isinstance(value, dict):
        _check_count(len(value), "keys", field)
        for key, item in value.items():
            if not isinstance(key, str):
                raise SpecError(f"key {excerpt(key)} is not text", field)
            check_text(key, field, what="a key")
            check_value(item, join_path(field, key), depth + 1)
        return
    raise SpecError(f"{excerpt(value)} is not a JSON value (text, number, true/false, list or object)", field)


def check_text(text: str, field: str = "", limit: int = MAX_TEXT_CHARS, what: str = "text") -> None:
    if len(text) > limit:
        raise SpecError(f"{what} of {len(text):,} characters is too long (at most {limit:,}): {excerpt(text)}",
                        field)


def cut(text: str, limit: int = 80) -> str:
    """`text` (a field name from outside) shortened to fit in a message."""
    return text if len(text) <= limit else text[:limit] + "…"


def parse_json(text: str, field: str = "") -> Any:
    """json.loads for text from outside (a spec file), then check_value; SpecError(field) for
    anything wrong, bad JSON included."""
    try:
        value = _loads(text, field)
    except json.JSONDecodeError as e:
        raise SpecError(f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})", field) from None
    check_value(value, field)
    return value


def parse_setting(text: str, field: str = "") -> Any:
    """The value of a `--set key=value` or a link's `key=value`: JSON when it parses ("8",
    "true", "[...]"), else the text itself ("adam"); then check_value."""
    try:
        value = _loads(text, field)
    except json.JSONDecodeError:
        value = text
    check_value(value, field)
    return value


def _loads(text: str, field: str) -> Any:
    """json.loads, with the ways it fails on hostile text other than bad JSON as SpecError."""
    check_text(text, field, MAX_JSON_CHARS)
    try:
        return json.loads(text)
    except RecursionError:  # thousands of [ or {
        raise SpecError(_TOO_DEEP, field) from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer literal past Python's limit of 4300 digits for int()
        raise SpecError("has a number with thousands of digits; no setting takes one", field) from None


def _check_count(count: int, what: str, field: str) -> None:
    if count > MAX_ITEMS:
        raise SpecError(f"{count:,} {what} are too many (at most {MAX_ITEMS})", field)
