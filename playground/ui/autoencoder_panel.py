"""The autoencoder family's panels in the live view (panels.py calls them when a run's visuals carry
an autoencoder's views): beside the network, its latent space; in the Neurons tab, the latent space
beside PCA's, decoded images between two chosen test images, and a VAE's samples from its prior; in
the Evaluation tab, reconstructions beside the originals and the reconstruction error against PCA's
(there are no predictions to score, so these replace the confusion matrix). `chart` is panels.chart,
which redraws a figure in place only when its snapshot moved on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ..families.autoencoder import charts as ae_charts
from ..train.snapshot import Snapshot
from .widgets import KEEP

Chart = Callable[..., Any]  # panels.chart(key, snap, build, *options)
REPLACES_EVALUATION = True  # panels._evaluation draws evaluation() instead of the confusion matrix


def _dims() -> tuple[int, int]:
    return int(st.session_state.get("latent_x", 0)), int(st.session_state.get("latent_y", 1))


def output(snap: Snapshot, chart: Chart, height: int) -> None:
    """Beside the network: the latent space on the chosen two numbers."""
    dims = _dims()
    chart("chart_latent_top", snap, lambda: ae_charts.latent_figure(snap, dims, height=height), dims)


def units(snap: Snapshot, chart: Chart) -> None:
    views = snap.visuals.family
    size = views.codes.shape[1]
    if size > 2:
        pick = st.columns(2, gap="small")
        for col, key, default, axis in ((pick[0], "latent_x", 0, "across"), (pick[1], "latent_y", 1, "up")):
            if st.session_state.get(key) not in range(size):
                st.session_state[key] = default
            col.selectbox(f"Latent number {axis}", list(range(size)), key=key, persist_state=KEEP,
                          format_func=lambda d: f"z{d + 1}", help=f"Which of the {size} latent numbers to draw "
                          f"{axis} the latent space.")
    dims = _dims()
    cols = st.columns(2, gap="medium")
    with cols[0]:
        chart("chart_latent", snap, lambda: ae_charts.latent_figure(snap, dims), dims)
    with cols[1]:
        chart("chart_pca", snap, lambda: ae_charts.pca_figure(snap))
    base = views.baseline
    st.caption(f"Test points by their code, coloured by the label the network never saw; beside it, PCA's "
               f"projection. PCA with {base.components} axes rebuilds the test set with error {base.error:.3g}; "
               "the autoencoder's is on the Evaluation tab.")
    if views.interpolations is not None:
        names = snap.dataset.class_names
        anchors = [names[int(snap.dataset.y_test[i])] for i in views.anchors]
        pick = st.columns(2, gap="small")
        for col, key, default, end in ((pick[0], "interpolate_from", 0, "From"), (pick[1], "interpolate_to", 1, "To")):
            if st.session_state.get(key) not in range(len(anchors)):
                st.session_state[key] = min(default, len(anchors) - 1)
            col.selectbox(f"{end} test image", list(range(len(anchors))), key=key, persist_state=KEEP,
                          format_func=lambda i: f"the first {anchors[i]}",
                          help="The ends of the line through the latent space: the first test image of a class.")
        ends = (int(st.session_state["interpolate_from"]), int(st.session_state["interpolate_to"]))
        chart("chart_interpolation", snap, lambda: ae_charts.interpolation_figure(snap, *ends), ends)
    chart("chart_prior", snap, lambda: ae_charts.prior_figure(snap),
          empty="A plain autoencoder has no prior to sample: turn on variational in the latent code layer (⋮).")


def evaluation(snap: Snapshot, chart: Chart) -> None:
    cols = st.columns([1.4, 1], gap="medium")
    with cols[0]:
        chart("chart_reconstructions", snap, lambda: ae_charts.reconstruction_figure(snap))
    with cols[1]:
        chart("chart_reconstruction_curve", snap, lambda: ae_charts.reconstruction_curve_figure(snap))
    st.caption("Reconstructions of test examples the network never trained on; the dotted line is PCA's test "
               "error with as many axes as the code has numbers: the linear squeeze to beat.")
