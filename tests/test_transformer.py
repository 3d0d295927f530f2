"""The Transformer slice of sequence models: token tasks (copy, reverse: a token per position), the
"tokens" task of the head (per-position cross-entropy, token accuracy), the transformer family
(embedding + positions, torch encoder blocks, a prediction at every position) and its views."""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from apptest_support import charts, errors, started, step_of
from streamlit.testing.v1 import AppTest

from playground.charts import confusion_matrix_figure
from playground.cli import main
from playground.core.params import SpecError
from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.data.datasets import dataset_catalog, load_dataset
from playground.data.generators import TOKENS, copy_tokens, reverse_tokens
from playground.families import build_model, data_inputs, plan_model
from playground.families.transformer import charts as transformer_charts
from playground.families.transformer.model import EncoderBlock, sinusoidal_positions
from playground.families.transformer.views import attention_views
from playground.train.heads import make_head
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Trainer

V = len(TOKENS)
APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _spec(*layers: dict, **overrides) -> Spec:
    values = {"model.family": "transformer", "data.name": "copy", "data.n_samples": 200}
    if layers:
        values["model.layers"] = list(layers)
    return Spec().with_overrides(**{**values, **overrides})


def _embedding(width: int = 16, positional: str = "learned") -> dict:
    return {"kind": "embedding", "width": width, "positional": positional}


def _encoder(heads: int = 2, feedforward: int = 24, causal: bool = False, dropout: float = 0.0) -> dict:
    return {"kind": "encoder", "heads": heads, "feedforward": feedforward, "causal": causal, "dropout": dropout}


# --------------------------------------------------------------------------- data

@pytest.mark.parametrize("generator, mirror", [(copy_tokens, False), (reverse_tokens, True)])
def test_a_token_task_is_one_hot_tokens_in_and_a_token_per_position_out(generator, mirror):
    X, y = generator(40, 0.0, np.random.default_rng(1), length=7)
    assert X.shape == (40, 7 * V) and y.shape == (40, 7) and y.dtype == np.int64
    steps = X.reshape(40, 7, V)
    assert set(np.unique(steps)) == {0.0, 1.0} and (steps.sum(axis=2) == 1).all()  # one hot
    tokens = steps.argmax(axis=2)
    np.testing.assert_array_equal(y, tokens[:, ::-1] if mirror else tokens)
    again = generator(40, 0.0, np.random.default_rng(1), length=7)
    assert np.array_equal(X, again[0]) and np.array_equal(y, again[1])  # a pure function of the seed


def test_a_token_data_set_keeps_its_tokens_unstandardised_and_takes_the_sequence_length():
    ds = load_dataset(Spec().with_overrides(**{"data.name": "reverse", "data.sequence_length": 5,
                                               "data.n_samples": 100}).data)
    assert ds.task == "tokens" and ds.class_names == TOKENS and ds.n_classes == V
    assert ds.sequence_shape == (5, V) and ds.y_train.shape == (50, 5) and ds.y_test.shape == (50, 5)
    assert set(np.unique(ds.x_train)) == {0.0, 1.0}  # 0/1, as generated: the embedding is a table
    tokens = ds.x_test.reshape(-1, 5, V).argmax(axis=2)
    np.testing.assert_array_equal(ds.y_test, tokens[:, ::-1])  # the split kept rows whole
    entry = dataset_catalog()["copy"]
    assert entry.task == "tokens" and entry.uses_sequence_length and not entry.uses_noise


# --------------------------------------------------------------------------- the head

def test_per_token_loss_and_accuracy_equal_a_direct_computation():
    torch.manual_seed(0)
    out = torch.randn(6, 5, V)  # (N, T, V)
    y = torch.randint(0, V, (6, 5))  # (N, T)
    y[0] = out[0].argmax(dim=-1)  # one sequence all right
    head = make_head("auto", "tokens", V)
    assert head.loss_name == "cross_entropy" and head.n_outputs == V and head.metric_name == "acc"
    t = head.targets(y)
    direct = F.cross_entropy(out.permute(0, 2, 1), y)  # torch's own (N, V, T) form
    assert torch.allclose(head.make_loss()(out, t), direct)
    right = (out.argmax(dim=-1) == y).float()
    scores = head.split_scores(out, t, y, n_train=4)
    per_row = F.cross_entropy(out.permute(0, 2, 1), y, reduction="none").mean(dim=1)  # (N,)
    expected = torch.stack([per_row[:4].mean(), right[:4].mean(), per_row[4:].mean(), right[4:].mean()])
    assert torch.allclose(scores, expected, atol=1e-6)
    assert torch.equal(head.predict(out), out.argmax(dim=-1)) and head.metric(out, y) == right.mean()


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_a_loss_that_does_not_fit_tokens_is_refused_naming_train_loss(loss):
    with pytest.raises(SpecError) as refused:
        make_head(loss, "tokens", V)
    assert refused.value.errors[0][0] == "train.loss"


