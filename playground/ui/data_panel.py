"""The sidebar's Data group: which data set (or an uploaded CSV), a small preview, and the
settings the chosen set takes (points, noise, split, features, classes, seed)."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from ..charts import data_preview_figure
from ..core.params import SpecError
from ..core.spec import FEATURES, DataSpec
from ..data.datasets import Dataset, DatasetInfo, dataset_catalog, load_dataset
from ..data.imagefiles import NPZ_FORMAT
from ..data.tabular import MAX_CSV_BYTES
from . import locks, state
from .live_chart import live_chart
from .widgets import KEEP, full_run_only, param_widget, show_errors

FEATURE_LABELS = {"x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂",
                  "sin(x1)": "sin x₁", "sin(x2)": "sin x₂"}
_FIELD = {p.name: p for p in DataSpec.FIELDS}
MAX_UPLOAD_MB = MAX_CSV_BYTES // 2**20  # the engine's CSV limit; .streamlit/config.toml's maxUploadSize too
KEPT_UPLOAD = "kept_upload"  # {file name: bytes} of the CSV in use; outlives the uploader's own state


@dataclass
class DataChoice:
    """What the data menu and uploader say: the spec's data name and the uploaded bytes."""

    name: str | None  # None: "upload" is chosen but no file yet
    uploads: dict[str, bytes] | None
    info: DatasetInfo | None  # None for an upload


@st.cache_data(show_spinner=False)
def catalog() -> dict[str, DatasetInfo]:
    return dataset_catalog()


def upload_digest(uploads: dict[str, bytes] | None) -> str:
    if not uploads:
        return ""
    return hashlib.sha256(b"".join(k.encode() + b"\0" + v for k, v in sorted(uploads.items()))).hexdigest()


@st.cache_resource(max_entries=24, show_spinner=False)
def _load(data_json: str, digest: str, _uploads: dict[str, bytes] | None) -> Dataset:
    """Datasets are immutable values of (settings, file bytes), so all sessions may share them."""
    return load_dataset(DataSpec.from_dict(json.loads(data_json), "data"), _uploads, allow_paths=False)


def load(data: DataSpec, uploads: dict[str, bytes] | None) -> Dataset:
    """The data set for `data` (cached); raises SpecError naming what is wrong with a file."""
    return _load(json.dumps(data.to_dict(), sort_keys=True), upload_digest(uploads), uploads)


def data_menu() -> DataChoice:
    """The data-set menu, and the uploader when 'Upload a file' is chosen."""
    sets = catalog()
    names = [*sets, state.UPLOAD]
    key = state.data_key("name")
    current = st.session_state.setdefault(key, DataSpec.name)
    if current not in names:  # e.g. a CSV that is no longer shipped: keep it, and let loading explain
        names.insert(0, current)
    help_lines = ["Which points the network learns from.", ""] + [
        f"- **{info.label}**: {info.description}" for info in sets.values()]
    choice = st.selectbox("Data set", names, key=key, help=locks.help_for("data.name", "\n".join(help_lines)),
                          persist_state=KEEP, disabled=locks.locked("data.name"),
                          format_func=lambda n: sets[n].label if n in sets else
                          ("Upload a CSV or NPZ file…" if n == state.UPLOAD else n))
    if choice != state.UPLOAD:
        info = sets.get(choice)
        if info is not None:
            st.caption(info.description)
        return DataChoice(choice, None, info)
    file = st.file_uploader("CSV or NPZ file", type=["csv", "npz"], key=state.UPLOAD_KEY,
                            disabled=locks.locked("data.name"),
                            max_upload_size=MAX_UPLOAD_MB, on_change=_forget_removed_upload,
                            help="**CSV**: a header line naming the columns, then one row per example. Feature "
                                 "columns must be numbers; the label is the last column unless you name another. "
                                 "Integer or text labels are classes; other numbers are a regression target. "
                                 "Pixels in columns are images once you give their shape.\n\n"
                                 f"**NPZ** (images): {NPZ_FORMAT}. uint8 pixels are read as 0..255.")
    ss = st.session_state
    if file is not None:
        ss[KEPT_UPLOAD] = {file.name: file.getvalue()}
    kept = ss.get(KEPT_UPLOAD)
    if not kept:
        st.info(f"Choose a CSV or NPZ file (at most {MAX_UPLOAD_MB} MB). Until then, the run on the previous data "
                "is kept, paused.", icon=":material/upload:")
        return DataChoice(None, None, None)
    name = next(iter(kept))
    if file is None:  # the uploader forgets its file when it is not drawn (the lab, another data set)
        st.caption(f"Using **{name}**, uploaded earlier. Upload another file to replace it.")
    return DataChoice(f"upload:{name}", dict(kept), None)


PREVIEW = "_data_preview"  # session-state key: (the data set, its preview figure)


def _forget_removed_upload() -> None:
    """The user removed the file (the uploader's ×): stop using it."""
    if st.session_state.get(state.UPLOAD_KEY) is None:
        st.session_state.pop(KEPT_UPLOAD, None)


