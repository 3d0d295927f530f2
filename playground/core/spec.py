"""The experiment spec: one typed, validated, serializable value that drives everything.

    Spec
      data:      DataSpec       which data set, how many points, noise, split, features
      model:     ModelSpec      hidden layers (kind + params each), initialisation
      train:     TrainSpec      loss, optimizer (+ its settings), schedule, batch, epochs, ...
      telemetry: TelemetrySpec  how often and how finely training is measured

Round trips: `to_dict`/`from_dict` (JSON) and `to_flat`/`from_flat` (dotted keys, as
used by the CLI's `--set` and URL query parameters). Unknown keys, wrong types and
out-of-range values raise SpecError naming the dotted field and the allowed range; values from
outside are first bounded in shape and size (untrusted.py), so nothing else is ever raised.
Choices are stored by name and looked up in `catalog`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from . import catalog, devices, untrusted
from .params import Param, SpecError, excerpt, join_path, validate_params

# Limits that keep a shared server safe. Documented in the README.
MAX_LAYERS = 12
MAX_SAMPLES = 20_000
MAX_EPOCHS = 10_000
MAX_BATCH = 4096
MAX_PARAMETERS = 1_000_000  # checked when the model is built (needs the data's width)
MAX_SEQUENCE_LENGTH = 200  # steps of a generated sequence
MAX_NOISE_DIM = 16  # a GAN generator's noise inputs
MAX_DISCRIMINATOR_STEPS = 10

FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")


# --------------------------------------------------------------------------- sections

@dataclass(frozen=True)
class Section:
    """A group of plain settings, each described by a Param in FIELDS."""

    FIELDS: ClassVar[tuple[Param, ...]] = ()

    @classmethod
    def field_param(cls, name: str) -> Param:
        return next(p for p in cls.FIELDS if p.name == name)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], path: str) -> Section:
        if not isinstance(values, Mapping):
            raise SpecError(f"must be an object with keys {', '.join(p.name for p in cls.FIELDS)}", path)
        try:
            checked = validate_params(cls.FIELDS, dict(values), owner=path)
        except SpecError as e:
            raise e.prefixed(path) from None
        return cls(**checked)

    def to_dict(self) -> dict[str, Any]:
        return {p.name: getattr(self, p.name) for p in self.FIELDS}


@dataclass(frozen=True)
class Choice:
    """A named option plus its own settings: {"name": "adam", "lr": 0.001, ...}.

    Used for optimizers, schedules and layers, whose settings depend on which one is
    chosen. `table` is the catalog dict the name is looked up in.
    """

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @staticmethod
    def parse(values: Any, table: Mapping[str, catalog.Option], path: str, key: str = "name",
              default: str | None = None) -> Choice:
        if isinstance(values, str):
            values = {key: values}
        if not isinstance(values, Mapping):
            raise SpecError(f"must be an object with a '{key}' key", path)
        values = dict(values)
        name = values.pop(key, default)
        if name is None:
            raise SpecError(f"missing; choose one of {', '.join(table)}", join_path(path, key))
        if not isinstance(name, str) or name not in table:
            raise SpecError(f"{excerpt(name)} is not known; choose one of {', '.join(table)}", join_path(path, key))
        try:
            params = validate_params(table[name].params, values, owner=f"{table[name].label}")
        except SpecError as e:
            raise e.prefixed(path) from None
        return Choice(name, params)

    def to_dict(self, key: str = "name") -> dict[str, Any]:
        return {key: self.name, **self.params}

    def __getitem__(self, item: str) -> Any:
        return self.params[item]


def layer(kind: str = "linear", **params: Any) -> Choice:
    """Convenience: layer("linear", units=8, activation="relu") -> validated Choice."""
    return Choice.parse({"kind": kind, **params}, catalog.LAYERS, "layer", key="kind")


def optimizer(name: str = "sgd", **params: Any) -> Choice:
    choice = Choice.parse({"name": name, **params}, catalog.OPTIMIZERS, "optimizer")
    problems = catalog.check_optimizer_params(choice.name, dict(choice.params))
    if problems:
        raise SpecError([(f"optimizer.{field}", message) for field, message in problems])
    return choice


def schedule(name: str = "constant", **params: Any) -> Choice:
    return Choice.parse({"name": name, **params}, catalog.SCHEDULES, "schedule")


@dataclass(frozen=True)
class DataSpec(Section):
    name: str = "circle"
    n_samples: int = 500
    noise: float = 0.0
    train_fraction: float = 0.5
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    classes: int = 3
    label_column: str = ""
    standardize: bool = True
    image_shape: str = ""  # CSV only: "1x28x28" when each row is an image's pixels (empty: not images)
    sequence_length: int = 0  # sequence sets only: steps a sequence (0: the task's own length)

    FIELDS: ClassVar[tuple[Param, ...]] = (
        Param("name", str, "circle", "Which data set: a generator, a scikit-learn set, or csv:<file>."),
        Param("n_samples", int, 500, "How many points a generated data set has (train + test).", 10, MAX_SAMPLES,
              label="points"),
        Param("noise", float, 0.0, "How much the generated points are jittered (0 = clean, 1 = very noisy).",
              0.0, 1.0),
        Param("train_fraction", float, 0.5, "Share of the points used for training; the rest is the test set.",
              0.05, 0.95, label="train fraction"),
        Param("seed", int, 0, "Seed of the data generator and of the train/test split.", 0, 2**31 - 1),
        Param("features", tuple, ("x1", "x2"), "Input features computed from the two coordinates (2-D sets only).",
              choices=FEATURES),
        Param("classes", int, 3, "Number of classes for data sets that take one (blobs).", 2, 8),
        Param("label_column", str, "", "CSV only: the column holding the label (empty = the last column).",
              label="label column"),
        Param("standardize", bool, True, "Rescale each input feature to mean 0 and standard deviation 1 "
              "(statistics from the training split)."),
        Param("image_shape", str, "", "CSV only: when each row is an image's pixels (row by row), its shape as "
              "channels x height x width, e.g. 1x28x28; a convolutional network then sees images.",
              label="image shape"),
        Param("sequence_length", int, 0, "Sequence sets only: the steps in each sequence, 2 to "
              f"{MAX_SEQUENCE_LENGTH} (0: the task's own, e.g. 30 for adding). Longer sequences are harder "
              "to remember across.", 0, MAX_SEQUENCE_LENGTH, label="sequence length"),
    )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], path: str) -> DataSpec:
        """Section checks, plus: the data set's name must exist (reported as `<path>.name`)."""
        from ..data.datasets import validate_data_name  # lazy: data imports this module

        errors: list[tuple[str, str]] = []
        spec = None
        try:
            spec = super().from_dict(values, path)
        except SpecError as e:
            errors += e.errors
        name = spec.name if spec is not None else (values.get("name") if isinstance(values, Mapping) else None)
        if spec is not None and spec.sequence_length == 1:
            errors.append((join_path(path, "sequence_length"), f"1 step is not a sequence; give 2 to "
                           f"{MAX_SEQUENCE_LENGTH} steps, or 0 for the task's own length"))
        if isinstance(name, str):
            try:
                validate_data_name(name)
            except SpecError as e:
                errors += [(join_path(path, "name"), m) for _, m in e.errors]
        if errors:
            raise SpecError(errors)
        return spec