def test_a_record_carries_sequence_accuracy_next_to_token_accuracy():
    trainer = Trainer(_spec(_embedding(), _encoder(), **{"train.epochs": 1}))
    out = trainer.module(trainer.x_all)
    whole = (out.argmax(dim=-1) == trainer.y_all).all(dim=1).float()
    record = trainer.record()
    n = len(trainer.x_train)
    assert record.scalars["train_sequence_acc"] == pytest.approx(float(whole[:n].mean()))
    assert record.scalars["test_sequence_acc"] == pytest.approx(float(whole[n:].mean()))


# --------------------------------------------------------------------------- plan and build

@pytest.mark.parametrize("positional", ["learned", "sinusoidal", "none"])
@pytest.mark.parametrize("extra", [[], [{"kind": "linear", "units": 12, "activation": "relu"}]])
def test_the_plan_gives_every_layer_its_shape_and_torch_s_parameter_count(positional, extra):
    spec = _spec(_embedding(24, positional), _encoder(4, 40), _encoder(3, 16, causal=True), *extra)
    plan = plan_model(spec.model, (9, V), V, "tokens")
    assert not plan.problems, plan.problems
    network = build_model(spec.model, (9, V), V, seed=0, task="tokens")
    children = list(network.module.children())
    assert [layer.shape for layer in plan.layers] == [(9, 24), (9, 24), (9, 24), *[(9, 12)] * len(extra), (9, V)]
    built = {"embedding": children[1], "block 1": children[2], "block 2": children[3]}
    for layer in plan.layers:
        if layer.label in built:
            assert layer.parameters == sum(p.numel() for p in built[layer.label].parameters()), layer.label
    assert plan.parameters == network.parameter_count()
    assert isinstance(children[2], torch.nn.TransformerEncoderLayer) and children[3].causal
    out = network.module(torch.randn(5, 9 * V))
    assert out.shape == (5, 9, V)  # a prediction at every position


def test_a_build_is_bit_identical_per_seed():
    spec = _spec(_embedding(), _encoder())
    a, b, c = (build_model(spec.model, (6, V), V, seed=s).module.state_dict() for s in (3, 3, 4))
    assert all(torch.equal(a[k], b[k]) for k in a) and not all(torch.equal(a[k], c[k]) for k in a)


def test_sinusoidal_positions_follow_the_formula():
    positions = sinusoidal_positions(7, 6)
    for t in range(7):
        for i in range(3):
            angle = t / 10000 ** (2 * i / 6)
            assert positions[t, 2 * i] == pytest.approx(math.sin(angle), abs=1e-6)
            assert positions[t, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-6)
    assert sinusoidal_positions(4, 5).shape == (4, 5)  # an odd width too


def test_impossible_settings_are_refused_naming_the_layer():
    heads = plan_model(_spec(_embedding(30), _encoder(4)).model, (8, V), V, "tokens")
    field, message = heads.problems[0]
    assert field == "model.layers.1" and "30" in message and "4 heads" in message and "5" in message
    late = plan_model(_spec(_encoder(), _embedding()).model, (8, V), V, "tokens")
    assert ("model.layers.1" in dict(late.problems)) and "model.layers" in dict(late.problems)  # none first
    flat = plan_model(_spec(_embedding(), _encoder()).model, (64,), V)
    assert flat.problems[0][0] == "model.family" and "sequences" in flat.problems[0][1]
    big = plan_model(_spec(_embedding(256), *[_encoder(4, 1024)] * 4).model, (8, V), V, "tokens")
    assert big.problems and big.problems[-1][0] == "model.layers"
    with pytest.raises(SpecError) as refused:
        build_model(_spec(_embedding(30), _encoder(4)).model, (8, V), V, seed=0)
    assert refused.value.errors[0][0] == "model.layers.1"


def test_the_kind_of_answer_must_match_the_data_naming_the_family():
    rnn_on_tokens = Spec().with_overrides(**{"model.family": "rnn", "data.name": "copy", "data.n_samples": 50})
    with pytest.raises(SpecError) as refused:
        Trainer(rnn_on_tokens)
    assert refused.value.errors[0][0] == "model.family" and "Transformer" in refused.value.errors[0][1]
    parity = _spec(_embedding(), _encoder(), **{"data.name": "parity"})
    ds = load_dataset(parity.data)
    problems = plan_model(parity.model, data_inputs(parity.model, ds), 2, ds.task).problems
    assert problems[0][0] == "model.family" and "Copy or Reverse" in problems[0][1]


