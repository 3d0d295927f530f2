"""The training loop: it learns, it is deterministic, its telemetry numbers are right."""

import math
import time

import numpy as np
import pytest
import torch

from playground.core import catalog
from playground.core.devices import available_devices
from playground.core.params import SpecError
from playground.core.spec import MAX_PARAMETERS, Spec
from playground.families import build_model, plan_model
from playground.train.heads import make_head
from playground.train.snapshot import take_snapshot
from playground.train.telemetry import (
    BoundedHistory,
    GrowingHistogram,
    ParameterProbe,
    Record,
    bin_counts,
    flat_copy,
    parameter_groups,
)
from playground.train.trainer import Diverged, Trainer, auto_record_every


def spec_with(**overrides) -> Spec:
    return Spec().with_overrides(**overrides)


def test_learns_xor_from_a_fixed_seed():
    spec = spec_with(**{"data.name": "xor", "model.layers.0.units": 8, "model.layers.1.units": 4,
                        "train.optimizer.name": "adam", "train.optimizer.lr": 0.03, "train.epochs": 60})
    trainer = Trainer(spec)
    trainer.run(trainer.total_steps)
    assert trainer.history.records[-1].test_metric >= 0.9


def test_learns_circle_with_the_tensorflow_playground_defaults():
    trainer = Trainer(spec_with(**{"train.epochs": 100}))  # tanh 4-2, sgd 0.1, batch 10
    first = trainer.history.records[0]
    trainer.run(trainer.total_steps)
    last = trainer.history.records[-1]
    assert last.test_metric >= 0.95
    assert last.train_loss < first.train_loss / 3


def test_same_spec_and_seed_give_the_same_curve_bit_for_bit():
    spec = spec_with(**{"data.name": "spiral", "data.noise": 0.2, "train.epochs": 5,
                        "model.layers": [{"kind": "linear", "units": 8}, {"kind": "dropout", "p": 0.2},
                                         {"kind": "batchnorm"}, {"kind": "linear", "units": 4}],
                        "train.optimizer.name": "rmsprop", "train.l2": 1e-3})

    def curve():
        trainer = Trainer(spec)
        trainer.run(trainer.total_steps)
        return [(r.train_loss, r.test_loss, *r.layer_stats.ravel()) for r in trainer.history.records]

    a, b = curve(), curve()
    assert len(a) == 6
    np.testing.assert_array_equal(np.array(a), np.array(b))
    other = Trainer(spec.with_overrides(**{"train.seed": 1}))
    other.run(other.total_steps)
    assert other.history.records[-1].train_loss != a[-1][0]


def test_first_record_is_step_zero_before_any_update():
    trainer = Trainer(Spec())
    first = trainer.history.records[0]
    assert first.step == 0 and first.epoch == 0.0
    assert math.isnan(first.layer_stats[0, 0])  # no gradient yet
    with torch.no_grad():
        out = trainer.module.eval()(trainer.x_train)
        expected = torch.nn.functional.binary_cross_entropy_with_logits(out, trainer.t_train)
    assert first.train_loss == pytest.approx(float(expected), rel=1e-6)


def test_record_numbers_match_torch():
    trainer = Trainer(spec_with(**{"telemetry.every_steps": 7, "train.optimizer.momentum": 0.9}))
    for _ in range(6):
        trainer.train_step()
    before = [layer.weight.detach().clone() for layer in trainer.dense]
    trainer.train_step()  # step 7 records
    record = trainer.history.records[-1]
    assert record.step == 7
    for i, layer in enumerate(trainer.dense):
        grad_norm, grad_mean_abs, update_ratio, weight_norm = record.layer_stats[i]
        assert grad_norm == pytest.approx(float(torch.linalg.vector_norm(layer.weight.grad)), rel=1e-5)
        assert grad_mean_abs == pytest.approx(float(layer.weight.grad.abs().mean()), rel=1e-5)
        w = layer.weight.detach()
        change = torch.linalg.vector_norm(w - before[i]) / torch.linalg.vector_norm(w)
        assert update_ratio == pytest.approx(float(change), rel=1e-4)
        assert weight_norm == pytest.approx(float(torch.linalg.vector_norm(w)), rel=1e-5)
        assert record.weight_hist[i].sum() == layer.weight.numel()
        assert record.bias_hist[i].sum() == layer.bias.numel()
    with torch.no_grad():
        trainer.module.eval()
        out = trainer.module(trainer.x_test)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(out, trainer.t_test)
        accuracy = ((out[:, 0] > 0).long() == trainer.y_test).float().mean()
    assert record.test_loss == pytest.approx(float(loss), rel=1e-5)
    assert record.test_metric == pytest.approx(float(accuracy))