@dataclass(frozen=True)
class ModelSpec:
    """Hidden layers in order; the input and output widths follow the data and the loss."""

    layers: tuple[Choice, ...] = (layer("linear", units=4, activation="tanh"),
                                  layer("linear", units=2, activation="tanh"))
    init: str = "default"
    init_std: float = 0.1
    family: str = "mlp"  # which kind of network (catalog.FAMILIES); it decides what layers may hold
    # A GAN's (family "gan"): `layers` are its generator's hidden layers; these its discriminator's
    # hidden layers and the generator's noise input.
    discriminator: tuple[Choice, ...] = (layer("linear", units=32, activation="relu"),
                                         layer("linear", units=32, activation="relu"))
    noise_dim: int = 2
    noise: str = "gaussian"

    FAMILY_PARAM: ClassVar[Param] = Param(
        "family", str, "mlp", "The kind of network: it decides which layers it can hold and which data it takes.",
        choices=tuple(catalog.FAMILIES))
    INIT_PARAMS: ClassVar[tuple[Param, ...]] = (
        Param("init", str, "default", "How the weights are set before training.", choices=tuple(catalog.INITS)),
        Param("init_std", float, 0.1, "Standard deviation for the 'normal' initialisation.", 1e-4, 10.0, log=True,
              label="init std"),
    )
    GAN_PARAMS: ClassVar[tuple[Param, ...]] = (
        Param("noise_dim", int, 2, "GAN only: how many noise numbers the generator turns into a point (2 draws "
              "the noise grid as it is; more gives it room to fold).", 1, MAX_NOISE_DIM, label="noise dimension"),
        Param("noise", str, "gaussian", "GAN only: what the generator's noise is drawn from.",
              choices=tuple(catalog.NOISE), label="noise kind"),
    )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], path: str) -> ModelSpec:
        if not isinstance(values, Mapping):
            raise SpecError("must be an object with keys family, layers, init, init_std", path)
        values = dict(values)
        family = values.get("family", cls.family)
        default = catalog.FAMILY_DEFAULT_LAYERS.get(family) if isinstance(family, str) else None
        layers_value = values.pop("layers", list(default) if default else [c.to_dict("kind") for c in cls.layers])
        errors: list[tuple[str, str]] = []
        gan = _parse_gan_model(values, path, errors)  # takes its keys out of `values`
        try:
            rest = validate_params((cls.FAMILY_PARAM, *cls.INIT_PARAMS), values, owner="model")
        except SpecError as e:
            errors += e.prefixed(path).errors
            rest = {}
        menu = catalog.FAMILY_LAYERS.get(rest.get("family", cls.family), catalog.LAYERS)
        layers = _parse_layers(layers_value, menu, join_path(path, "layers"), errors)
        if errors:
            raise SpecError(errors)
        return cls(layers=tuple(layers), **rest, **gan)

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "layers": [c.to_dict("kind") for c in self.layers], "init": self.init,
                "init_std": self.init_std,
                # GAN only (ignored by the other families), always present so `--set` can reach them
                "discriminator": {"layers": [c.to_dict("kind") for c in self.discriminator]},
                **{p.name: getattr(self, p.name) for p in self.GAN_PARAMS}}


