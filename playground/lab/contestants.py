"""A race's contestants: optimizers with their settings, parsed from text or built one by one,
each under a label unique within the race.

    parse_contestants("sgd,momentum,adam:lr=0.01")   # [Contestant("sgd", ...), ...]
    contestant("momentum", lr=0.05)                  # Contestant("momentum lr=0.05", sgd(momentum 0.9))

Used by the race (race.py), the paths over test functions (paths.py), the CLI and the lab page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core import catalog, untrusted
from ..core.params import SpecError, excerpt
from ..core.spec import Choice

MIN_CONTESTANTS, MAX_CONTESTANTS = 2, 8  # 8 = len(charts.style.OPTIMIZER_COLORS)

# Shorthands for common SGD settings: name -> (catalog optimizer, its settings).
ALIASES: dict[str, tuple[str, dict[str, Any]]] = {
    "momentum": ("sgd", {"momentum": 0.9}),
    "nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}),
}


# --------------------------------------------------------------------------- contestants

@dataclass(frozen=True)
class Contestant:
    """A label (unique within a race) and a validated optimizer Choice."""

    label: str
    optimizer: Choice


def contestant(name: str, label: str | None = None, defaults: Mapping[str, Mapping[str, Any]] | None = None,
               field: str = "optimizers", **settings: Any) -> Contestant:
    """contestant("momentum", lr=0.05) -> Contestant("momentum lr=0.05", sgd(lr=0.05, momentum=0.9)).

    `name` is a catalog optimizer or an alias (momentum, nesterov). `defaults` maps an
    optimizer or alias name to settings used unless given (e.g. a test function's
    suggested learning rates). Raises SpecError naming `field`.
    """
    base, alias_settings = ALIASES.get(name, (name, {}))
    if base not in catalog.OPTIMIZERS:
        known = ", ".join([*catalog.OPTIMIZERS, *ALIASES])
        raise SpecError(f"{excerpt(name)} is not an optimizer; choose from {known} (momentum = sgd with momentum 0.9, "
                        f"nesterov = sgd with Nesterov momentum 0.9)", field)
    defaults = defaults or {}
    merged = {**defaults.get(base, {}), **defaults.get(name, {}), **alias_settings, **settings}
    try:
        choice = Choice.parse(merged, catalog.OPTIMIZERS, "", default=base)
    except SpecError as e:
        raise SpecError([(field, f"{name}: {f}: {m}" if f else f"{name}: {m}") for f, m in e.errors]) from None
    cross = catalog.check_optimizer_params(choice.name, dict(choice.params))
    if cross:
        raise SpecError([(field, f"{name}: {f}: {m}") for f, m in cross])
    if label is None:
        label = " ".join([name, *(f"{k}={_text(v)}" for k, v in settings.items())])
    return Contestant(label, choice)


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value).lower() if isinstance(value, bool) else str(value)


def parse_contestants(text: str, field: str = "optimizers",
                      defaults: Mapping[str, Mapping[str, Any]] | None = None) -> list[Contestant]:
    """Contestants from text: "sgd,adam,rmsprop" or "sgd:lr=0.1,momentum:lr=0.05".

    Settings follow the name after ':' (several as "adam:lr=0.01:beta1=0.8"); a comma-separated
    piece with '=' but no ':' is one more setting of the contestant before it, so
    "sgd:lr=0.1,momentum=0.5,adam" is two contestants. Labels are made unique ("sgd", "sgd (2)").
    """
    text = str(text)
    untrusted.check_text(text, field)
    pieces: list[tuple[str, dict[str, str]]] = []
    for raw in text.split(","):
        piece = raw.strip()
        if not piece:
            raise SpecError(f"empty name in {excerpt(text)}; write e.g. sgd,adam or sgd:lr=0.1,adam", field)
        head, colon, rest = piece.partition(":")
        if "=" in head and not colon:
            if not pieces:
                raise SpecError(f"{excerpt(piece)} comes before any optimizer name; write e.g. sgd:{piece}", field)
            settings = [piece]
        elif "=" in head:
            raise SpecError(f"{excerpt(piece)}: put the optimizer name first, e.g. sgd:lr=0.1", field)
        else:
            pieces.append((head.strip(), {}))
            settings = [s for s in rest.split(":")] if colon else []
        for setting in settings:
            key, eq, value = setting.partition("=")
            if not eq or not key.strip():
                raise SpecError(f"{setting.strip()!r} in {pieces[-1][0]!r} is not KEY=VALUE; write e.g. "
                                f"{pieces[-1][0]}:lr=0.1", field)
            pieces[-1][1][key.strip()] = value.strip()
    contestants = [contestant(name, defaults=defaults, field=field, **settings) for name, settings in pieces]
    return unique_labels(contestants)


def unique_labels(contestants: Iterable[Contestant]) -> list[Contestant]:
    """Second and later uses of a label get " (2)", " (3)", ..."""
    used: set[str] = set()
    out = []
    for c in contestants:
        label, n = c.label, 1
        while label in used:
            n += 1
            label = f"{c.label} ({n})"
        used.add(label)
        out.append(Contestant(label, c.optimizer))
    return out


def check_count(contestants: Sequence[Contestant], field: str = "optimizers", low: int = MIN_CONTESTANTS,
                high: int = MAX_CONTESTANTS) -> None:
    if not low <= len(contestants) <= high:
        raise SpecError(f"{len(contestants)} optimizer(s) given; a race takes {low} to {high}", field)