def _counts(values: torch.Tensor, limit: float, bins: int) -> np.ndarray:
    """One tensor's histogram row, binned as a record bins it."""
    n = len(values)
    return bin_counts(values, torch.full((n,), limit), torch.full((n,), bins / 2 / limit),
                      torch.zeros(n, dtype=torch.long), bins, 1).numpy()


def test_histogram_range_doubles_and_rebins_history_exactly():
    hist = GrowingHistogram(8, torch.tensor([0.1, -0.2]))
    assert hist.limit == 0.25
    values = torch.tensor([0.1, -0.2, 0.24, 0.0, -0.25])  # the bottom edge, not the (closed) top one
    rows = [_counts(values, hist.limit, hist.bins)]
    hist.grow_to(0.9)  # needs two doublings: 0.25 -> 0.5 -> 1.0
    hist.rebin(rows)
    assert hist.limit == 1.0
    np.testing.assert_array_equal(rows[0], _counts(values, hist.limit, hist.bins))  # same as binning afresh
    assert rows[0].sum() == 5


def test_weights_that_outgrow_their_range_rebin_the_whole_history():
    trainer = Trainer(spec_with(**{"train.optimizer.lr": 3.0, "train.epochs": 20, "telemetry.every_steps": 5}))
    limits = [h.limit for h in trainer.probe.histograms]
    trainer.run(trainer.total_steps)
    grown = [i for i, h in enumerate(trainer.probe.histograms) if h.limit > limits[i]]
    assert grown  # lr 3 blows some weights past their first range
    n_layers = len(trainer.dense)
    for i in grown:
        field, layer = ("weight_hist", i) if i < n_layers else ("bias_hist", i - n_layers)
        values = flat_copy(trainer.probe.segment_tensors[i]).numpy()  # the MLP: one layer's weight or bias
        assert all(getattr(r, field)[layer].sum() == values.size for r in trainer.history.records)  # none dropped
        latest = getattr(trainer.history.records[-1], field)[layer]
        expected, _ = np.histogram(values, bins=trainer.probe.bins, range=(-trainer.probe.histograms[i].limit,
                                                                          trainer.probe.histograms[i].limit))
        np.testing.assert_array_equal(latest, expected)


def test_bins_match_numpy_histogram_inside_the_range():
    values = torch.linspace(-0.99, 0.99, 101) ** 3
    for bins in (4, 8, 20):
        expected, _ = np.histogram(values.numpy(), bins=bins, range=(-1.0, 1.0))
        np.testing.assert_array_equal(_counts(values, 1.0, bins), expected)
    top_edge = _counts(torch.tensor([1.0, -1.0]), 1.0, 4)
    np.testing.assert_array_equal(top_edge, [1, 0, 0, 1])  # as torch.histc: the edges fall inside


def test_a_tiny_negative_weight_is_counted_below_zero():
    """-1e-15 + 1 is 1 in float32: binned as (value + limit) * scale it landed above zero."""
    tiny = torch.tensor([-1e-15, -1e-30, 1e-15, 0.0])
    np.testing.assert_array_equal(_counts(tiny, 1.0, 4), [0, 2, 2, 0])
    np.testing.assert_array_equal(_counts(tiny, 1.0, 4), np.histogram(tiny.double().numpy(), 4, (-1, 1))[0])


