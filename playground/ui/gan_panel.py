"""The GAN family's panels in the live view (panels.py calls them when a run's visuals carry GanViews):
the game itself in the output place (D's heatmap, real and generated points, G's gradient), the noise
grid through G in the Neurons tab, and both losses and the quality score in the Evaluation tab.
`chart` is panels.chart, which redraws a figure in place only when its snapshot moved on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ..families.gan import charts as gan_charts
from ..train.snapshot import Snapshot
from .widgets import KEEP

Chart = Callable[..., Any]  # panels.chart(key, snap, build, *options)


def output(snap: Snapshot, chart: Chart, height: int) -> None:
    """Where other families draw their decision surface: the game on the plane."""
    show = bool(st.session_state.get("gan_movement", True))
    chart("chart_gan_game", snap, lambda: gan_charts.game_figure(snap, show, height=height), show)
    st.toggle("Show G's gradient", key="gan_movement", value=True, persist_state=KEEP,
              help="A short line from each generated point in the direction the generator's next update moves "
                   "it (its loss's gradient on the point, reversed): it flows up the discriminator's slope.")


def units(snap: Snapshot, chart: Chart) -> None:
    chart("chart_gan_mesh", snap, lambda: gan_charts.mesh_figure(snap))
    st.caption("A grid of noise values (z1 and z2 from one edge of the noise to the other) mapped through the "
               "generator: where the grid stretches, G spreads its points thin; where it folds or crowds, it "
               "piles them up.")


def evaluation(snap: Snapshot, chart: Chart) -> None:
    cols = st.columns(2, gap="small")
    with cols[0]:
        chart("chart_gan_losses", snap, lambda: gan_charts.losses_figure(snap))
    with cols[1]:
        chart("chart_gan_quality", snap, lambda: gan_charts.quality_figure(snap))
    st.caption("Losses over all the points, generated ones from a fixed noise sample. Quality: the Jensen-Shannon "
               "divergence between histograms of real and generated points on a 12 x 12 grid (0: alike, 1: apart; "
               "two samples of the same points sit near 0.1), and for a ring or grid how many modes G covers.")