def _parse_layers(value: Any, menu: Mapping[str, catalog.Option], lpath: str, errors: list) -> list[Choice]:
    """A list of layers (or the flat form's {"0": {...}, "1": {...}}) checked against `menu`; each bad
    layer adds an error naming it (`<lpath>.<i>...`) to `errors`."""
    layers: list[Choice] = []
    if isinstance(value, Mapping):  # from the flat form: {"0": {...}, "1": {...}}
        try:
            value = [value[k] for k in sorted(value, key=int)]
        except ValueError:
            errors.append((lpath, f"layer positions must be numbers ({lpath}.0.units=8)"))
            value = []
    if not isinstance(value, (list, tuple)):
        errors.append((lpath, "must be a list of layers like {\"kind\": \"linear\", \"units\": 8}"))
        value = []
    if len(value) > MAX_LAYERS:
        errors.append((lpath, f"{len(value)} layers is too many; at most {MAX_LAYERS}"))
    for i, item in enumerate(value):
        try:
            layers.append(Choice.parse(item, menu, join_path(lpath, str(i)), key="kind", default="linear"))
        except SpecError as e:
            errors += e.errors
    return layers


def _parse_gan_model(values: dict[str, Any], path: str, errors: list) -> dict[str, Any]:
    """ModelSpec's GAN fields from `values` (what validate_params left there): the discriminator's
    layers ({"layers": [...]}, dense only) and the noise settings; errors name their fields."""
    out: dict[str, Any] = {}
    dpath = join_path(path, "discriminator")
    discriminator = values.pop("discriminator", None)
    if discriminator is not None:
        if isinstance(discriminator, Mapping) and set(discriminator) <= {"layers"}:
            out["discriminator"] = tuple(_parse_layers(discriminator.get("layers", []), catalog.FAMILY_LAYERS["gan"],
                                                       join_path(dpath, "layers"), errors))
        else:
            errors.append((dpath, "must be an object {\"layers\": [...]} of dense layers"))
    gan = {p.name: values.pop(p.name) for p in ModelSpec.GAN_PARAMS if p.name in values}
    try:
        out.update(validate_params(ModelSpec.GAN_PARAMS, gan, owner="model"))
    except SpecError as e:
        errors += e.prefixed(path).errors
    return out


