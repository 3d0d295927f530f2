"""Typed, range-checked parameters: the one schema shared by the spec and the catalog.

A `Param` says what a setting is (type, default, allowed range or choices, help text).
The spec uses it for its own fields; the catalog uses it for the settings each option
owns (an optimizer's momentum, a layer's units). Validation and string coercion live
here once, so the CLI, URL parameters and the UI all give the same messages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class SpecError(ValueError):
    """One or more invalid settings. `errors` is a list of (dotted field, message)."""

    def __init__(self, errors: Iterable[tuple[str, str]] | str, field: str = ""):
        if isinstance(errors, str):
            errors = [(field, errors)]
        self.errors: list[tuple[str, str]] = list(errors)
        super().__init__(self.describe())

    def describe(self) -> str:
        return "; ".join(f"{f}: {m}" if f else m for f, m in self.errors)

    def prefixed(self, prefix: str) -> SpecError:
        return SpecError([(join_path(prefix, f), m) for f, m in self.errors])


def join_path(prefix: str, name: str) -> str:
    if not prefix:
        return name
    return f"{prefix}.{name}" if name else prefix


# Messages quote a bad value, cut short: a value from a link or file can be megabytes long, nested
# thousands deep (repr recurses) or an integer of thousands of digits (str() takes quadratic time).
EXCERPT_CHARS = 40
_HUGE_INT_BITS = 64


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short, safe quote of `value` for a message: its repr cut to `limit` characters.
    Never recurses through a deep value, nor turns a huge integer into text."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > _HUGE_INT_BITS:
            return f"an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits"
        return repr(value)
    if isinstance(value, str):
        text = repr(value[:limit + 1])
        return text if len(value) <= limit else f"{text[:limit]}…' ({len(value):,} characters)"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'s' * (len(value) != 1)}"
    if isinstance(value, dict):
        keys = ", ".join(excerpt(k, 16) for k in list(value)[:3])
        return f"an object with keys {keys}{', …' if len(value) > 3 else ''}"
    return f"a {type(value).__name__}"


@dataclass(frozen=True)
class Param:
    """One setting: name, type, default, bounds, help.

    `kind` is one of int, float, bool, str, or tuple (a non-empty subset of `choices`,
    e.g. input features). `low`/`high` are inclusive bounds for
    numbers; `choices` restricts strings. `log` hints the UI to use a log-scale input.
    """

    name: str
    kind: type
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    log: bool = False
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def bounds_text(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        if self.low is not None and self.high is not None:
            return f"between {_fmt(self.low)} and {_fmt(self.high)}"
        if self.low is not None:
            return f"at least {_fmt(self.low)}"
        if self.high is not None:
            return f"at most {_fmt(self.high)}"
        return ""

    def validate(self, value: Any) -> Any:
        """Coerce `value` (possibly a string from a CLI flag or URL) and check its range.

        Raises SpecError(field=name) with a message that names the allowed range.
        """
        if self.kind is tuple:
            return self._validate_subset(value)
        value = coerce(value, self.kind, self.name)
        if self.kind in (int, float):
            if not math.isfinite(value):
                raise SpecError(f"must be a finite number, got {excerpt(value)}", self.name)
            if (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high
            ):
                raise SpecError(f"{_fmt(value)} is out of range; must be {self.bounds_text()}", self.name)
        if self.choices is not None and value not in self.choices:
            raise SpecError(f"{excerpt(value)} is not allowed; must be {self.bounds_text()}", self.name)
        return value

    def _validate_subset(self, value: Any) -> tuple[str, ...]:
        """A tuple-kind Param is a non-empty subset of `choices`, kept in choices order."""
        choices = self.choices or ()
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise SpecError(f"must be a list of names from {', '.join(choices)}", self.name)
        unknown = [v for v in value if v not in choices]
        if unknown:
            raise SpecError(f"unknown name {excerpt(unknown[0])}; choose from {', '.join(choices)}", self.name)
        if not value:
            raise SpecError(f"needs at least one of {', '.join(choices)}", self.name)
        return tuple(c for c in choices if c in value)


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def coerce(value: Any, kind: type, name: str = "") -> Any:
    """Turn `value` into `kind`, accepting the string forms a CLI or URL would give."""
    type_name = {int: "an integer", float: "a number", bool: "true or false", str: "text"}[kind]
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise SpecError(f"must be {type_name}, got {excerpt(value)}", name)
    if kind is int:
        if isinstance(value, bool):
            raise SpecError(f"must be {type_name}, got {excerpt(value)}", name)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise SpecError(f"must be {type_name}, got {excerpt(value)}", name)
    if kind is float:
        if isinstance(value, bool):
            raise SpecError(f"must be {type_name}, got {excerpt(value)}", name)
        try:
            if isinstance(value, (int, float)):
                return float(value)
            if isinstance(value, str):
                return float(value.strip())
        except OverflowError:  # an integer past float's range
            raise SpecError(f"{excerpt(value)} is too large a number", name) from None
        except ValueError:
            pass
        raise SpecError(f"must be {type_name}, got {excerpt(value)}", name)
    if kind is str:
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # `--set data.label_column=2024` means the column named "2024"
        raise SpecError(f"must be {type_name}, got {excerpt(value)}", name)
    raise TypeError(f"unsupported kind {kind}")


def validate_params(schema: Iterable[Param], values: dict[str, Any], owner: str) -> dict[str, Any]:
    """Check `values` against `schema`; fill defaults. Unknown names are errors.

    Returns a new dict in schema order. `owner` names the option in messages
    (e.g. "optimizer 'adam'").
    """
    by_name = {p.name: p for p in schema}
    errors: list[tuple[str, str]] = []
    for key in values:
        if key not in by_name:
            allowed = ", ".join(by_name) or "no settings"
            errors.append((key, f"unknown setting for {owner}; it takes {allowed}"))
    out: dict[str, Any] = {}
    for p in schema:
        try:
            out[p.name] = p.validate(values[p.name]) if p.name in values else p.default
        except SpecError as e:
            errors.extend(e.errors)
    if errors:
        raise SpecError(errors)
    return out