def _preview(dataset: Dataset):
    """The data set's preview figure, built once per data set (the same object comes back from the
    data cache while its settings stay): a table's principal components take a moment."""
    kept = st.session_state.get(PREVIEW)
    if kept is None or kept[0] is not dataset:
        kept = st.session_state[PREVIEW] = (dataset, data_preview_figure(dataset, height=200))
    return kept[1]


def data_settings(choice: DataChoice, dataset: Dataset | None,
                  take: Callable[[str], list[tuple[str, str]]]) -> None:
    """Preview and the settings this data set takes; `take("data")` gives the data.* problems
    not yet shown (called once the fields are drawn, so those a field explains are left out)."""
    if dataset is not None:
        # Through the live charts' plotly.js, not st.plotly_chart: that one's 4.7 MB bundle was
        # fetched and parsed by every new page for this one small picture.
        live_chart(_preview(dataset), "chart_data_preview", {"displayModeBar": False, "staticPlot": True})
        if choice.info is None:  # an uploaded file: say what was read from it
            st.caption(dataset.description)
        task = "regression" if dataset.task == "regression" else f"{dataset.n_classes} classes"
        st.caption(f"{len(dataset.y_train):,} train · {len(dataset.y_test):,} test · {dataset.n_inputs} "
                   f"input{'s' * (dataset.n_inputs != 1)} · {task}")
    info = choice.info
    geometry = dataset.geometry if dataset is not None else (info.geometry if info else "table")
    uploaded = choice.name is None or choice.name.startswith(("upload:", "csv:"))
    if uploaded and not (choice.name or "").lower().endswith(".npz"):  # an .npz says its own labels and shape
        param_widget(_FIELD["label_column"], state.data_key("label_column"), label="Label column",
                     placeholder="last column")
        param_widget(_FIELD["image_shape"], state.data_key("image_shape"), label="Image shape",
                     placeholder="not images (e.g. 1x28x28)")
    cols = st.columns(2)
    if info is not None and info.uses_n_samples:
        with cols[0]:
            param_widget(_FIELD["n_samples"], state.data_key("n_samples"), label="Points", step=50)
    if info is not None and info.uses_noise:
        with cols[1]:
            param_widget(_FIELD["noise"], state.data_key("noise"), label="Noise", step=0.05)
    key = state.data_key("train_fraction")
    st.session_state.setdefault(key, DataSpec.train_fraction)
    st.slider("Train fraction", 0.05, 0.95, step=0.05, key=key, persist_state=KEEP,
              help=locks.help_for("data.train_fraction", _FIELD["train_fraction"].help),
              disabled=locks.locked("data.train_fraction"))
    if geometry == "plane" and (info is None or info.uses_features):
        key = state.data_key("features")
        st.session_state.setdefault(key, list(DataSpec.features))
        st.pills("Features", list(FEATURES), selection_mode="multi", key=key, persist_state=KEEP,
                 format_func=FEATURE_LABELS.get, disabled=locks.locked("data.features"),
                 help=locks.help_for("data.features", _FIELD["features"].help +
                                     " Extra features (squares, product, sines) let even a network without hidden "
                                     "layers draw curved boundaries."))
    if info is not None and info.uses_sequence_length:
        param_widget(_FIELD["sequence_length"], state.data_key("sequence_length"), label="Sequence length")
        if dataset is not None and dataset.sequence_shape is not None:
            steps, features = dataset.sequence_shape
            st.caption(f"{steps} steps of {features} feature{'s' * (features != 1)}")
    if info is not None and info.uses_classes:
        key = state.data_key("classes")
        st.session_state.setdefault(key, DataSpec.classes)
        st.slider("Classes", 2, 8, key=key, help=locks.help_for("data.classes", _FIELD["classes"].help),
                  persist_state=KEEP, disabled=locks.locked("data.classes"))
    param_widget(_FIELD["standardize"], state.data_key("standardize"), label="Standardize inputs")
    cols = st.columns([1.1, 1], vertical_alignment="bottom")
    with cols[0]:
        param_widget(_FIELD["seed"], state.data_key("seed"), label="Data seed")
    with cols[1]:
        st.button("New data", key="btn_new_data", on_click=full_run_only(_new_seed),
                  width="stretch", disabled=locks.locked("data.seed"),
                  help="Draw a new data set (a new random data seed); the seed is shown, so it can be repeated.")
    show_errors(take("data"))


def _new_seed() -> None:
    key = state.data_key("seed")
    old = st.session_state.get(key, 0)
    seed = old
    while seed == old:
        seed = random.randrange(1, 100_000)
    st.session_state[key] = seed


def try_load(data: DataSpec | None, uploads: dict[str, bytes] | None) -> tuple[Dataset | None, list[tuple[str, str]]]:
    if data is None:
        return None, []
    try:
        return load(data, uploads), []
    except SpecError as e:
        return None, e.errors
    except Exception as e:  # noqa: BLE001 - a broken file must not take the page down
        return None, [("data.name", f"could not be loaded ({type(e).__name__}: {e})")]
