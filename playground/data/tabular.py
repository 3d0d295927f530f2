"""Tables: scikit-learn's bundled data sets and CSV files, parsed with clear errors.

Every problem with a user's file raises SpecError (field "data.name", or
"data.label_column" for label problems) whose message says what is wrong and what to
do; nothing else escapes for bad input. scikit-learn is imported only when a
scikit-learn set is loaded, so importing this module stays cheap.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.params import SpecError

MAX_CSV_BYTES = 20 * 1024 * 1024  # 20 MB
MAX_CSV_ROWS = 50_000  # data rows, not counting the header
MAX_CSV_COLUMNS = 1_025  # features + label: a 32x32 image's pixels and its label (data.image_shape)
MAX_INT_CLASSES = 20  # a numeric label with at most this many distinct integers is a class id
MAX_TEXT_CLASSES = 50  # a text label may have at most this many distinct values
MISSING = {"", "na", "n/a", "nan", "null", "none", "?"}  # cells read as "no value" (case-insensitive)
# The largest |value| a feature or a regression target may have. Training works in float32 (up
# to 3.4e38), and a target is squared and summed there: its standard deviation (heads.make_head)
# and R² (Head.metric) add up (y - mean)² over a split of up to MAX_CSV_ROWS rows, and
# 50,000 · (2 · 1e16)² = 2e37 still fits, while targets of 1e18 overflow with 200 rows (R² = nan).
# Features are held to the same bound so one rule covers every number in a file: standardised in
# float64 (the default), larger ones would train, but unstandardised they enter the float32
# network as they are, and a plane's coordinates are kept in float32.
MAX_ABS_VALUE = 1e16
FLOAT32_MAX = float(np.finfo(np.float32).max)

NAME = "data.name"
LABEL = "data.label_column"


# --------------------------------------------------------------------------- scikit-learn sets

@dataclass(frozen=True)
class TableInfo:
    label: str
    description: str
    task: str
    loader: str  # name of the sklearn.datasets load_* function
    image_shape: tuple[int, int, int] | None = None  # (C, H, W) when each row is an image's pixels


SKLEARN_SETS: dict[str, TableInfo] = {
    "iris": TableInfo("Iris", "150 iris flowers: 4 measurements, 3 species.", "multiclass", "load_iris"),
    "wine": TableInfo("Wine", "178 wines: 13 chemical measurements, 3 cultivars.", "multiclass", "load_wine"),
    "breast_cancer": TableInfo("Breast cancer", "569 tumours: 30 cell measurements, malignant or benign.",
                               "binary", "load_breast_cancer"),
    "digits": TableInfo("Digits (8×8)", "1,797 handwritten digits as 64 pixel intensities, 10 classes.",
                        "multiclass", "load_digits", image_shape=(1, 8, 8)),
    "diabetes": TableInfo("Diabetes", "442 patients: 10 measurements -> disease progression a year later "
                          "(regression).", "regression", "load_diabetes"),
}


@cache
def load_sklearn(name: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """-> X (N, F) float64, y (N,) int64 or float64, feature names, class names (() for regression)."""
    import sklearn.datasets  # lazy: heavy import

    info = SKLEARN_SETS[name]
    bunch = getattr(sklearn.datasets, info.loader)()
    X = np.asarray(bunch.data, dtype=np.float64)
    features = tuple(str(f) for f in getattr(bunch, "feature_names", [f"f{i}" for i in range(X.shape[1])]))
    if info.task == "regression":
        return X, np.asarray(bunch.target, dtype=np.float64), features, ()
    y = np.asarray(bunch.target, dtype=np.int64)
    classes = tuple(str(c) for c in bunch.target_names)
    X.flags.writeable = False  # cached: callers copy
    y.flags.writeable = False
    return X, y, features, classes


# --------------------------------------------------------------------------- CSV

def read_csv_bytes(data: bytes | str | Path, name: str = "upload") -> str:
    """Raw bytes (or a file) -> text, checking size, emptiness and encoding. str is taken as CSV text."""
    if isinstance(data, Path):
        if not data.is_file():
            raise SpecError(f"file {str(data)!r} does not exist", NAME)
        size = data.stat().st_size
        if size > MAX_CSV_BYTES:
            raise SpecError(_too_big(name, size), NAME)
        data = data.read_bytes()
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_CSV_BYTES:
            raise SpecError(_too_big(name, len(data)), NAME)
        if b"\x00" in data[:8192]:
            raise SpecError(f"{name} is not a CSV file (it looks binary, e.g. a spreadsheet or an image); "
                            "save it as 'CSV UTF-8' and try again", NAME)
        try:
            text = data.decode("utf-8-sig")  # -sig drops the byte-order mark Excel writes
        except UnicodeDecodeError as e:
            raise SpecError(f"{name} is not UTF-8 text (bad byte at position {e.start}); "
                            "save it as 'CSV UTF-8' and try again", NAME) from None
    if not text.strip():
        raise SpecError(f"{name} is empty; it needs a header line naming the columns, then data rows", NAME)
    return text


def _too_big(name: str, size: int) -> str:
    return (f"{name} is {size / 1e6:.1f} MB; files may be at most {MAX_CSV_BYTES // (1024 * 1024)} MB "
            "(use fewer rows)")


def parse_csv(data: bytes | str | Path, label_column: str = "", name: str = "upload"
              ) -> tuple[pd.DataFrame, pd.Series]:
    """CSV -> (features: DataFrame of float64, one column per feature; labels: Series of text).

    The first line must be a header. The label is `label_column`, or the last column when
    empty. Labels are returned as text; `encode_labels` decides classes or regression.
    """
    text = read_csv_bytes(data, name)
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = next((d for d in (",", ";", "\t") if d in first_line), ",")  # comma unless the header says not
    try:
        # Everything as text, nothing turned into NaN: we check cells ourselves to name rows.
        table = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                            sep=delimiter, skip_blank_lines=True, on_bad_lines="error")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SpecError(f"{name} could not be read as CSV ({reason}); every row needs the same number of "
                        "comma-separated values", NAME) from None

    header = [str(c).strip() for c in table.iloc[0]]
    body = table.iloc[1:].reset_index(drop=True)
    body.columns = header
    _check_header(header, name)
    if len(body) == 0:
        raise SpecError(f"{name} has a header but no data rows; add at least 2 rows of values", NAME)
    if len(body) == 1:
        raise SpecError(f"{name} has only one data row; it needs at least 2 (one to train on, one to test)", NAME)
    if len(body) > MAX_CSV_ROWS:
        raise SpecError(f"{name} has {len(body):,} rows; at most {MAX_CSV_ROWS:,} are allowed "
                        "(use a sample of the rows)", NAME)

    label = label_column.strip() or header[-1]
    if label not in header:
        raise SpecError(f"there is no column {label!r} in {name}; its columns are {', '.join(header)}", LABEL)

    features: dict[str, np.ndarray] = {}
    for column in header:
        cells = body[column].astype(str).str.strip()
        _check_missing(cells, column, name)
        if column == label:
            continue
        values = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values) & ~_overflowed(cells, values)
        if bad.any():
            row = int(np.argmax(bad))
            raise SpecError(f"column {column!r} in {name} is not numeric: data row {row + 1} has {cells[row][:30]!r}; "
                            "feature columns must hold numbers (encode categories as numbers, or drop the "
                            "column, or make it the label)", NAME)
        check_magnitude(values, cells, f"column {column!r} in {name}", NAME)
        features[column] = values
    labels = body[label].astype(str).str.strip().rename(label)
    return pd.DataFrame(features), labels


def _check_header(header: list[str], name: str) -> None:
    if len(header) > MAX_CSV_COLUMNS:
        raise SpecError(f"{name} has {len(header):,} columns; at most {MAX_CSV_COLUMNS:,} are allowed", NAME)
    if len(header) < 2:
        raise SpecError(f"{name} has {len(header)} column; it needs at least one feature column and a label "
                        "column, separated by commas", NAME)
    if all(_is_number(h) for h in header):
        raise SpecError(f"{name} has no header: its first line is numbers ({', '.join(header[:4])}...); "
                        "add a first line naming the columns, e.g. x1,x2,label", NAME)
    empty = [i + 1 for i, h in enumerate(header) if not h]
    if empty:
        raise SpecError(f"column {empty[0]} of {name} has no name in the header line; name every column", NAME)
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise SpecError(f"column name {h!r} appears twice in the header of {name}; names must be unique", NAME)
        seen.add(h)


def _overflowed(cells: pd.Series, values: np.ndarray) -> np.ndarray:
    """Cells written as numbers too big for float64 ("1e400"): inf, unlike the words inf/infinity."""
    return np.isinf(values) & cells.str.contains(r"\d", regex=True).to_numpy(dtype=bool)


def check_magnitude(values: np.ndarray, cells: pd.Series, what: str, field: str) -> None:
    """SpecError naming `what` (a column) if any |value| exceeds MAX_ABS_VALUE (inf included)."""
    size = np.abs(values)
    if not (size > MAX_ABS_VALUE).any():
        return
    row = int(np.argmax(size))  # the largest, inf first
    largest = float(size[row])
    factor = f"e.g. divide it by {10.0 ** math.ceil(math.log10(largest / MAX_ABS_VALUE)):g}" \
        if math.isfinite(largest) else "e.g. divide it by a power of ten"
    raise SpecError(f"{what} has values too large for training (the largest, in data row {row + 1}, is "
                    f"{cells.iloc[row][:30]}); values may be at most ±{MAX_ABS_VALUE:g}, because training works in "
                    f"float32 (up to {FLOAT32_MAX:.2g}) and squares them: rescale the column, {factor}", field)


def _check_missing(cells: pd.Series, column: str, name: str) -> None:
    missing = cells.str.lower().isin(MISSING).to_numpy()
    if missing.any():
        row = int(np.argmax(missing))
        raise SpecError(f"column {column!r} in {name} has an empty or missing value (NaN) in data row {row + 1}; "
                        "fill it in or delete the row", NAME)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def encode_labels(labels: pd.Series) -> tuple[str, np.ndarray, tuple[str, ...]]:
    """Label text -> (task, y, class_names).

    Numbers with at most MAX_INT_CLASSES distinct integer values, or any text, are classes
    (sorted: numerically for numbers, alphabetically for text; ids 0..K-1 in that order);
    other numbers are a regression target (y float64).
    """
    column = str(labels.name)
    numbers = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=np.float64)
    numeric = not bool(np.isnan(numbers).any())
    if numeric and _overflowed(labels, numbers).any():
        check_magnitude(numbers, labels, f"label column {column!r}", LABEL)
    if numeric and not np.isfinite(numbers).all():
        row = int(np.argmax(~np.isfinite(numbers)))
        raise SpecError(f"label column {column!r} has an infinite value in data row {row + 1}; "
                        "use finite numbers", LABEL)
    distinct = np.unique(numbers) if numeric else np.unique(labels.to_numpy(dtype=str))
    if len(distinct) < 2:
        raise SpecError(f"label column {column!r} has only one value ({str(distinct[0])!r}); a label needs at "
                        "least 2 classes or 2 different numbers; choose another label column", LABEL)
    if numeric:
        integer = bool(np.all(numbers == np.round(numbers)))
        if not (integer and len(distinct) <= MAX_INT_CLASSES):
            check_magnitude(numbers, labels, f"label column {column!r}", LABEL)  # class ids may be any size
            return "regression", numbers, ()
        y = np.searchsorted(distinct, numbers).astype(np.int64)
        names = tuple(str(int(v)) for v in distinct)
    else:
        if len(distinct) > MAX_TEXT_CLASSES:
            raise SpecError(f"label column {column!r} has {len(distinct)} different text values; at most "
                            f"{MAX_TEXT_CLASSES} classes are allowed (is it really the label?)", LABEL)
        y = np.searchsorted(distinct, labels.to_numpy(dtype=str)).astype(np.int64)
        names = tuple(str(v) for v in distinct)
    task = "binary" if len(names) == 2 else "multiclass"
    return task, y, names
