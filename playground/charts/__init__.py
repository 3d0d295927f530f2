"""Charts: pure functions from a Snapshot (or a Dataset) to a Figure (plain data for plotly.js; see
figure.py). No streamlit here.

Functions that have nothing to draw for a run (a decision surface for table data, a
confusion matrix for regression, anything before the first visuals) return None.
"""

from .curves import downsample, loss_figure, lr_figure, metric_figure
from .evaluation import (
    class_scores_figure,
    confusion_matrix_figure,
    prediction_scatter_figure,
    r2_text,
    residuals_figure,
)
from .lab import landscape_line_figure, landscape_surface_figure, race_curves_figure
from .layers import (
                     gradient_bars_figure,
                     gradient_norm_figure,
                     update_ratio_figure,
                     weight_evolution_figure,
                     weight_histogram_figure,
)
from .network import network_figure
from .neurons import neuron_maps_figure
from .paths import paths_animation_figure, paths_figure, paths_loss_figure
from .preview import data_preview_figure
from .style import (
                     CLASS_COLORS,
                     DIVERGING,
                     NEGATIVE,
                     OPTIMIZER_COLORS,
                     POSITIVE,
                     SPLIT_COLORS,
                     TEST,
                     TRAIN,
                     base_layout,
                     message_figure,
)
from .surface import decision_surface_figure

__all__ = [
    "downsample", "loss_figure", "metric_figure", "lr_figure",
    "weight_histogram_figure", "weight_evolution_figure", "gradient_norm_figure", "gradient_bars_figure",
    "update_ratio_figure",
    "decision_surface_figure", "neuron_maps_figure", "network_figure", "data_preview_figure",
    "confusion_matrix_figure", "prediction_scatter_figure", "class_scores_figure", "residuals_figure", "r2_text",
    "race_curves_figure", "paths_figure", "paths_loss_figure", "paths_animation_figure",
    "landscape_line_figure", "landscape_surface_figure",
    "CLASS_COLORS", "DIVERGING", "NEGATIVE", "POSITIVE", "OPTIMIZER_COLORS", "SPLIT_COLORS", "TRAIN", "TEST",
    "base_layout", "message_figure",
]
