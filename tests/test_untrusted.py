"""Hostile values through every way in from outside (links, `--set`, spec files, the lab's text
box): a seeded fuzz from a grammar of wrong shapes. Nothing may raise but SpecError, its messages
stay short and name a field, and the CLI exits 2 with no traceback."""

from __future__ import annotations

import json
import random
import sys

import pytest

from playground.core.params import SpecError, excerpt
from playground.core.spec import Spec
from playground.core.untrusted import MAX_DEPTH, check_value, parse_json
from playground.lab.contestants import parse_contestants
from test_cli import run_cli

MAX_MESSAGE_CHARS = 600  # one error line, excerpt included: a bad value is never echoed whole

# Every kind of wrong value the grammar draws leaves from.
HUGE_INT = 10 ** 4000
LEAVES = [None, True, False, 0, -1, 3.5, 1e308, -1e308, float("nan"), float("inf"), HUGE_INT, -HUGE_INT,
          "", "adam", "linear", "x1", "1e999", "9" * 5000, "x" * 200_000, "\x00", "é" * 50]


def wrong_value(rng: random.Random, depth: int = 0) -> object:
    """A random JSON-ish value: leaves, lists and objects (unknown and known keys), nested deep."""
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        return rng.choice(LEAVES)
    if roll < 0.75:
        return [wrong_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ["name", "kind", "units", "lr", "activation", "p", "k" * rng.choice([1, 5000]), "0"]
    return {rng.choice(keys): wrong_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def deeply_nested(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


def spec_paths(tree: object, prefix: tuple = ()):
    """Every path into the default spec's dict, leaves and inner nodes."""
    yield prefix
    if isinstance(tree, dict):
        for key, item in tree.items():
            yield from spec_paths(item, prefix + (key,))
    elif isinstance(tree, list):
        for i, item in enumerate(tree):
            yield from spec_paths(item, prefix + (i,))


def replaced(tree: object, path: tuple, value: object) -> object:
    if not path:
        return value
    copy = json.loads(json.dumps(tree))
    node = copy
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return copy


def assert_spec_error_only(build) -> SpecError | None:
    """build() may succeed or raise SpecError with short messages; anything else fails."""
    try:
        build()
    except SpecError as e:
        for field, message in e.errors:
            assert len(field) + len(message) < MAX_MESSAGE_CHARS, (field[:80], message[:200])
        return e
    return None


FLAT_KEYS = sorted(Spec().to_flat()) + ["model.layers.0.kind", "model.layers.0.units", "model.layers.1.p",
                                        "model.layers.7", "model.layers", "train.optimizer", "data", "x" * 3000,
                                        "model.layers.99999999999999999999999.units"]


@pytest.mark.parametrize("seed", range(6))
def test_flat_settings_of_any_shape_give_only_spec_errors(seed):
    """What a link or `--set` carries: one wrong value (typed or as text) under every key."""
    rng = random.Random(seed)
    for key in FLAT_KEYS:
        for _ in range(4):
            value = wrong_value(rng)
            text = value if isinstance(value, str) else json.dumps(value)
            assert_spec_error_only(lambda: Spec.from_flat({key: value}))
            assert_spec_error_only(lambda: Spec.from_flat({key: text}))


@pytest.mark.parametrize("seed", range(3))
def test_spec_files_of_any_shape_give_only_spec_errors(seed):
    """What a spec file holds: the default spec with one part, at any depth, replaced."""
    rng = random.Random(seed)
    tree = Spec().to_dict()
    for path in spec_paths(tree):
        value = wrong_value(rng)
        assert_spec_error_only(lambda: Spec.from_dict(replaced(tree, path, value)))
        assert_spec_error_only(lambda: Spec.from_json(json.dumps(replaced(tree, path, value))))


@pytest.mark.parametrize("value", [deeply_nested(50_000), {"a": deeply_nested(MAX_DEPTH + 1)}])
def test_deep_nesting_is_refused_naming_the_field(value):
    text = "[" * 50_000 + "]" * 50_000 if isinstance(value, list) else json.dumps(value)
    for build in (lambda: Spec.from_flat({"train.optimizer.name": value}),
                  lambda: Spec.from_flat({"model.layers": text}),
                  lambda: Spec.from_dict({"train": {"optimizer": {"name": value}}}),
                  lambda: Spec.from_json('{"model": {"layers": ' + text + "}}")):
        error = assert_spec_error_only(build)
        assert error is not None and "nested too deeply" in str(error)


def test_wrong_shapes_name_the_field_and_say_what_is_wanted():
    error = assert_spec_error_only(lambda: Spec.from_flat({"train.optimizer.name": ["adam"]}))
    assert error.errors[0][0] == "train.optimizer.name" and "is not known; choose one of" in error.errors[0][1]
    error = assert_spec_error_only(lambda: Spec.from_dict({"model": {"layers": [{"kind": {"a": 1}}]}}))
    assert error.errors[0][0] == "model.layers.0.kind" and "an object with keys 'a'" in error.errors[0][1]
    error = assert_spec_error_only(lambda: Spec.from_flat({"train.optimizer.lr": HUGE_INT}))
    assert error.errors[0][0] == "train.optimizer.lr" and "digits is too large" in error.errors[0][1]
    error = assert_spec_error_only(lambda: Spec.from_flat({"data.label_column": "y" * 10_000}))
    assert error.errors[0][0] == "data.label_column" and "10,000 characters is too long" in error.errors[0][1]


def test_a_huge_value_is_quoted_as_a_short_excerpt():
    assert excerpt("z" * 10_000_000) == "'" + "z" * 39 + "…' (10,000,000 characters)"
    assert excerpt(HUGE_INT) == "an integer of about 4,001 digits"
    assert excerpt(deeply_nested(sys.getrecursionlimit() * 2)) == "a list of 1 item"
    with pytest.raises(SpecError, match="too long"):
        parse_json(json.dumps("q" * 300_000))
    check_value(Spec().to_dict())  # the real spec is well inside every limit


@pytest.mark.parametrize("text", ["adam:lr=" + "9" * 5000, "x" * 100_000, "sgd,adam:lr=" + "[" * 900,
                                  "sgd:lr=1e999,adam", "sgd:" + "k" * 500 + "=1"])
def test_the_labs_optimizer_text_gives_only_spec_errors(text):
    error = assert_spec_error_only(lambda: parse_contestants(text))
    assert error is not None and error.errors[0][0] == "optimizers"


@pytest.mark.parametrize("args", [
    ["--set", "train.optimizer.name=[\"adam\"]"],
    ["--set", "model.layers.0.kind={\"a\": 1}"],
    ["--set", "train.optimizer.lr=" + "9" * 4000],
    ["--set", "model.layers=" + "[" * 20_000 + "]" * 20_000],
    ["--set", "data.label_column=" + "y" * 300_000],
])
def test_cli_set_with_a_wrong_shape_exits_2_naming_the_field(args):
    code, stdout, stderr = run_cli("spec", *args)
    assert code == 2 and stdout == "" and "Traceback" not in stderr
    assert stderr.startswith("error: ") and len(stderr) < MAX_MESSAGE_CHARS * 2


@pytest.mark.parametrize("content", [
    '{"train": {"optimizer": {"name": ["adam"]}}}',
    '{"model": {"layers": ' + "[" * 30_000 + "]" * 30_000 + "}}",
    '{"train": {"epochs": ' + "9" * 5000 + "}}",
    '{"data": {"name": "' + "c" * 500_000 + '"}}',
])
def test_cli_spec_file_with_a_wrong_shape_exits_2(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, stdout, stderr = run_cli("spec", "--spec", str(path))
    assert code == 2 and stdout == "" and "Traceback" not in stderr and len(stderr) < MAX_MESSAGE_CHARS * 2