def test_probe_counts_each_tensor_on_its_own_range():
    layers = [torch.nn.Linear(3, 5), torch.nn.Linear(5, 2)]
    with torch.no_grad():
        layers[1].weight.mul_(40)  # far outside the first layer's range
    probe = ParameterProbe(parameter_groups(torch.nn.Sequential(*layers)), 8)
    flat = probe.flat()
    maxima = probe.grow_ranges(flat)
    measured = probe.measure(flat, None)
    counts = measured[4 * 2:].reshape(4, 8).numpy()
    for row, tensor, hist, biggest in zip(counts, probe.tensors, probe.histograms, maxima):
        assert biggest == pytest.approx(float(tensor.detach().abs().max()))
        expected, _ = np.histogram(tensor.detach().numpy(), bins=8, range=(-hist.limit, hist.limit))
        np.testing.assert_array_equal(row, expected)
    stats = measured[:8].reshape(2, 4).numpy()
    assert np.isnan(stats[:, :3]).all()  # no gradient and no earlier copy yet
    norms = [float(torch.linalg.vector_norm(layer.weight.detach())) for layer in layers]
    np.testing.assert_allclose(stats[:, 3], norms, rtol=1e-6)


def test_auto_cadence_records_whole_epochs_100_updates_apart_and_50_records_a_run():
    default = Trainer(Spec())  # 200 epochs of 25 updates
    assert default.steps_per_epoch == 25 and default.record_every == 100
    default.run(220)
    assert [r.step for r in default.history.records] == [0, 100, 200]
    assert Trainer(spec_with(**{"train.epochs": 100})).record_every == 50  # 2 epochs: still 50 records
    full_batch = Trainer(spec_with(**{"train.batch_size": 500}))  # one update an epoch
    assert full_batch.record_every == 4  # 100 updates apart would leave a 200-epoch run 2 records
    assert Trainer(spec_with(**{"train.epochs": 30})).record_every == 25  # a short run: every epoch
    assert Trainer(spec_with(**{"telemetry.every_steps": 7})).record_every == 7  # asked for: as asked
    assert auto_record_every(steps_per_epoch=100, epochs=1000) == 100  # long epochs: every epoch


def test_counted_steps_end_with_a_record_of_where_they_led():
    trainer = Trainer(Spec())
    trainer.run(3, record_last=True)
    last = trainer.history.records[-1]
    assert last.step == 3 and np.isfinite(last.layer_stats).all()  # the update ratio too
    trainer.run(10)  # not asked: only the cadence records
    assert trainer.history.records[-1].step == 3
    trainer.run(110, record_last=True)
    assert [r.step for r in trainer.history.records] == [0, 3, 100, 123]


def test_a_run_of_steps_cut_short_by_its_deadline_still_ends_with_a_record():
    trainer = Trainer(spec_with(**{"train.epochs": 1000}))
    taken = trainer.run(10**6, deadline=time.perf_counter() + 0.05, record_last=True)  # a paced chunk
    assert 0 < taken < 10**6
    last = trainer.history.records[-1]
    assert last.step == trainer.step == taken and np.isfinite(last.layer_stats).all()


@pytest.mark.parametrize("task, loss, outputs", [
    ("multiclass", "cross_entropy", 10), ("binary", "cross_entropy", 2), ("binary", "bce", 1),
    ("multiclass", "mse", 3), ("regression", "huber", 1),
])
def test_split_scores_match_torch_on_each_split(task, loss, outputs):
    generator = torch.Generator().manual_seed(0)
    n_classes = {"regression": 0, "binary": 2}.get(task, outputs)
    y = (torch.randn(30, generator=generator) if task == "regression"
         else torch.randint(0, max(n_classes, 2), (30,), generator=generator))
    head = make_head(loss, task, n_classes, y.numpy())
    out, t = torch.randn(30, outputs, generator=generator) * 3, head.targets(y)
    scores = head.split_scores(out, t, y, 20)
    loss_fn = head.make_loss()
    for offset, rows in ((0, slice(0, 20)), (2, slice(20, 30))):
        assert float(scores[offset]) == pytest.approx(float(loss_fn(out[rows], t[rows])), rel=1e-5)
        assert float(scores[offset + 1]) == pytest.approx(float(head.metric(out[rows], y[rows])), rel=1e-5)


def test_tied_logits_count_as_the_first_class_not_as_right():
    head = make_head("cross_entropy", "multiclass", 3)
    y = torch.tensor([0, 1, 2, 0])
    scores = head.split_scores(torch.zeros(4, 3), head.targets(y), y, 2)  # a zero-initialised network
    assert float(scores[1]) == 0.5 and float(scores[3]) == 0.5  # argmax picks class 0
    assert float(scores[0]) == pytest.approx(math.log(3))


