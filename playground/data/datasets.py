"""The data layer: a DataSpec (+ uploaded files) -> a Dataset ready to train on and to draw.

    load_dataset(spec.data)        generate or load, split train/test, compute features, standardise
    dataset_catalog()              every data set by name, for menus (generators, scikit-learn, image files,
                                   datasets/*.csv)
    validate_data_name(name)       used by DataSpec.from_dict so unknown names fail at validation time

Names: a generator ("circle", "spiral", ..., "shapes"), a scikit-learn set ("iris", ...),
an image file in datasets/ ("fashion"), "csv:<file in datasets/>" or "csv:<path>" (command
line), or "upload:<name>" (bytes passed in `uploads`). The spec's `data.seed` seeds generation
and the split (two independent streams, so changing `train_fraction` does not move the points).

Conventions the engine relies on:
- classification labels are int64 ids 0..K-1 in `class_names` order; a 2-class set is
  "binary" (blobs with classes=2 too); regression targets are float32;
- `featurize(points)` is exactly the transform that produced `x_train` (features from the
  raw coordinates, then standardisation with the training split's mean/std);
- regression targets stay in the data's own units; the output head (train/heads.py) trains on
  them standardised and reports predictions back in those units.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.params import SpecError, excerpt
from .generators import GENERATORS, RADIUS, generate, sequence_names
from .imagefiles import IMAGE_FILES, load_image_file, pixel_names, read_image_npz
from .tabular import NAME, SKLEARN_SETS, encode_labels, load_sklearn, parse_csv
from .text import CHAR_NAMES, TEXT_SETS, text_windows

DATASETS_DIR = Path(__file__).resolve().parents[2] / "datasets"


# --------------------------------------------------------------------------- values

@dataclass(frozen=True, eq=False)
class Dataset:
    name: str
    task: str  # "binary" | "multiclass" | "regression" | "tokens" (class_names: the vocabulary) | "generative"
    x_train: np.ndarray  # (N_train, F) float32 model inputs
    y_train: np.ndarray  # (N_train,) int64 class ids, or float32 targets; (N_train, T) token ids for "tokens"
    x_test: np.ndarray  # (N_test, F) float32
    y_test: np.ndarray  # (N_test,)
    feature_names: tuple[str, ...]  # (F,)
    class_names: tuple[str, ...]  # (K,) for classification, () for regression
    geometry: str  # "plane" | "line" | "table"
    points_train: np.ndarray | None  # raw coordinates (N_train, 2) plane / (N_train, 1) line; None for table
    points_test: np.ndarray | None
    extent: tuple[float, float, float, float] | None  # (x_min, x_max, y_min, y_max) of the plot area
    featurize: Callable[[np.ndarray], np.ndarray]  # raw (M, 2|1|D) -> (M, F) float32, as for training
    description: str
    image_shape: tuple[int, int, int] | None = None  # (C, H, W): each row of x is an image, C*H*W = F
    sequence_shape: tuple[int, int] | None = None  # (T, S): each row of x is T steps of S features, T*S = F

    @property
    def n_inputs(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        return 0 if self.task == "regression" else len(self.class_names)


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    label: str
    description: str
    task: str
    geometry: str
    uses_noise: bool
    uses_n_samples: bool
    uses_classes: bool
    uses_features: bool
    uses_sequence_length: bool = False


# --------------------------------------------------------------------------- features

# Plane features from raw coordinates p (M, 2), each -> (M,). Keys are spec.FEATURES.
PLANE_FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1^2": lambda p: p[:, 0] ** 2,
    "x2^2": lambda p: p[:, 1] ** 2,
    "x1*x2": lambda p: p[:, 0] * p[:, 1],
    "sin(x1)": lambda p: np.sin(p[:, 0]),
    "sin(x2)": lambda p: np.sin(p[:, 1]),
}


@dataclass(frozen=True, eq=False)
class Featurizer:
    """Raw rows -> model inputs. A class rather than a closure so a Dataset can be pickled (caches)."""

    features: tuple[str, ...] | None  # plane feature names, or None: the raw columns are the features
    mean: np.ndarray | None = None  # (F,) training-split statistics when standardising
    std: np.ndarray | None = None

    def raw(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim == 1:
            rows = rows[:, None]
        if self.features is None:
            return rows  # (M, D)
        return np.stack([PLANE_FEATURES[f](rows) for f in self.features], axis=1)  # (M, F)

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        x = self.raw(rows)
        if self.mean is not None:
            x = (x - self.mean) / self.std
        return x.astype(np.float32)

    def unstandardize(self, x: np.ndarray) -> np.ndarray:
        """Model inputs (M, F) back to the features' own values (an image's pixels), undoing
        the standardising if any."""
        return x * self.std + self.mean if self.mean is not None else x


def fit_featurizer(features: tuple[str, ...] | None, train_rows: np.ndarray, standardize: bool) -> Featurizer:
    if not standardize:
        return Featurizer(features)
    x = Featurizer(features).raw(train_rows)
    std = x.std(axis=0)
    return Featurizer(features, x.mean(axis=0), np.where(std > 1e-12, std, 1.0))


# --------------------------------------------------------------------------- names

def shipped_csv_files() -> list[str]:
    if not DATASETS_DIR.is_dir():
        return []
    return sorted(p.name for p in DATASETS_DIR.glob("*.csv") if p.is_file())


def _csv_path(rest: str, allow_paths: bool) -> Path | None:
    """'rings.csv' -> datasets/rings.csv; a path to an existing file (if allowed); else None."""
    if rest and "/" not in rest and "\\" not in rest and (DATASETS_DIR / rest).is_file():
        return DATASETS_DIR / rest
    if allow_paths and rest:
        path = Path(rest).expanduser()
        if path.is_file():
            return path
    return None


def validate_data_name(name: str, allow_paths: bool = True) -> None:
    """Raise SpecError(field="data.name") unless `name` names a data set that exists.

    `allow_paths=False` refuses "csv:<path>" outside datasets/ (use it for names that come
    from a shared link, so a link cannot read files on the server).
    """
    if name in GENERATORS or name in SKLEARN_SETS:
        return
    if name in IMAGE_FILES:
        if (DATASETS_DIR / IMAGE_FILES[name].file).is_file():
            return
        raise SpecError(f"{name}'s file datasets/{IMAGE_FILES[name].file} is missing; restore it (see "
                        "datasets/README.md) or choose another data set", NAME)
    if name in TEXT_SETS:
        if (DATASETS_DIR / TEXT_SETS[name].file).is_file():
            return
        raise SpecError(f"{name}'s file datasets/{TEXT_SETS[name].file} is missing; restore it (see "
                        "datasets/README.md) or choose another data set", NAME)
    if name.startswith("upload:") and name[len("upload:"):].strip():
        return
    if name.startswith("csv:"):
        rest = name[len("csv:"):].strip()
        if _csv_path(rest, allow_paths) is not None:
            return
        shipped = ", ".join(f"csv:{f}" for f in shipped_csv_files()) or "none"
        if not allow_paths and ("/" in rest or "\\" in rest):
            raise SpecError(f"{excerpt(name)}: only files in the datasets folder can be named here ({shipped}); "
                            "upload your own file instead", NAME)
        raise SpecError(f"no CSV file {excerpt(rest)}; the shipped files are {shipped}, or give the path "
                        "of an existing .csv file", NAME)
    choices = ", ".join([*GENERATORS, *SKLEARN_SETS, *IMAGE_FILES, *TEXT_SETS,
                         *(f"csv:{f}" for f in shipped_csv_files())])
    raise SpecError(f"{excerpt(name)} is not a known data set; choose one of {choices}, csv:<path to a file> "
                    "or upload:<name>", NAME)


# --------------------------------------------------------------------------- catalog

_CSV_INFO_CACHE: dict[tuple[str, int, int], DatasetInfo | None] = {}


def _csv_info(path: Path) -> DatasetInfo | None:
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _CSV_INFO_CACHE:
        try:
            features, labels = parse_csv(path, name=path.name)
            task, _, classes = encode_labels(labels)
        except SpecError:
            _CSV_INFO_CACHE[key] = None  # a broken file is left out of menus; loading it explains why
        else:
            geometry = "plane" if features.shape[1] == 2 else "table"
            _CSV_INFO_CACHE[key] = DatasetInfo(
                f"csv:{path.name}", path.stem.replace("_", " ").capitalize() + " (CSV)",
                _csv_description(path.name, features.shape, str(labels.name), task, classes),
                task, geometry, False, False, False, geometry == "plane")
    return _CSV_INFO_CACHE[key]


def _csv_description(file: str, shape: tuple[int, int], label: str, task: str, classes: tuple[str, ...]) -> str:
    target = f"{len(classes)} classes" if classes else "regression"
    return f"{file}: {shape[0]} rows, {shape[1]} features, label {label!r} ({target})."


def dataset_catalog() -> dict[str, DatasetInfo]:
    """Every named data set: generators, scikit-learn sets, image files in datasets/ (those present),
    then datasets/*.csv."""
    out: dict[str, DatasetInfo] = {}
    for name, g in GENERATORS.items():
        out[name] = DatasetInfo(name, g.label, g.description, g.task, g.geometry, uses_noise=g.uses_noise,
                                uses_n_samples=True, uses_classes=g.uses_classes,
                                uses_features=g.geometry == "plane",
                                uses_sequence_length=bool(g.sequence_features))
    for name, t in SKLEARN_SETS.items():
        out[name] = DatasetInfo(name, t.label, t.description, t.task, "table", False, False, False, False)
    for name, f in IMAGE_FILES.items():
        if (DATASETS_DIR / f.file).is_file():
            out[name] = DatasetInfo(name, f.label, f.description, f.task, "table", False, False, False, False)
    for name, t in TEXT_SETS.items():
        if (DATASETS_DIR / t.file).is_file():
            out[name] = DatasetInfo(name, t.label, t.description, "multiclass", "table", uses_noise=True,
                                    uses_n_samples=True, uses_classes=False, uses_features=False,
                                    uses_sequence_length=True)
    for file in shipped_csv_files():
        info = _csv_info(DATASETS_DIR / file)
        if info is not None:
            out[info.name] = info
    return out


# --------------------------------------------------------------------------- loading

@dataclass
class _Raw:
    """A data set before the split: X (N, D) float64 raw rows, y (N,)."""

    task: str
    X: np.ndarray
    y: np.ndarray
    columns: tuple[str, ...]  # (D,) names of the raw columns
    class_names: tuple[str, ...]
    geometry: str
    description: str
    generated: bool = False
    image_shape: tuple[int, int, int] | None = None  # (C, H, W) when the D columns are an image's pixels
    sequence_shape: tuple[int, int] | None = None  # (T, S) when the D columns are T steps of S features


def load_dataset(spec: Any, uploads: Mapping[str, bytes] | None = None, allow_paths: bool = True) -> Dataset:
    """DataSpec (or a whole Spec) -> Dataset. Bad names or files raise SpecError."""
    spec = getattr(spec, "data", spec)
    name = spec.name
    validate_data_name(name, allow_paths)
    data_seed, split_seed = np.random.SeedSequence(spec.seed).spawn(2)
    if name in TEXT_SETS:
        return _text(spec, np.random.default_rng(data_seed))
    if name in GENERATORS:
        raw = _generated(spec, np.random.default_rng(data_seed))
    elif name in SKLEARN_SETS:
        X, y, columns, classes = load_sklearn(name)
        info = SKLEARN_SETS[name]
        raw = _Raw(info.task, X.copy(), y.copy(), columns, classes, "table", info.description,
                   image_shape=info.image_shape)
    elif name in IMAGE_FILES:
        X, y, columns = load_image_file(name, DATASETS_DIR)
        image = IMAGE_FILES[name]
        raw = _Raw(image.task, X.copy(), y.copy(), columns, image.class_names, "table", image.description,
                   image_shape=image.image_shape)
    elif name.startswith("upload:"):
        key = name[len("upload:"):].strip()
        if not uploads or key not in uploads:
            raise SpecError(f"no uploaded file called {key!r}; upload it (again) in the data settings", NAME)
        raw = _from_file(uploads[key], key, spec)
    else:
        path = _csv_path(name[len("csv:"):].strip(), allow_paths)
        raw = _from_file(path, path.name, spec)
    return _assemble(name, raw, spec, np.random.default_rng(split_seed))


MAX_IMAGE_SIDE = 64  # pixels a side of an image read from a CSV (the CSV limits bound it anyway)


def _with_image_shape(raw: _Raw, text: str) -> _Raw:
    """A CSV's rows as images of the shape `text` ("1x28x28", "3×8×8"; "" leaves them a table).
    The pixels are the feature columns in order, row by row; their count must be C·H·W."""
    if not text.strip():
        return raw
    field = "data.image_shape"
    match = re.fullmatch(r"\s*(\d+)\s*[x×*]\s*(\d+)\s*[x×*]\s*(\d+)\s*", text)
    if match is None:
        raise SpecError(f"{excerpt(text)} is not channels x height x width; write e.g. 1x28x28", field)
    c, h, w = (int(n) for n in match.groups())
    if not (1 <= c <= 4 and 1 <= h <= MAX_IMAGE_SIDE and 1 <= w <= MAX_IMAGE_SIDE):
        raise SpecError(f"{c}x{h}x{w} is out of range: 1 to 4 channels, 1 to {MAX_IMAGE_SIDE} pixels a side", field)
    columns = raw.X.shape[1]
    if c * h * w != columns:
        raise SpecError(f"{c}x{h}x{w} is {c * h * w:,} pixels, but the file has {columns:,} feature columns "
                        "(the label column not counted); give the shape of one row's pixels", field)
    return replace(raw, geometry="table", image_shape=(c, h, w))


def _generated(spec: Any, rng: np.random.Generator) -> _Raw:
    g = GENERATORS[spec.name]
    X, y = generate(spec.name, spec.n_samples, spec.noise, rng, classes=spec.classes,
                    length=spec.sequence_length)
    classes = g.class_names
    task = g.task
    if g.uses_classes:
        classes = tuple(f"class {i}" for i in range(spec.classes))
        task = "binary" if spec.classes == 2 else "multiclass"
    sequence = None
    if g.image_shape is not None:
        columns = pixel_names(*g.image_shape[1:])
    elif g.sequence_features:
        sequence = (X.shape[1] // len(g.sequence_features), len(g.sequence_features))
        columns = sequence_names(sequence[0], g.sequence_features)
    elif g.columns:
        columns = g.columns
    else:
        columns = ("x",) if g.geometry == "line" else ("x1", "x2")
    return _Raw(task, X, y, columns, classes, g.geometry, g.description, generated=True,
                image_shape=g.image_shape, sequence_shape=sequence)


def _text(spec: Any, rng: np.random.Generator) -> Dataset:
    """A text set (text.py): its own split, by position in the text rather than by shuffling
    windows, and one-hot rows kept as they are (`standardize` does not apply)."""
    x_train, y_train, x_test, y_test = text_windows(spec.name, DATASETS_DIR, spec.n_samples, spec.noise,
                                                    spec.train_fraction, spec.sequence_length, rng)
    steps = x_train.shape[1] // len(CHAR_NAMES)
    return Dataset(
        name=spec.name, task="multiclass", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
        feature_names=sequence_names(steps, CHAR_NAMES), class_names=CHAR_NAMES, geometry="table",
        points_train=None, points_test=None, extent=None, featurize=Featurizer(None),
        description=TEXT_SETS[spec.name].description, sequence_shape=(steps, len(CHAR_NAMES)))


def _from_file(data: bytes | Path, file: str, spec: Any) -> _Raw:
    """An uploaded or named file: images from an .npz, else a CSV table (images if the spec
    gives data.image_shape)."""
    if file.lower().endswith(".npz"):
        return _from_npz(data, file)
    return _with_image_shape(_from_csv(data, spec.label_column, file), spec.image_shape)


def _from_npz(data: bytes | Path, file: str) -> _Raw:
    npz = read_image_npz(data, file)
    labels = pd.Series(npz.labels.astype(str), name="labels")  # as a CSV's cells: encode_labels reads text
    task, y, classes = encode_labels(labels)
    if npz.class_names is not None and task != "regression":
        ids = sorted(int(c) for c in classes) if all(c.lstrip("-").isdigit() for c in classes) else None
        if ids is None or ids != list(range(len(ids))) or len(npz.class_names) < len(ids):
            raise SpecError(f"{file}: `class_names` names labels 0..{len(npz.class_names) - 1}, but the labels are "
                            f"{', '.join(classes[:8])}; give labels 0..K-1 or leave class_names out", NAME)
        classes = npz.class_names[:len(ids)]
    c, h, w = npz.image_shape
    description = (f"{file}: {len(y):,} images of {c}x{h}x{w}"
                   + (f", {len(classes)} classes." if classes else ", a number to predict."))
    return _Raw(task, npz.X, y, pixel_names(h, w) if c == 1 else _channel_pixel_names(c, h, w), classes,
                "table", description, image_shape=npz.image_shape)


def _channel_pixel_names(c: int, h: int, w: int) -> tuple[str, ...]:
    return tuple(f"c{k}_{name}" for k in range(c) for name in pixel_names(h, w))


def _from_csv(data: bytes | Path, label_column: str, file: str) -> _Raw:
    features, labels = parse_csv(data, label_column, name=file)
    task, y, classes = encode_labels(labels)
    geometry = "plane" if features.shape[1] == 2 else "table"
    return _Raw(task, features.to_numpy(np.float64), y, tuple(features.columns), classes, geometry,
                _csv_description(file, features.shape, str(labels.name), task, classes))


def split_indices(y: np.ndarray, task: str, train_fraction: float, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled (train, test) index arrays; classification splits keep class shares (stratified).

    Both splits get at least one row.
    """
    n = len(y)
    n_train = int(min(max(round(train_fraction * n), 1), n - 1))
    if task in ("regression", "tokens"):  # no class per row to keep shares of
        order = rng.permutation(n)
        return order[:n_train], order[n_train:]
    classes, counts = np.unique(y, return_counts=True)
    quota = train_fraction * counts
    take = np.floor(quota).astype(np.int64)
    short = n_train - int(take.sum())  # 0 <= short <= number of classes; largest remainders get one more
    take[np.argsort(-(quota - take), kind="stable")[:short]] += 1
    train, test = [], []
    for c, k in zip(classes, take):
        idx = rng.permutation(np.flatnonzero(y == c))
        train.append(idx[:k])
        test.append(idx[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def _extent(points: np.ndarray, y: np.ndarray, geometry: str, generated: bool
            ) -> tuple[float, float, float, float]:
    """Plot area: the data's range padded by 5%; generated sets always show at least -6..6 in x (and y)."""
    def padded(lo: float, hi: float, floor: bool) -> tuple[float, float]:
        pad = 0.05 * (hi - lo) if hi > lo else 0.5
        lo, hi = lo - pad, hi + pad
        return (min(lo, -RADIUS), max(hi, RADIUS)) if floor else (lo, hi)

    x0, x1 = padded(float(points[:, 0].min()), float(points[:, 0].max()), generated)
    if geometry == "plane":
        y0, y1 = padded(float(points[:, 1].min()), float(points[:, 1].max()), generated)
    else:  # line: the vertical axis is the target
        y0, y1 = padded(float(y.min()), float(y.max()), False)
    return (x0, x1, y0, y1)


def _feature_names(features: tuple[str, ...], columns: tuple[str, ...]) -> tuple[str, ...]:
    """('x1', 'x1*x2') with columns ('a', 'b') -> ('a', 'a*b'): show CSV column names."""
    return tuple(re.sub(r"x([12])", lambda m: columns[int(m.group(1)) - 1], f) for f in features)


def _assemble(name: str, raw: _Raw, spec: Any, rng: np.random.Generator) -> Dataset:
    train, test = split_indices(raw.y, raw.task, spec.train_fraction, rng)
    if raw.geometry == "table":
        points_train = points_test = None
        rows_train, rows_test = raw.X[train], raw.X[test]  # (N, D) float64
        # One-hot tokens stay 0/1, so a network's first linear map on them is an embedding table.
        featurizer = fit_featurizer(None, rows_train, spec.standardize and raw.task != "tokens")
        feature_names = raw.columns
        extent = None
    else:
        points = raw.X.astype(np.float32)  # (N, 2) or (N, 1); features are computed from these exact values
        rows_train = points_train = points[train]
        rows_test = points_test = points[test]
        features = tuple(spec.features) if raw.geometry == "plane" else None
        featurizer = fit_featurizer(features, points_train, spec.standardize)
        feature_names = _feature_names(features, raw.columns) if features else raw.columns
        extent = _extent(points, raw.y, raw.geometry, raw.generated)

    y = raw.y.astype(np.float32 if raw.task == "regression" else np.int64)

    return Dataset(
        name=name, task=raw.task,
        x_train=featurizer(rows_train), y_train=y[train],
        x_test=featurizer(rows_test), y_test=y[test],
        feature_names=tuple(feature_names), class_names=tuple(raw.class_names) if raw.task != "regression" else (),
        geometry=raw.geometry, points_train=points_train, points_test=points_test, extent=extent,
        featurize=featurizer, description=raw.description, image_shape=raw.image_shape,
        sequence_shape=raw.sequence_shape,
    )