_DISCRIMINATOR_OPTIMIZER = optimizer("adam", lr=0.001)  # (inside TrainSpec `optimizer` is a field)


@dataclass(frozen=True)
class TrainSpec:
    loss: str = "auto"
    optimizer: Choice = optimizer("sgd")
    schedule: Choice = schedule("constant")
    batch_size: int = 10
    epochs: int = 200
    l1: float = 0.0
    l2: float = 0.0
    grad_clip: float = 0.0
    early_stopping_patience: int = 0
    device: str = "auto"
    seed: int = 0
    # GAN only: `optimizer` trains the generator, these the discriminator
    discriminator_optimizer: Choice = _DISCRIMINATOR_OPTIMIZER
    discriminator_steps: int = 1
    label_smoothing: float = 0.0

    PLAIN: ClassVar[tuple[Param, ...]] = (
        Param("loss", str, "auto", "What training minimises; 'auto' picks the usual loss for the task.",
              choices=("auto", *catalog.LOSSES)),
        Param("batch_size", int, 10, "Examples per update: small batches are noisy, big ones smooth and slow.",
              1, MAX_BATCH, label="batch size"),
        Param("epochs", int, 200, "How many passes over the training set a run makes.", 1, MAX_EPOCHS),
        Param("l1", float, 0.0, "L1 penalty rate: pushes weights to exactly zero (sparse networks).", 0.0, 1.0,
              label="L1 rate"),
        Param("l2", float, 0.0, "L2 penalty rate: keeps weights small.", 0.0, 1.0, label="L2 rate"),
        Param("grad_clip", float, 0.0, "Rescale the gradient when its total norm exceeds this (0 = off).",
              0.0, 1000.0, label="gradient clip"),
        Param("early_stopping_patience", int, 0, "Stop when the test loss has not improved for this many epochs "
              "(0 = off).", 0, MAX_EPOCHS, label="early-stopping patience"),
        Param("device", str, "auto", "Where to train: auto picks CUDA, then Apple MPS, then the CPU.",
              choices=devices.DEVICES),
        Param("seed", int, 0, "Seed of the initial weights, the batch order and dropout.", 0, 2**31 - 1),
        Param("discriminator_steps", int, 1, "GAN only: discriminator updates before each generator update.",
              1, MAX_DISCRIMINATOR_STEPS, label="discriminator steps"),
        Param("label_smoothing", float, 0.0, "GAN only: one-sided label smoothing, the discriminator's target for "
              "real points is 1 minus this (0 = off, 0.1 is usual): it keeps D from growing overconfident.",
              0.0, 0.5, label="label smoothing"),
    )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], path: str) -> TrainSpec:
        if not isinstance(values, Mapping):
            raise SpecError("must be an object", path)
        values = dict(values)
        errors: list[tuple[str, str]] = []
        parts: dict[str, Any] = {}
        for key, table, default in (("optimizer", catalog.OPTIMIZERS, cls.optimizer),
                                    ("schedule", catalog.SCHEDULES, cls.schedule),
                                    ("discriminator_optimizer", catalog.OPTIMIZERS, cls.discriminator_optimizer)):
            raw = values.pop(key, default.to_dict())
            try:
                parts[key] = Choice.parse(raw, table, join_path(path, key))
            except SpecError as e:
                errors += e.errors
        for key in ("optimizer", "discriminator_optimizer"):
            if key in parts:
                errors += [(join_path(path, f"{key}.{f}"), m)
                           for f, m in catalog.check_optimizer_params(parts[key].name, parts[key].params)]
        try:
            parts.update(validate_params(cls.PLAIN, values, owner="train"))
        except SpecError as e:
            errors += e.prefixed(path).errors
        if errors:
            raise SpecError(errors)
        return cls(**parts)

    def to_dict(self) -> dict[str, Any]:
        out = {p.name: getattr(self, p.name) for p in self.PLAIN}
        out["optimizer"] = self.optimizer.to_dict()
        out["schedule"] = self.schedule.to_dict()
        out["discriminator_optimizer"] = self.discriminator_optimizer.to_dict()
        return out