def test_bounded_history_thins_old_points_and_keeps_step_zero():
    history = BoundedHistory(100)
    for step in range(10_000):
        history.append(Record(step, 0, 0, 0, 0, 0, 0, 0, np.zeros((1, 4))))
    steps = [r.step for r in history.records]
    assert len(steps) <= 100
    assert steps[0] == 0 and steps[-1] == 9999
    assert steps == sorted(steps)
    assert steps[-1] - steps[-2] == 1  # recent points stay dense


def test_long_runs_keep_memory_bounded():
    trainer = Trainer(spec_with(**{"telemetry.history_points": 100, "telemetry.every_steps": 1,
                                   "train.epochs": 40}))
    trainer.run(trainer.total_steps)
    assert trainer.step == 1000
    assert len(trainer.history) <= 100
    assert trainer.history.records[-1].step == 1000


def test_divergence_is_reported_with_the_step_and_a_remedy():
    spec = spec_with(**{"data.name": "plane", "train.optimizer.lr": 10.0, "train.loss": "mse",
                        "model.layers.0.activation": "relu", "model.layers.1.activation": "relu"})
    trainer = Trainer(spec)
    with pytest.raises(Diverged) as caught:
        trainer.run(trainer.total_steps)
    message = str(caught.value)
    assert f"step {caught.value.step}" in message
    assert "learning rate (10)" in message and "try 1" in message and "gradient clipping" in message


def test_gradient_clipping_bounds_the_gradient_norm():
    spec = spec_with(**{"data.name": "plane", "train.grad_clip": 0.01, "telemetry.every_steps": 1})
    trainer = Trainer(spec)
    trainer.run(5)
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad)
                                                  for p in trainer.module.parameters()]))
    assert float(total) <= 0.01 * 1.0001


def test_l1_penalty_shrinks_weights():
    def weight_norm(**extra):
        trainer = Trainer(spec_with(**{"train.epochs": 20, **extra}))
        trainer.run(trainer.total_steps)
        return trainer.history.records[-1].layer_stats[:, 3].sum()

    assert weight_norm(**{"train.l1": 0.01}) < 0.8 * weight_norm()


def test_early_stopping_ends_the_run_with_a_reason():
    spec = spec_with(**{"data.name": "gauss", "data.noise": 0.9, "data.n_samples": 60,
                        "model.layers": [{"kind": "linear", "units": 64, "activation": "relu"}] * 2,
                        "train.optimizer.name": "adam", "train.optimizer.lr": 0.01,
                        "train.epochs": 2000, "train.early_stopping_patience": 10})
    trainer = Trainer(spec)
    trainer.run(trainer.total_steps)
    assert trainer.finished and trainer.step < trainer.total_steps
    assert "Early stopping" in trainer.stop_reason and "10 epochs" in trainer.stop_reason


@pytest.mark.parametrize("name", list(catalog.SCHEDULES))
def test_schedules_move_the_learning_rate_as_described(name):
    trainer = Trainer(spec_with(**{"train.schedule.name": name, "train.epochs": 20,
                                   **({"train.schedule.step_epochs": 5} if name == "step" else {})}))
    trainer.run(trainer.total_steps)
    lrs = [r.lr for r in trainer.history.records]
    if name == "constant":
        assert set(lrs) == {0.1}
    elif name == "onecycle":
        peak = int(np.argmax(lrs))
        assert 0 < peak < len(lrs) - 1 and lrs[-1] < lrs[0]
    else:
        assert lrs[-1] < lrs[0] and all(b <= a + 1e-12 for a, b in zip(lrs, lrs[1:]))


def test_changing_the_learning_rate_mid_run_keeps_the_weights_and_state():
    trainer = Trainer(spec_with(**{"train.optimizer.momentum": 0.9}))
    trainer.run(30)
    weights = [p.detach().clone() for p in trainer.module.parameters()]
    momentum = [trainer.optimizer.state[p]["momentum_buffer"].clone() for p in trainer.module.parameters()]
    choice = trainer.spec.with_overrides(**{"train.optimizer.lr": 0.3}).train.optimizer
    trainer.set_optimizer(choice)
    assert trainer.optimizer.param_groups[0]["lr"] == 0.3
    for p, w, m in zip(trainer.module.parameters(), weights, momentum):
        assert torch.equal(p, w) and torch.equal(trainer.optimizer.state[p]["momentum_buffer"], m)
    trainer.run(trainer.record_every)  # as far as the next record, at least
    latest = trainer.history.records[-1]
    assert latest.step > 30 and latest.lr == 0.3


