"""The training loop for one spec, single-threaded: data + network + optimizer, advanced a
step at a time, with telemetry recorded every `record_every` steps.

The runner (runner.py) drives a Trainer from its own thread; the CLI drives one directly.
Same spec and seed give the same numbers, bit for bit, on the CPU.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..core import catalog
from ..core.devices import resolve_device
from ..core.rng import PrivateRandomState
from ..core.spec import Choice, Spec
from ..data.datasets import Dataset, load_dataset
from ..families import build_model, data_inputs, family_of
from .heads import make_head
from .system import OptimizerPlan, StepTools
from .telemetry import BoundedHistory, ParameterProbe, Record

_NO_RANDOMNESS = contextlib.nullcontext()  # reusable: StepTools.randomness() of a run that draws nothing
SMALL_MODEL = 200_000  # parameters; below this, CPU training uses one thread

# The default ("auto") record cadence. A record costs about as much as two training steps of a
# small network (a forward pass over all the data and a few dozen kernel launches), so records
# fall on whole epochs at least this many updates apart, which keeps their share of the time
# to ~2% (at 50 apart it was ~4%, too close to the 10% budget on a noisy machine)...
AUTO_RECORD_MIN_UPDATES = 100
AUTO_RECORD_MIN_RECORDS = 50  # ...unless a run would then get fewer records than this


def auto_record_every(steps_per_epoch: int, epochs: int) -> int:
    """Updates between records when telemetry.every_steps is 0 (auto): a whole number of epochs,
    at least AUTO_RECORD_MIN_UPDATES updates, unless that leaves fewer than
    AUTO_RECORD_MIN_RECORDS records in the run (a short or full-batch run records every epoch
    or so: its curve matters more than a few percent of a fraction of a second)."""
    epochs_apart = min(math.ceil(AUTO_RECORD_MIN_UPDATES / steps_per_epoch), epochs // AUTO_RECORD_MIN_RECORDS)
    return max(1, epochs_apart) * steps_per_epoch


def repeat_steps(step: Callable[[], object], finished: Callable[[], bool], max_steps: int, deadline: float,
                 keep_going: Callable[[], bool] | None) -> int:
    """Call step() up to `max_steps` times, until finished(), until time.perf_counter() passes
    `deadline`, or until keep_going() (checked after every step) is false. Returns the count."""
    taken = 0
    while taken < max_steps and not finished():
        step()
        taken += 1
        if time.perf_counter() >= deadline or (keep_going is not None and not keep_going()):
            break
    return taken


def _dropout_of(layer: Choice) -> float:
    """A layer's dropout probability: a Dropout layer's p, or the setting of a layer with dropout
    inside it (a Transformer's encoder block); 0 for the rest."""
    return layer["p"] if layer.name == "dropout" else layer.params.get("dropout", 0.0)


class Diverged(Exception):
    """Loss or weights became NaN/inf. The message says where and what to try."""

    def __init__(self, step: int, message: str):
        self.step = step
        super().__init__(message)


@dataclass
class Visuals:
    """The latest picture of the model (not kept over time; recomputed at most a few times a second).

    For plane data (2-D points):  grid_x (G,), grid_y (G,), surface (G, G) [row = y] or (G, G, K)
                                  for multiclass probabilities; neurons: per hidden dense layer (units, G, G).
    For line data (1-D x -> y):    grid_x (G,), surface (G,) predictions; neurons (units, G).
    For table data:                grid_* and surface are None.
    Always: weights / biases per dense layer ((out, in) / (out,)); test labels and predictions.
    """

    step: int
    grid_x: np.ndarray | None
    grid_y: np.ndarray | None
    surface: np.ndarray | None
    neurons: list[np.ndarray]
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    test_true: np.ndarray
    test_pred: np.ndarray
    family: Any = None  # what the model family draws of itself (families/: a CNN's ImageViews), or None


class Trainer:
    def __init__(self, spec: Spec, dataset: Dataset | None = None, uploads=None, allow_paths: bool = True,
                 history_points: int | None = None, layer_telemetry: bool = True):
        """allow_paths: whether data.name may be `csv:<any path on this machine>`. The CLI
        allows it; a server must not (a shared link could read its files).
        history_points: records kept before thinning (default: the spec's telemetry setting;
        the CLI keeps every record of a run).
        layer_telemetry: whether records measure the layers (gradient norms, update ratios,
        histograms: about half a record's cost). Without it a record holds the scores alone, and
        its layer statistics are NaN: what a sweep's variant needs."""
        self.spec = spec
        self._layer_telemetry = layer_telemetry
        self._lr_group = 0  # the first optimizer's param group whose learning rate records report
        self.dataset = ds = dataset if dataset is not None else load_dataset(spec.data, uploads, allow_paths)
        self.device = resolve_device(spec.train.device)
        self.head = make_head(spec.train.loss, ds.task, ds.n_classes, ds.y_train)
        self.network = build_model(spec.model, data_inputs(spec.model, ds), self.head.n_outputs, spec.train.seed,
                                   ds.task)
        self.module = self.network.module.to(self.device)
        if self.device.type == "cpu" and self.network.parameter_count() < SMALL_MODEL:
            # Playground models are tiny: handing a 4x10 matmul to a second thread costs far
            # more than it saves (measured 6 ms vs 200 ms an epoch on a busy 2-core machine).
            torch.set_num_threads(1)
        self.dense = self.network.dense_layers
        # What the family trains: its networks, optimizers and training step (system.py).
        self.system = family_of(spec.model).system(self.module, self.head)
        self.system.attach(spec, self.network, ds)
        self.loss_fn = getattr(self.system, "loss_fn", None)  # one loss of (output, target): the lab's landscape
        # Only dropout and batchnorm act differently in eval mode; switching modes walks every
        # module, which costs a record a third of its time on the tiny default network.
        self._mode_matters = any(c.name in ("dropout", "batchnorm") or _dropout_of(c) > 0 for c in spec.model.layers)
        groups = self.network.parameter_groups()  # what telemetry measures: the layers that hold weights
        # L1/L2 on the measured layers' weights, not biases: the dense layers, and a CNN's filters
        # (each optimizer's penalty covers those of them it updates).
        self.measured_weights = [w for group in groups for w in group.weights]

        to = dict(device=self.device)
        self.x_train = torch.as_tensor(ds.x_train, **to)  # (N, F)
        self.y_train = torch.as_tensor(ds.y_train, **to)  # (N,)
        self.t_train = self.head.targets(self.y_train)    # (N,) or (N, outputs): what the loss sees
        self.x_test = torch.as_tensor(ds.x_test, **to)
        self.y_test = torch.as_tensor(ds.y_test, **to)
        self.t_test = self.head.targets(self.y_test)
        # A record evaluates both splits in one forward pass: train rows, then test rows.
        self.x_all = torch.cat([self.x_train, self.x_test])
        self.y_all = torch.cat([self.y_train, self.y_test])
        self.t_all = torch.cat([self.t_train, self.t_test])

        train = spec.train
        n_train = len(ds.x_train)
        self.batch_size = min(train.batch_size, n_train)
        # BatchNorm cannot normalise a batch of one example: fold a lone last example into
        # the batch before it (the spec already refuses batch_size 1 with BatchNorm).
        self._fold_last = any(c.name == "batchnorm" for c in spec.model.layers) and n_train % self.batch_size == 1
        self.steps_per_epoch = math.ceil(n_train / self.batch_size) - (1 if self._fold_last else 0)
        self.total_steps = train.epochs * self.steps_per_epoch
        self.record_every = spec.telemetry.every_steps or auto_record_every(self.steps_per_epoch, train.epochs)
        self._watched = False  # copy the weights before every step, so any step can be recorded
        self._has_penalty = bool(train.l1 or train.l2)  # read once: train_step is the hot path
        self._grad_clip = train.grad_clip
        self.step = 0
        self._build_optimizers(train.optimizer)

        # Batch order comes from its own generator (CPU), so it is the same on any device;
        # dropout masks from a private copy of the global one (see core/rng.py).
        self.generator = torch.Generator().manual_seed(train.seed)
        has_dropout = any(_dropout_of(c) > 0 for c in spec.model.layers)
        random = has_dropout or self.system.draws_random_numbers
        self._private_rng = PrivateRandomState(self.device, train.seed) if random else None
        self._tools = StepTools(update=self._update, randomness=self._randomness)
        self._order: torch.Tensor | None = None
        self._position = 0
        self._weights_before: torch.Tensor | None = None  # (P_w,) flat copy from before a recorded step (probe)

        self.probe = ParameterProbe(groups, spec.telemetry.histogram_bins)
        self.history = BoundedHistory(history_points or spec.telemetry.history_points)
        self.lock = threading.Lock()  # guards history and visuals against a reading thread
        self.visuals: Visuals | None = None
        self.stop_reason = ""  # set when early stopping ends the run
        self._best = (math.inf, 0.0)  # (test loss, epoch)
        self._clock = (time.perf_counter(), 0)  # (time, step) at the last record
        self.record()

    # ------------------------------------------------------------------ optimizer

    def _build_optimizers(self, choice: Choice) -> None:
        """Every optimizer the system asks for, each with its own schedule (the spec's)."""
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.schedulers: dict[str, Any] = {}
        self._updated: dict[str, tuple[list[torch.nn.Parameter], list[torch.nn.Parameter]]] = {}
        for plan in self.system.optimizers(choice):
            self._build_optimizer(plan)
        self.optimizer_choice = choice

    def _build_optimizer(self, plan: OptimizerPlan, fused: bool = False) -> None:
        optimizer = catalog.build_optimizer(plan.choice.name, dict(plan.choice.params), plan.parameters, fused)
        remaining = max(1, self.total_steps - self.step)
        schedule = self.spec.train.schedule
        self.optimizers[plan.name] = optimizer
        self.schedulers[plan.name] = catalog.build_schedule(schedule.name, dict(schedule.params), optimizer,
                                                            self.steps_per_epoch, remaining)
        mine = {id(p) for p in plan.parameters}
        # (parameters it clips, measured weights it penalises)
        self._updated[plan.name] = (plan.parameters, [w for w in self.measured_weights if id(w) in mine])
        self._scheduled = [s for s in self.schedulers.values() if s is not None]  # stepped after every step

    def optimize_instead(self, parameters: list[torch.Tensor], fused: bool = False) -> None:
        """Rebuild the first optimizer, with its settings and a fresh schedule, over `parameters`:
        tensors that hold the model's weights in another layout (stacked.py: one flat row per
        network), with torch's fused implementation where it has one (catalog.build_optimizer).
        Its L1/L2 penalty is then the caller's to add, for this trainer no longer knows which of
        those entries are weights."""
        plan = self.system.optimizers(self.optimizer_choice)[0]
        self._build_optimizer(OptimizerPlan(plan.name, plan.choice, parameters), fused)

    def share_optimizer(self, optimizer: torch.optim.Optimizer, group: int) -> None:
        """Let `optimizer`, shared with other trainers, be the first optimizer; param group `group`
        holds this trainer's parameters (stacked.py: one optimizer for rows of one kind). Its
        caller steps it; this trainer only clips and keeps weights (prepare_update). Constant
        schedules only: a schedule would step every group."""
        name = next(iter(self.optimizers))
        if self.schedulers[name] is not None:
            raise ValueError("an optimizer with a schedule cannot be shared")
        self.optimizers[name] = optimizer
        self._lr_group = group

    @property
    def optimizer(self) -> torch.optim.Optimizer:
        """The first of the system's optimizers: the one the page's optimizer settings change."""
        return next(iter(self.optimizers.values()))

    @property
    def scheduler(self):
        return next(iter(self.schedulers.values()))

    def set_optimizer(self, choice: Choice) -> None:
        """Apply new optimizer settings mid-run. Same optimizer: its state (momentum, Adam's
        moments) is kept and only the hyper-parameters change. Another optimizer: fresh state."""
        if choice.name != self.optimizer_choice.name:
            self._build_optimizer(self.system.optimizers(choice)[0])
            self.optimizer_choice = choice
            return
        kwargs = catalog.optimizer_kwargs(dict(choice.params))
        old_lr = self.optimizer_choice["lr"]
        for group in self.optimizer.param_groups:
            for key, value in kwargs.items():
                if key != "lr":
                    group[key] = value
            # A schedule scales the base rate; keep its progress and rescale.
            ratio = kwargs["lr"] / old_lr
            for key in ("lr", "initial_lr", "max_lr", "min_lr"):
                if key in group:
                    group[key] *= ratio
        if self.scheduler is not None:
            self.scheduler.base_lrs = [lr * kwargs["lr"] / old_lr for lr in self.scheduler.base_lrs]
        self.optimizer_choice = choice

    # ------------------------------------------------------------------ training

    @property
    def epoch(self) -> float:
        return self.step / self.steps_per_epoch

    @property
    def finished(self) -> bool:
        return self.step >= self.total_steps or bool(self.stop_reason)

    def _next_batch(self) -> torch.Tensor:
        if self._order is None or self._position >= len(self._order):
            self._order = torch.randperm(len(self.x_train), generator=self.generator).to(self.device)
            self._position = 0
        size = self.batch_size
        if self._fold_last and len(self._order) - self._position == size + 1:
            size += 1
        batch = self._order[self._position:self._position + size]
        self._position += size
        return batch

    def train_step(self) -> float:
        """One mini-batch update (the system's training step). Returns the batch's first loss;
        raises Diverged when any loss is NaN/inf."""
        index, will_record = self.begin_step()
        xb, tb = self.x_train[index], self.t_train[index]  # (B, ...), (B, ...)
        losses = self.system.training_step(xb, tb, self._tools)
        return self.end_step({name: loss.item() for name, loss in losses.items()}, will_record)

    # A step in three parts, so that stacked.py can run the forward and backward passes of many
    # trainers as one and still leave each trainer's bookkeeping to the trainer:
    # begin_step -> (backward; prepare_update and the step, per optimizer) -> end_step.

    def begin_step(self) -> tuple[torch.Tensor, bool]:
        """The next batch's row indices (B,) and whether the step ends with a record."""
        index = self._next_batch()
        after = self.step + 1
        will_record = after % self.record_every == 0 or after == self.total_steps
        # The update-to-weight ratio needs the weights from before this step's first update.
        self._copy_weights = (will_record or self._watched) and self._layer_telemetry
        return index, will_record

    def end_step(self, losses: dict[str, float], will_record: bool) -> float:
        """After the updates: schedules, the step count, the divergence check (raises Diverged
        naming the first non-finite loss), and the record if one is due. Returns the first loss."""
        for scheduler in self._scheduled:
            scheduler.step()
        self.step += 1
        for name, value in losses.items():
            if not math.isfinite(value):
                raise Diverged(self.step, self._divergence_message(f"the {name.replace('_', ' ')}", value))
        if will_record:
            self.record()
        return next(iter(losses.values()))

    def _update(self, name: str, loss: torch.Tensor) -> None:
        """StepTools.update: one optimizer's step on `loss` (see system.py)."""
        self.optimizers[name].zero_grad(set_to_none=True)
        objective = loss + self._penalty(self._updated[name][1]) if self._has_penalty else loss
        objective.backward()
        self.prepare_update(name)
        self.optimizers[name].step()

    def prepare_update(self, name: str) -> None:
        """Before optimizer `name` steps (its gradients in place): clip them, and keep the weights a
        record will need."""
        if self._grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self._updated[name][0], self._grad_clip)
        if self._copy_weights:
            self._weights_before = self.probe.weights()
            self._copy_weights = False

    def _randomness(self):
        """StepTools.randomness: the run's own generator, where it has one (dropout, noise)."""
        return self._private_rng.active() if self._private_rng is not None else _NO_RANDOMNESS

    def _penalty(self, weights: list[torch.Tensor]) -> torch.Tensor:
        l1, l2 = self.spec.train.l1, self.spec.train.l2
        total = 0.0
        for w in weights:
            if l1:
                total = total + l1 * w.abs().sum()
            if l2:
                total = total + l2 * (w * w).sum()
        return total

    def _divergence_message(self, what: str, value: float) -> str:
        lr = self.optimizer.param_groups[self._lr_group]["lr"]
        hint = (f"the learning rate ({lr:g}) is probably too high for {self.optimizer_choice.name}: "
                f"try {lr / 10:g}")
        if self.spec.train.grad_clip <= 0:
            hint += ", or turn on gradient clipping"
        return (f"Training diverged: {what} became {value} at step {self.step} (epoch {self.epoch:.1f}). "
                f"{hint[0].upper()}{hint[1:]}.")

    def run(self, max_steps: int, deadline: float = math.inf, keep_going=None, record_last: bool = False) -> int:
        """Train up to `max_steps` steps, until time.perf_counter() passes `deadline`, or until
        `keep_going()` (checked after every step) is false. Returns the number of steps taken.
        Stops early when the run is finished. record_last: end with a record of where the last
        step led, however the run of steps ended (someone is watching it step by step)."""
        self.system.train()
        self.watch(record_last)
        try:
            taken = repeat_steps(self.train_step, lambda: self.finished, max_steps, deadline, keep_going)
        finally:
            self.watch(False)
        if record_last and taken:
            self.record_if_new()
        return taken

    def watch(self, watched: bool) -> None:
        """While watched, every step first copies the weights, so that a record can follow any
        step (record_if_new) with its update-to-weight ratio; a copy of a small network costs
        about 1% of a step."""
        self._watched = watched

    def record_if_new(self) -> Record | None:
        """Record now, unless the latest record is of this very step."""
        return self.record() if self.history.records[-1].step != self.step else None

    # ------------------------------------------------------------------ telemetry

    def record(self) -> Record:
        """Measure now and append to the history.

        Costs one forward pass over train + test together, a few dozen kernel launches and two
        host syncs (histogram ranges, then every number at once): about as much as one or two
        training steps of a small network (see AUTO_RECORD_MIN_UPDATES for the cadence).
        """
        n_groups = len(self.probe.groups)
        n_scores = 4 + len(self.system.extra_names)
        was_training = self.module.training
        if self._mode_matters:
            self.system.train(False)
        with torch.inference_mode():  # cheaper per op than no_grad: no autograd bookkeeping at all
            scores = self.system.scores(self.x_all, self.t_all, self.y_all, len(self.x_train))  # (4 + E,)
            if self._layer_telemetry:
                flat = self.probe.flat()  # (P,)
                maxima = self.probe.grow_ranges(flat)  # sync 1
                measured = self.probe.measure(flat, self._weights_before)  # (G*4 + 2G*bins,)
                numbers = torch.cat([scores, measured]).cpu().numpy()  # sync 2
            else:
                maxima = []
                numbers = np.concatenate([scores.cpu().numpy(), np.full(4 * n_groups, math.nan),
                                          np.zeros(2 * n_groups * self.probe.bins)])
        if self._mode_matters:
            self.system.train(was_training)
        self._weights_before = None
        stats = numbers[n_scores:n_scores + 4 * n_groups].reshape(n_groups, 4)
        counts = numbers[n_scores + 4 * n_groups:].reshape(2 * n_groups, -1)
        now = time.perf_counter()
        last_time, last_step = self._clock
        speed = (self.step - last_step) * self.batch_size / (now - last_time) if self.step > last_step else 0.0
        self._clock = (now, self.step)
        record = Record(
            step=self.step, epoch=self.epoch, lr=float(self.optimizer.param_groups[self._lr_group]["lr"]),
            train_loss=float(numbers[0]), train_metric=float(numbers[1]),
            test_loss=float(numbers[2]), test_metric=float(numbers[3]),
            examples_per_sec=speed, layer_stats=stats,
            weight_hist=list(counts[:n_groups]), bias_hist=list(counts[n_groups:]),
            scalars={name: float(v) for name, v in zip(self.system.extra_names, numbers[4:n_scores])},
        )
        with self.lock:
            for field, hists in (("weight_hist", self.probe.weight_histograms),
                                 ("bias_hist", self.probe.bias_histograms)):
                for i, hist in enumerate(hists):  # a range that just grew re-bins its past rows
                    if hist.needs_rebin:
                        hist.rebin([getattr(r, field)[i] for r in self.history.records])
                        self.history.rewrites += 1
            self.history.append(record)
        if not np.isfinite(maxima).all():
            raise Diverged(self.step, self._divergence_message("a weight", float("nan")))
        if not self._layer_telemetry and not math.isfinite(record.train_loss):  # no weights read: the scores tell
            raise Diverged(self.step, self._divergence_message("the train loss", record.train_loss))
        self._check_early_stopping(record)
        return record

    def _check_early_stopping(self, record: Record) -> None:
        patience = self.spec.train.early_stopping_patience
        if not patience:
            return
        best_loss, best_epoch = self._best
        if record.test_loss < best_loss:
            self._best = (record.test_loss, record.epoch)
        elif record.epoch - best_epoch >= patience:
            self.stop_reason = (f"Early stopping at epoch {record.epoch:.0f}: the test loss has not improved "
                                f"for {patience} epochs (best {best_loss:.4g} at epoch {best_epoch:.0f}).")

    @torch.no_grad()
    def compute_visuals(self) -> Visuals:
        """Decision surface, hidden-neuron maps, weights and test predictions, now."""
        was_training = self.module.training
        self.module.eval()
        ds = self.dataset
        grid_x = grid_y = surface = None
        neurons: list[np.ndarray] = []
        answers = self.system.answers_inputs  # a GAN's generator does not answer the data's inputs
        if answers and ds.geometry in ("plane", "line"):
            g = self.spec.telemetry.surface_resolution
            x0, x1, y0, y1 = ds.extent
            grid_x = np.linspace(x0, x1, g)
            if ds.geometry == "plane":
                grid_y = np.linspace(y0, y1, g)
                xx, yy = np.meshgrid(grid_x, grid_y)  # (G, G), row = y
                raw = np.stack([xx.ravel(), yy.ravel()], axis=1)  # (G*G, 2)
            else:
                raw = grid_x[:, None]  # (G, 1)
            out, hidden = self._forward_with_hidden(torch.as_tensor(ds.featurize(raw), device=self.device))
            values = self.head.probabilities(out).cpu().numpy()
            shape = (g, g) if ds.geometry == "plane" else (g,)
            surface = values.reshape(*shape, -1) if values.ndim == 2 else values.reshape(shape)
            neurons = [h.T.cpu().numpy().reshape(h.shape[1], *shape) for h in hidden]
        test_pred = self.head.predict(self.module(self.x_test)).cpu().numpy() if answers else np.zeros(0)
        views = family_of(self.spec.model).views
        family = views(self.module, ds, self.x_test, self.head, self.t_test) if views is not None \
            else self.system.views(ds)
        self.module.train(was_training)
        visuals = Visuals(
            step=self.step, grid_x=grid_x, grid_y=grid_y, surface=surface, neurons=neurons,
            weights=[layer.weight.detach().cpu().numpy().copy() for layer in self.dense],
            biases=[layer.bias.detach().cpu().numpy().copy() for layer in self.dense],
            test_true=self.dataset.y_test, test_pred=test_pred, family=family,
        )
        with self.lock:
            self.visuals = visuals
        return visuals

    def _forward_with_hidden(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Output (M, outputs) and each hidden dense layer's activations (M, units)."""
        taps = {str(int(name) + 1) for name in self.network.dense_names[:-1]}  # the activation after each
        hidden = []
        for name, module in self.module.named_children():
            x = module(x)
            if name in taps:
                hidden.append(x)
        return x, hidden
