"""Links: the URL's query parameters hold the settings as `dotted.key=value` pairs (the spec's
flat form), only those that differ from the defaults, so a link stays short and readable:
    ?data.name=spiral&train.optimizer.name=adam&model.layers=[...]
`?preset=overfit` loads a preset (other keys then adjust it). The address bar is kept in sync,
so copying it shares the current experiment."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import streamlit as st

from ..core.params import SpecError
from ..core.presets import get_preset
from ..core.spec import Spec
from ..data.datasets import validate_data_name

SECTIONS = ("data", "model", "train", "telemetry")


def spec_from_link() -> tuple[Spec | None, list[tuple[str, str]]]:
    """The spec the page's URL asks for (None when it asks for nothing), and any problems."""
    params = st.query_params.to_dict()
    pairs = {k: v for k, v in params.items() if k.split(".")[0] in SECTIONS}
    preset = params.get("preset")
    if not pairs and not preset:
        return None, []
    try:
        spec = Spec.from_flat(pairs, base=get_preset(preset) if preset else None)
        if spec.data.name.startswith("upload:"):
            raise SpecError("a link cannot carry an uploaded file; upload it again", "data.name")
        validate_data_name(spec.data.name, allow_paths=False)  # a link must not read server files
    except SpecError as e:
        return None, e.errors
    return spec, []


def link_params(spec: Spec) -> dict[str, str]:
    """The settings that differ from the defaults, as flat text pairs that rebuild `spec`."""
    default = Spec()
    flat, base = spec.to_flat(), default.to_flat()
    out = {k: v for k, v in flat.items() if base.get(k) != v and not k.startswith("model.layers.")}
    if spec.model.layers != default.model.layers:
        out["model.layers"] = json.dumps([c.to_dict("kind") for c in spec.model.layers], separators=(",", ":"))
    for kind in ("optimizer", "schedule"):  # another optimizer: give all its settings, not a diff
        if getattr(spec.train, kind).name != getattr(default.train, kind).name:
            out.update({k: v for k, v in flat.items() if k.startswith(f"train.{kind}.")})
    try:
        same = Spec.from_flat(out) == spec
    except SpecError:
        same = False
    return out if same else flat


def sync_address_bar(spec: Spec | None, page: dict[str, str | None] | None = None) -> None:
    """Keep the URL equal to the current settings (uploads cannot travel in a link), and to the
    page's own state in `page` (the open lesson, the presenter view; None: left out), so that the
    link reopens the page as it is."""
    if spec is None or spec.data.name.startswith("upload:"):
        return
    wanted = link_params(spec) | {k: v for k, v in (page or {}).items() if v is not None}
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def share_box(spec: Spec | None) -> None:
    with st.expander("Share these settings", icon=":material/link:"):
        if spec is None:
            st.caption("Fix the settings marked above to get a link.")
            return
        if spec.data.name.startswith("upload:"):
            st.caption("Links cannot carry an uploaded file: the receiver must upload it too.")
        base = (st.context.url or "").split("?")[0] or "http://localhost:8501/"
        query = urlencode(link_params(spec))
        st.code(base + ("?" + query if query else ""), language=None, wrap_lines=True)
        st.caption("The address bar always holds this link. Opening it rebuilds the same data, network "
                   "and training run (same seeds).")
