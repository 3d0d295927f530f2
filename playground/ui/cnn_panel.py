"""The CNN family's panels in the live view (panels.py calls them when a run's visuals carry a
CNN's views): its units (first-layer filters and the feature maps of a test image the user
picks) in the Neurons tab, and the gallery of test images in the Evaluation tab. `chart` is
panels.chart, which redraws a figure in place only when its snapshot moved on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ..families.cnn import charts as cnn_charts
from ..families.cnn.views import ImageViews
from ..train.snapshot import Snapshot
from .widgets import KEEP

Chart = Callable[..., Any]  # panels.chart(key, snap, build, *options)


def shows(snap: Snapshot) -> bool:
    """Whether this run's visuals carry a CNN's views (other families draw other things)."""
    return snap.visuals is not None and isinstance(snap.visuals.family, ImageViews)


def units(snap: Snapshot, chart: Chart) -> None:
    """A CNN's units: its first-layer filters, and the feature maps of a test image it picks."""
    views = snap.visuals.family
    traced = len(views.maps)
    if st.session_state.get("feature_maps_image") not in range(traced):
        st.session_state["feature_maps_image"] = 0
    names = snap.dataset.class_names
    cols = st.columns([1, 2.2], gap="medium")
    with cols[0]:
        chart("chart_filters", snap, lambda: cnn_charts.filters_figure(snap))
        st.caption("Each tile is one filter of the first conv layer: the pattern of pixels it responds to. "
                   "They start as noise and turn into strokes and edges as the network learns.")
    with cols[1]:
        # A menu, not buttons: ten classes' names (Fashion-MNIST's "Ankle boot") overflow a row of buttons.
        index = st.selectbox(
            "Test image", list(range(traced)), key="feature_maps_image", persist_state=KEEP, width=260,
            format_func=lambda i: f"{i + 1} · {names[int(snap.dataset.y_test[i])]}" if names else str(i + 1),
            help="Which of the first test images (the gallery's first row, in the Evaluation tab) to follow "
                 "through the network; its true class after the dot.")
        chart("chart_feature_maps", snap, lambda: cnn_charts.feature_maps_figure(snap, index), index)


def gallery(snap: Snapshot, chart: Chart) -> None:
    chart("chart_gallery", snap, lambda: cnn_charts.gallery_figure(snap))