def test_changing_lr_under_a_schedule_rescales_it():
    trainer = Trainer(spec_with(**{"train.schedule.name": "exponential", "train.schedule.gamma": 0.5}))
    trainer.run(50)
    before = trainer.optimizer.param_groups[0]["lr"]
    trainer.set_optimizer(trainer.spec.with_overrides(**{"train.optimizer.lr": 0.2}).train.optimizer)
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(2 * before)
    trainer.run(1)
    assert trainer.optimizer.param_groups[0]["lr"] < 2 * before  # still decaying


def test_switching_optimizer_mid_run_keeps_weights():
    trainer = Trainer(Spec())
    trainer.run(10)
    weights = [p.detach().clone() for p in trainer.module.parameters()]
    trainer.set_optimizer(Spec().with_overrides(**{"train.optimizer.name": "adam"}).train.optimizer)
    assert isinstance(trainer.optimizer, torch.optim.Adam)
    assert all(torch.equal(p, w) for p, w in zip(trainer.module.parameters(), weights))


@pytest.mark.parametrize("task, loss, n_classes, outputs", [
    ("binary", "bce", 2, 1), ("binary", "cross_entropy", 2, 2), ("binary", "mse", 2, 1),
    ("multiclass", "cross_entropy", 3, 3), ("multiclass", "huber", 4, 4), ("regression", "mae", 0, 1),
])
def test_heads_shape_outputs_and_targets(task, loss, n_classes, outputs):
    head = make_head(loss, task, n_classes, np.array([1.0, 3.0]))
    assert head.n_outputs == outputs
    y = torch.tensor([0, 1, 1]) if task != "regression" else torch.tensor([1.0, 2.0, 3.0])
    out = torch.randn(3, outputs)
    value = head.make_loss()(out, head.targets(y))
    assert value.ndim == 0 and torch.isfinite(value)
    assert head.predict(out).shape == (3,)


@pytest.mark.parametrize("task, loss, words", [
    ("regression", "cross_entropy", "regression task"),
    ("regression", "bce", "two classes"),
    ("multiclass", "bce", "two classes"),
])
def test_losses_that_do_not_fit_the_task_say_why(task, loss, words):
    with pytest.raises(SpecError) as caught:
        make_head(loss, task, 3)
    assert caught.value.errors[0][0] == "train.loss" and words in str(caught.value)


def test_loss_mismatch_is_caught_when_a_run_is_built():
    with pytest.raises(SpecError, match="train.loss"):
        Trainer(spec_with(**{"data.name": "sine", "train.loss": "cross_entropy"}))