@dataclass(frozen=True)
class TelemetrySpec(Section):
    every_steps: int = 0
    histogram_bins: int = 32
    surface_resolution: int = 40
    history_points: int = 1000

    FIELDS: ClassVar[tuple[Param, ...]] = (
        Param("every_steps", int, 0, "Record metrics every this many updates (0 = auto: whole epochs, at least 100 "
              "updates apart unless a run would get fewer than 50 records).", 0, 100_000,
              label="record every (steps)"),
        Param("histogram_bins", int, 32, "Bins of the weight and bias histograms (rounded up to a multiple "
              "of 4, so a range that doubles re-bins exactly).", 4, 100, label="histogram bins"),
        Param("surface_resolution", int, 40, "Grid cells per side of the decision surface.", 10, 100,
              label="surface resolution"),
        Param("history_points", int, 1000, "Most points kept per curve; older points are thinned out.",
              100, 20_000, label="history points"),
    )


# --------------------------------------------------------------------------- the spec

_SECTIONS = ("data", "model", "train", "telemetry")


@dataclass(frozen=True)
class Spec:
    data: DataSpec = DataSpec()
    model: ModelSpec = ModelSpec()
    train: TrainSpec = TrainSpec()
    telemetry: TelemetrySpec = TelemetrySpec()

    # ---- dict / JSON

    def to_dict(self) -> dict[str, Any]:
        d = {name: getattr(self, name).to_dict() for name in _SECTIONS}
        d["data"]["features"] = list(self.data.features)  # JSON has lists, not tuples
        return d

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Spec:
        """The spec `values` describes; SpecError naming each bad field, and nothing else, for
        any value at all (untrusted.check_value first bounds its shape and size)."""
        if not isinstance(values, Mapping):
            raise SpecError("a spec must be a JSON object with keys " + ", ".join(_SECTIONS))
        untrusted.check_value(dict(values))
        errors = [(k, f"unknown section; a spec has {', '.join(_SECTIONS)}") for k in values if k not in _SECTIONS]
        parts: dict[str, Any] = {}
        for name, kind in (("data", DataSpec), ("model", ModelSpec), ("train", TrainSpec),
                           ("telemetry", TelemetrySpec)):
            if name not in values:
                continue
            try:
                parts[name] = kind.from_dict(values[name], name)
            except SpecError as e:
                errors += e.errors
        if errors:
            raise SpecError(errors)
        spec = cls(**parts)
        spec._check_across_sections()
        return spec

    def _check_across_sections(self) -> None:
        """Rules that tie one section to another."""
        if self.train.batch_size == 1 and any(c.name == "batchnorm" for c in self.model.layers):
            raise SpecError("BatchNorm needs batches of at least 2 examples; raise the batch size or "
                            "use LayerNorm", "train.batch_size")

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Spec:
        return cls.from_dict(untrusted.parse_json(text))

    # ---- flat dotted form

    def to_flat(self) -> dict[str, str]:
        """{"train.optimizer.lr": "0.03", "model.layers": "[{...}, ...]", ...}; values as text.

        The layer list is one JSON value, so a spec with fewer layers than the base it is
        applied to comes back with exactly its own layers.
        """
        tree = self.to_dict()
        layers = tree["model"].pop("layers")
        discriminator = tree["model"].pop("discriminator")["layers"]
        flat = {k: _to_text(v) for k, v in _flatten(tree).items()}
        flat["model.layers"] = json.dumps(layers, separators=(",", ":"))
        flat["model.discriminator.layers"] = json.dumps(discriminator, separators=(",", ":"))
        return flat

    @classmethod
    def from_flat(cls, pairs: Mapping[str, Any], base: Spec | None = None) -> Spec:
        """Apply dotted overrides to `base` (default: the default spec).

        Values may be text (parsed as JSON when they parse, e.g. "8", "true", "[...]") or
        already typed. Setting `model.layers` replaces the whole list; `model.layers.N.x`
        edits layer N (N may be one past the end to append a layer). Switching an
        optimizer, schedule or layer kind starts from that one's defaults.
        """
        tree = (base or cls()).to_dict()
        errors: list[tuple[str, str]] = []
        # Switching the network family without saying its layers starts from that family's own
        # (a CNN's convolutions, not the MLP's two dense layers); from_dict fills them in.
        if "model.family" in pairs and not any(k.startswith("model.layers") for k in pairs):
            tree["model"].pop("layers")
        # Names first, so that a switched optimizer drops settings it does not take
        # before the new settings are applied.
        for key in sorted(pairs, key=lambda k: not (k.endswith(".name") or k.endswith(".kind"))):
            raw = pairs[key]
            try:
                untrusted.check_text(key, "", what="a key")
                value = untrusted.parse_setting(raw) if isinstance(raw, str) else raw
                if key == "data.features" and isinstance(raw, str) and not raw.strip().startswith("["):
                    value = raw  # "x1,x2" stays text; Param splits it
                untrusted.check_value(value)
                _set_path(tree, key.split("."), value)
            except SpecError as e:
                errors.append((untrusted.cut(key), e.errors[0][1]))
        try:
            spec = cls.from_dict(tree)
        except SpecError as e:
            errors += [err for err in e.errors if err[0] not in {f for f, _ in errors}]
        if errors:
            raise SpecError(errors)
        return spec

    def with_overrides(self, **dotted: Any) -> Spec:
        """spec.with_overrides(**{"train.optimizer.lr": 0.1}) -> new validated Spec."""
        return Spec.from_flat(dotted, base=self)

    # ---- derived facts

    @property
    def hidden_widths(self) -> list[int]:
        return [c["units"] for c in self.model.layers if c.name == "linear"]


