"""The "Take it home" box under the share link: downloads of the current run's spec (JSON), its
metrics and per-layer telemetry (CSV), its weights (safetensors) and a standalone PyTorch script
that reproduces it. The bytes come from the engine (export/), as `train --out` and
`export-script` write them; the files of the run are made when a button is clicked (a callable
`data`), so drawing the page costs nothing while it trains."""

from __future__ import annotations

import re

import streamlit as st

from ..core.spec import Spec
from ..export import files
from ..export.script import export_problems, render_script


def take_home_box(session, spec: Spec | None) -> None:
    """session: the page's PlaygroundSession (its runner may come later in this same page run);
    spec: the sidebar's settings (None while they have problems)."""
    with st.expander("Take it home", icon=":material/download:"):
        if spec is None:
            st.caption("Fix the settings marked above to download them.")
            return
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", spec.data.name).strip("-") or "run"

        def run_spec() -> Spec:  # the run's own spec once there is one (a live optimizer change included)
            return session.runner.spec if session.runner is not None else spec

        st.download_button("Settings (spec JSON)", lambda: files.spec_json(run_spec()), f"{name}-spec.json",
                           "application/json", key="download_spec", on_click="ignore", icon=":material/data_object:",
                           help="The full spec: `python -m playground train --spec FILE` trains it again.")
        st.download_button("Metrics (CSV)", _of_run(session, lambda run: files.metrics_csv(run.snapshot())),
                           f"{name}-metrics.csv", "text/csv", key="download_metrics", on_click="ignore",
                           icon=":material/show_chart:",
                           help="One row a record: step, epoch, learning rate, train and test loss and score.")
        st.download_button("Per-layer telemetry (CSV)", _of_run(session, lambda run: files.layers_csv(run.snapshot())),
                           f"{name}-layers.csv", "text/csv", key="download_layers", on_click="ignore",
                           icon=":material/stacked_bar_chart:",
                           help="One row a record and layer: gradient norm, mean |gradient|, update ratio, "
                                "weight norm.")
        st.download_button("Weights (safetensors)", _of_run(session, lambda run: run.weights_file() or b""),
                           f"{name}-weights.safetensors", "application/octet-stream", key="download_weights",
                           on_click="ignore", icon=":material/memory:",
                           help="The network's weights as they are when you click (pause for a given step's): "
                                "safetensors.torch.load_file reads them, and they load into the model that "
                                "the spec builds.")
        problems = export_problems(spec)
        if problems:
            st.caption("No script for these settings yet: " + "; ".join(f"**{f}**: {m}" for f, m in problems))
            return
        st.download_button("PyTorch script (.py)", lambda: render_script(run_spec(), name, f"{name}.py").encode(),
                           f"{name}.py", "text/x-python", key="download_script", on_click="ignore",
                           icon=":material/code:",
                           help="One file that needs only torch and numpy: it makes the same data, builds the "
                                "same network and trains it with the same seeds, printing the metrics as CSV.")
        st.caption("The script reproduces this run's curve on the CPU, number for number.")


def _of_run(session, make):
    """A download's data: `make(runner)` when clicked (b"" if the run could not be built)."""
    return lambda: make(session.runner) if session.runner is not None else b""