def test_r2_metric_matches_its_definition():
    head = make_head("mse", "regression", 0, np.array([0.0, 10.0]))
    y = torch.tensor([1.0, 2.0, 4.0])
    out = ((torch.tensor([1.5, 2.0, 3.0]) - head.y_mean) / head.y_std).unsqueeze(1)
    expected = 1 - ((y - torch.tensor([1.5, 2.0, 3.0])) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert float(head.metric(out, y)) == pytest.approx(float(expected), rel=1e-5)


def test_parameter_count_matches_the_built_model_and_the_limit_is_enforced():
    spec = spec_with(**{"model.layers": [{"kind": "linear", "units": 16}, {"kind": "batchnorm"},
                                         {"kind": "dropout"}, {"kind": "linear", "units": 8},
                                         {"kind": "layernorm"}]})
    network = build_model(spec.model, 5, 3, seed=0)
    plan = plan_model(spec.model, 5, 3)
    assert network.parameter_count() == plan.parameters and plan.widths == network.widths == [5, 16, 8, 3]
    built = [n for n in (sum(p.numel() for p in m.parameters()) for m in network.module.children()) if n]
    assert built == [p.parameters for p in plan.layers if p.parameters]  # layer by layer, in order
    assert [p.shape for p in plan.layers] == [(16,), (16,), (16,), (8,), (8,), (3,)]
    assert [p.label for p in plan.layers] == ["hidden 1", "batchnorm", "dropout", "hidden 2", "layernorm", "output"]
    big = spec_with(**{"model.layers": [{"kind": "linear", "units": 256}] * 12})
    assert plan_model(big.model, 2000, 1).problems[0][0] == "model.layers"
    with pytest.raises(SpecError, match=f"limit is {MAX_PARAMETERS:,}") as refused:
        build_model(big.model, 2000, 1, seed=0)
    assert refused.value.errors == list(plan_model(big.model, 2000, 1).problems)  # the sidebar shows the same


def test_zero_init_keeps_hidden_units_identical():
    trainer = Trainer(spec_with(**{"model.init": "zeros", "model.layers.0.units": 4}))
    trainer.run(100)
    w = trainer.dense[1].weight.detach()  # (2, 4): every unit of the first layer is the same
    assert torch.allclose(w, w[:, :1].expand_as(w))


@pytest.mark.parametrize("init", list(catalog.INITS))
def test_every_init_builds_and_is_seeded(init):
    spec = spec_with(**{"model.init": init, "model.init_std": 0.5})
    a = build_model(spec.model, 2, 1, seed=3).module.state_dict()
    b = build_model(spec.model, 2, 1, seed=3).module.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def _first_layer(init: str, activation: str = "relu", std: float = 0.5) -> torch.nn.Linear:
    """The first dense layer of a 256 -> 256 -> 1 network: 65,536 weights, enough to measure."""
    spec = spec_with(**{"model.init": init, "model.init_std": std,
                        "model.layers": [{"kind": "linear", "units": 256, "activation": activation}]})
    module = build_model(spec.model, 256, 1, seed=0).module
    return next(m for m in module.modules() if isinstance(m, torch.nn.Linear))


@pytest.mark.parametrize("init, spread, bound", [
    # (std the weights must have, the largest |w| they may reach; None: no bound, a normal)
    ("default", 1 / math.sqrt(256) / math.sqrt(3), 1 / math.sqrt(256)),  # U(±1/√fan_in)
    ("normal", 0.5, None),  # N(0, σ²) with σ = model.init_std
    ("xavier", math.sqrt(2) * math.sqrt(6 / 512) / math.sqrt(3), math.sqrt(2) * math.sqrt(6 / 512)),  # relu gain √2
    ("kaiming", math.sqrt(2 / 256), None),  # N(0, 2/fan_in)
])
def test_each_init_draws_the_distribution_it_names(init, spread, bound):
    layer = _first_layer(init)
    w = layer.weight.detach()
    assert float(w.mean()) == pytest.approx(0.0, abs=0.05 * spread)  # the mean's own std: spread / 256
    assert float(w.std()) == pytest.approx(spread, rel=0.03)
    if bound is not None:  # uniform: never beyond its bound (= √3 std)
        assert float(w.abs().max()) <= bound
    else:  # normal: of 65,536 draws some lie beyond 3 std, where no uniform of that std reaches
        assert float(w.abs().max()) > 3 * spread
    if init != "default":  # ours zero the biases; PyTorch's default draws them too
        assert torch.count_nonzero(layer.bias) == 0


def test_zero_init_is_all_zeros():
    layer = _first_layer("zeros")
    assert torch.count_nonzero(layer.weight) == 0 and torch.count_nonzero(layer.bias) == 0


def test_absent_device_is_a_clear_error():
    missing = next((d for d in ("cuda", "mps") if d not in available_devices()), None)
    if missing is None:
        pytest.skip("every device is present here")
    with pytest.raises(SpecError) as caught:
        Trainer(spec_with(**{"train.device": missing}))
    assert caught.value.errors[0][0] == "train.device"
    assert "not available on this machine" in str(caught.value)


def test_visuals_cover_the_plane_and_every_hidden_unit():
    spec = spec_with(**{"telemetry.surface_resolution": 12})
    trainer = Trainer(spec)
    visuals = trainer.compute_visuals()
    assert visuals.surface.shape == (12, 12)
    assert 0.0 <= visuals.surface.min() and visuals.surface.max() <= 1.0
    assert [n.shape for n in visuals.neurons] == [(4, 12, 12), (2, 12, 12)]
    assert [w.shape for w in visuals.weights] == [(4, 2), (2, 4), (1, 2)]
    x0, x1, y0, y1 = trainer.dataset.extent
    assert visuals.grid_x[0] == x0 and visuals.grid_y[-1] == y1
    # The surface is the model's own P(class 1) at each grid point (row = y, column = x), and
    # each neuron map the activation of its unit there (after some training: not the init's).
    trainer.run(200)
    visuals = trainer.compute_visuals()
    rows, cols = np.meshgrid(np.arange(12), np.arange(12), indexing="ij")
    points = np.stack([visuals.grid_x[cols.ravel()], visuals.grid_y[rows.ravel()]], axis=1)  # (144, 2)
    trainer.module.eval()
    with torch.no_grad():
        features = torch.as_tensor(trainer.dataset.featurize(points))
        expected = trainer.head.probabilities(trainer.module(features)).numpy().reshape(12, 12)
        first_hidden = trainer.module[:2](features).numpy()  # Linear, then its activation: (144, 4)
    np.testing.assert_allclose(visuals.surface, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(visuals.neurons[0], first_hidden.T.reshape(4, 12, 12), rtol=1e-5, atol=1e-6)


def test_snapshot_is_a_detached_copy():
    trainer = Trainer(Spec())
    trainer.run(50)
    trainer.compute_visuals()
    snap = take_snapshot(trainer, "paused", "")
    rows = len(snap.history)
    trainer.run(50)
    assert len(snap.history) == rows
    assert snap.metric == "acc" and {"train_acc", "test_acc"} <= set(snap.history.columns)
    assert snap.layers.groupby("step").size().eq(3).all()
    for i, counts in enumerate(snap.weight_counts):
        assert (counts.sum(axis=1) == trainer.dense[i].weight.numel()).all()


def test_batchnorm_never_sees_a_batch_of_one():
    # 502 points, half for training = 251 = 25 batches of 10 and one lone example.
    spec = spec_with(**{"data.name": "gauss", "data.n_samples": 502,
                        "model.layers": [{"kind": "linear", "units": 4}, {"kind": "batchnorm"}]})
    trainer = Trainer(spec)
    assert len(trainer.x_train) % 10 == 1
    assert trainer.steps_per_epoch == len(trainer.x_train) // 10
    trainer.run(3 * trainer.steps_per_epoch)  # used to raise "Expected more than 1 value per channel"
    assert trainer.epoch == 3.0


def test_dropout_masks_belong_to_the_run_not_to_the_process():
    spec = spec_with(**{"model.layers": [{"kind": "linear", "units": 8}, {"kind": "dropout", "p": 0.5},
                                         {"kind": "linear", "units": 4}], "train.epochs": 2})
    alone = Trainer(spec)
    alone.run(alone.total_steps)
    disturbed = Trainer(spec)
    disturbed.run(5)
    build_model(spec.model, 2, 1, seed=123)  # another session builds a model: re-seeds torch
    torch.rand(100)  # and draws from the global generator
    disturbed.run(disturbed.total_steps)
    assert [r.train_loss for r in disturbed.history.records] == [r.train_loss for r in alone.history.records]


def test_the_optimizer_helper_checks_settings_across_fields():
    from playground.core.spec import optimizer

    with pytest.raises(SpecError, match="optimizer.nesterov: Nesterov needs momentum"):
        optimizer("sgd", nesterov=True)


def test_records_without_layer_telemetry_hold_the_same_scores_and_still_catch_divergence():
    spec = Spec().with_overrides(**{"train.epochs": 5})
    full, scores_only = Trainer(spec), Trainer(spec, layer_telemetry=False)
    full.run(10**9)
    scores_only.run(10**9)
    a, b = full.history.records, scores_only.history.records
    assert [r.step for r in a] == [r.step for r in b]
    for x, y in zip(a, b):  # training is the same: the layer measurements never touch it
        assert (x.train_loss, x.test_loss, x.train_metric, x.test_metric) == \
            (y.train_loss, y.test_loss, y.train_metric, y.test_metric)
        assert np.isnan(y.layer_stats).all() and y.layer_stats.shape == x.layer_stats.shape
    assert np.isfinite(a[-1].layer_stats).all()
    # lr 10 on a regression blows up; the scores say so where no weight is read.
    blows_up = Spec().with_overrides(**{"data.name": "sine", "train.optimizer.lr": 10, "train.epochs": 3,
                                        "telemetry.every_steps": 1})
    with pytest.raises(Diverged, match="Training diverged"):
        Trainer(blows_up, layer_telemetry=False).run(10**9)