def _flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(tree, dict):
        out: dict[str, Any] = {}
        for k, v in tree.items():
            out.update(_flatten(v, join_path(prefix, str(k))))
        return out
    return {prefix: tree}


def _to_text(value: Any) -> str:
    if isinstance(value, str):
        # Quote strings that would otherwise parse as JSON numbers or booleans.
        return json.dumps(value) if untrusted.parse_setting(value) != value else value
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return json.dumps(value)


_CHOICE_TABLES = {
    ("train", "optimizer"): (catalog.OPTIMIZERS, "name"),
    ("train", "schedule"): (catalog.SCHEDULES, "name"),
    ("train", "discriminator_optimizer"): (catalog.OPTIMIZERS, "name"),
}


def _set_path(tree: dict, parts: list[str], value: Any) -> None:
    """Set tree[parts...] = value, creating layer slots; switching a choice drops foreign keys."""
    if len(parts) < 2 or parts[0] not in _SECTIONS:
        raise SpecError(f"unknown setting; keys start with one of {', '.join(_SECTIONS)} "
                        f"(see `python -m playground spec` for every key)")
    node: Any = tree
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            if not part.isdigit() or int(part) > len(node):
                raise SpecError(f"layer index {excerpt(part)} is out of range (there are {len(node)} layers)")
            if int(part) == len(node):
                node.append({"kind": "linear"})
            node = node[int(part)]
        elif isinstance(node, dict):
            if part not in node:
                raise SpecError(f"unknown setting; {excerpt(part)} is not one of {', '.join(map(str, node))}")
            node = node[part]
        else:
            raise SpecError("unknown setting")
    last = parts[-1]
    if isinstance(node, list):
        raise SpecError("give a layer setting, e.g. model.layers.0.units=8")
    if not isinstance(node, dict):
        raise SpecError("unknown setting")
    table_key = None
    if tuple(parts[:-1]) in _CHOICE_TABLES:
        table_key = _CHOICE_TABLES[tuple(parts[:-1])]
    elif len(parts) == 4 and parts[:2] == ["model", "layers"]:
        table_key = (catalog.ALL_LAYERS, "kind")
    elif len(parts) == 5 and parts[:3] == ["model", "discriminator", "layers"]:
        table_key = (catalog.ALL_LAYERS, "kind")
    if table_key and last == table_key[1]:
        table, key = table_key
        if isinstance(value, str) and value in table and node.get(key) != value:
            # A different optimizer/schedule/layer kind starts from its own defaults:
            # Adadelta's lr of 1.0 means something else than SGD's 0.03.
            node.clear()
    elif table_key is None and last not in node:
        raise SpecError(f"unknown setting; here the settings are {', '.join(map(str, node))}")
    node[last] = value