# --------------------------------------------------------------------------- views

def _manual_attention(block: EncoderBlock, x: torch.Tensor) -> torch.Tensor:
    """softmax(Q Kᵀ / √d_head + mask) per head from the block's own projection weights: (K, H, T, T)."""
    attention = block.self_attn
    q, k, _ = F.linear(x, attention.in_proj_weight, attention.in_proj_bias).chunk(3, dim=-1)  # (K, T, d) each
    heads, (n, length, width) = attention.num_heads, x.shape
    split = lambda z: z.reshape(n, length, heads, width // heads).transpose(1, 2)  # noqa: E731  (K, H, T, d_h)
    scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(width // heads)  # (K, H, T, T)
    if block.causal:
        scores = scores.masked_fill(torch.ones(length, length, dtype=torch.bool).triu(1), float("-inf"))
    return scores.softmax(dim=-1)


@pytest.mark.parametrize("causal", [False, True])
def test_the_attention_view_is_what_torch_s_attention_module_computes(causal):
    spec = _spec(_embedding(), _encoder(causal=causal), _encoder(4), **{"data.sequence_length": 6})
    trainer = Trainer(spec)
    trainer.run(20)
    blocks = [m for m in trainer.module if isinstance(m, EncoderBlock)]
    inputs = []  # what each block is handed in the network's own forward pass
    hooks = [b.register_forward_pre_hook(lambda _, args: inputs.append(args[0])) for b in blocks]
    visuals = trainer.compute_visuals()
    for hook in hooks:
        hook.remove()
    views = visuals.family
    x = trainer.x_test[:len(views.labels)]
    assert [a.shape for a in views.attention] == [(8, 2, 6, 6), (8, 4, 6, 6)]  # per block: (K, H, T, T)
    assert all(np.allclose(a.sum(axis=-1), 1, atol=1e-5) for a in views.attention)
    with torch.no_grad():
        fed = inputs[-2:]  # the last pass: attention_views' own
        for b, block in enumerate(blocks):
            mask = block.mask(6, x.device)
            _, weights = block.self_attn(fed[b], fed[b], fed[b], attn_mask=mask, need_weights=True,
                                         average_attn_weights=False)
            np.testing.assert_allclose(views.attention[b], weights.numpy(), atol=1e-6)
            np.testing.assert_allclose(views.attention[b], _manual_attention(block, fed[b]).numpy(), atol=1e-5)
        block_input = trainer.module[1](trainer.module[0](x))  # the first block reads the embedding
        assert torch.allclose(fed[0], block_input, atol=1e-6)
    if causal:  # nothing read from later positions
        assert np.abs(np.triu(views.attention[0], 1)).max() == 0
    tokens = trainer.dataset.x_test[:8].reshape(8, 6, V).argmax(axis=2)
    assert (views.labels == np.array(TOKENS, dtype=object)[tokens]).all()
    assert (views.targets == np.array(TOKENS, dtype=object)[trainer.dataset.y_test[:8]]).all()
    np.testing.assert_array_equal(views.positions, trainer.module[1].position.detach().numpy())


def test_the_charts_draw_a_transformer_snapshot():
    trainer = Trainer(_spec(_embedding(16, "sinusoidal"), _encoder(), **{"data.name": "reverse"}))
    trainer.run(10)
    trainer.compute_visuals()
    snap = take_snapshot(trainer, "paused", "")
    attention = transformer_charts.attention_figure(snap, example=2, block=0)
    assert len(attention.data) == 2  # a heatmap per head
    attention.to_plotly()
    positions = transformer_charts.positions_figure(snap)
    np.testing.assert_allclose(np.asarray(positions.data[0]["z"]), sinusoidal_positions(8, 16))
    per_position = transformer_charts.position_accuracy_figure(snap)
    right = trainer.dataset.y_test == snap.visuals.test_pred
    np.testing.assert_allclose(per_position.data[0]["y"], 100 * right.mean(axis=0))
    confusion = confusion_matrix_figure(snap)  # every test token counted once
    assert np.asarray(confusion.data[0]["customdata"]).sum() == trainer.dataset.y_test.size
    for figure in (positions, per_position, confusion):
        figure.to_plotly()
    none = Trainer(_spec(_embedding(16, "none"), _encoder()))
    none.compute_visuals()
    assert transformer_charts.positions_figure(take_snapshot(none, "ready", "")) is None
    assert attention_views(none.module, load_dataset(Spec().data), none.x_test) is None  # not a token set


# --------------------------------------------------------------------------- learning

@pytest.mark.parametrize("preset, epochs", [("copy-transformer", 3), ("reverse-transformer", 6)])
def test_the_presets_learn_their_tokens(preset, epochs):
    trainer = Trainer(get_preset(preset).with_overrides(**{"train.epochs": epochs, "train.device": "cpu"}))
    trainer.run(10**6)
    last = trainer.history.records[-1]
    assert last.test_metric > 0.95 and last.scalars["test_sequence_acc"] > 0.7


def test_reverse_attention_becomes_an_anti_diagonal():
    trainer = Trainer(get_preset("reverse-transformer").with_overrides(**{"train.epochs": 6, "train.device": "cpu"}))
    trainer.run(10**6)
    attention = trainer.compute_visuals().family.attention[0]  # the one block's (K, H, T, T)
    length = attention.shape[-1]
    mirror = attention[..., np.arange(length), length - 1 - np.arange(length)].mean(axis=-1)  # (K, H)
    assert mirror.max(axis=-1).mean() > 0.5  # some head reads each position's mirror image


def test_dropout_inside_a_block_is_the_run_s_own_and_off_for_records():
    spec = _spec(_embedding(), _encoder(dropout=0.3), **{"train.epochs": 2})
    a, b = Trainer(spec), Trainer(spec)
    assert a._mode_matters and a._private_rng is not None
    a.run(10**6)
    b.run(10**6)
    assert [r.train_loss for r in a.history.records] == [r.train_loss for r in b.history.records]


# --------------------------------------------------------------------------- the CLI and the page

def test_the_cli_trains_a_transformer_preset(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["train", "--preset", "copy-transformer", "--epochs", "2", "--out", str(tmp_path / "run")])
    assert code == 0, err.getvalue()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["task"] == "tokens" and summary["input_shape"] == [12, V] and summary["n_outputs"] == V
    header = (tmp_path / "run" / "metrics.csv").read_text().splitlines()[0].split(",")
    assert {"train_acc", "test_acc", "train_sequence_acc", "test_sequence_acc"} <= set(header)
    spec = Spec.from_json((tmp_path / "run" / "spec.json").read_text())
    module = build_model(spec.model, tuple(summary["input_shape"]), summary["n_outputs"], seed=0).module
    from safetensors.torch import load_file
    module.load_state_dict(load_file(str(tmp_path / "run" / "model.safetensors")))


@pytest.fixture
def at():
    yield from started(AppTest.from_file(APP, default_timeout=30), ("playground-runner",))


def test_the_page_draws_a_transformer_preset(at):
    at.selectbox(key="preset").set_value("reverse-transformer").run()
    assert not at.exception and not at.error, errors(at)
    assert at.selectbox(key="model_family").value == "transformer"
    summary = next(c.value for c in at.caption if "sequence →" in c.value)
    assert summary.startswith("12×8 sequence → 12×32 → 12×8 outputs") and "9,480" in summary
    assert any(c.value == "→ 12×32 · encoder, 2 heads, ff 64" for c in at.caption)  # row 2's output shape
    at.button(key="btn_step").click().run()
    assert step_of(at) > 0 and not at.exception and not at.error, errors(at)
    at.session_state["view_tab"] = "Neurons"
    at.run()
    assert {"chart_attention", "chart_positions"} <= set(charts(at)) and not at.exception
    at.segmented_control(key="attention_block").set_value(0).run()
    at.selectbox(key="attention_example").set_value(3).run()
    assert not at.exception and "attention" in charts(at)["chart_attention"]["layout"]["title"]["text"]
    at.session_state["view_tab"] = "Evaluation"
    at.run()
    assert "chart_position_accuracy" in charts(at) and not at.exception, errors(at)


def test_token_data_on_a_dense_network_says_to_pick_the_transformer_which_then_steps(at):
    at.selectbox(key="data_name").set_value("copy").run()
    assert not at.exception
    assert any("token at every position" in e.value and "model.family" in e.value for e in at.error), errors(at)
    at.selectbox(key="model_family").set_value("transformer").run()  # its own default layers
    assert not at.exception and not at.error, errors(at)
    assert any(c.value.startswith("8×8 sequence → 8×32 → 8×8 outputs") for c in at.caption)
    at.button(key="btn_step").click().run()
    assert step_of(at) > 0 and not at.exception and not at.error, errors(at)
