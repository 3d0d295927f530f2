"""Character-level text: the text-next-char data set (one-hot windows of the shipped text, the next
character as the class), samples generated at a temperature, the text-lstm preset, the page's
sample and the CLI's samples.txt."""

from __future__ import annotations

import contextlib
import io
import pickle
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
import torch
from apptest_support import errors, started, step_of
from streamlit.testing.v1 import AppTest

from playground.cli import main
from playground.core.params import SpecError
from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.data import text
from playground.data.datasets import DATASETS_DIR, dataset_catalog, load_dataset
from playground.families import build_model
from playground.families.rnn.sampling import TextViews, generate, temperature_probabilities, text_views
from playground.train.trainer import Trainer

NAME = "text-next-char"
V = text.VOCABULARY
APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _spec(**overrides) -> Spec:
    return Spec().with_overrides(**{"data.name": NAME, "data.n_samples": 400, "data.train_fraction": 0.8,
                                    **overrides})


def _decoded(x: np.ndarray, steps: int) -> list[str]:
    """(n, T·V) one-hot rows -> the n windows as text."""
    return [text.decode(row) for row in x.reshape(len(x), steps, V).argmax(axis=2)]


# --------------------------------------------------------------------------- the text and the data set

def test_the_text_is_read_into_a_small_alphabet():
    assert text.normalize("Alice—said:  (\"Oh!\") ,\n\n  Curiouser;\r\nand\tMORE…") == \
        "alice said oh!,\ncuriouser\nand more"
    assert V == 33 and len(set(text.ALPHABET)) == V
    assert text.CHAR_NAMES[:3] == ("space", "newline", "a")  # readable names for what cannot be seen
    ids = text.read_text(NAME, DATASETS_DIR)
    assert 5_000 < len(ids) < 20_000 and set(np.unique(ids)) <= set(range(V))
    assert text.decode(ids[:32]) == "alice's adventures in wonderland"
    assert text.decode(text.encode("down, down.")) == "down, down."
    with pytest.raises(ValueError, match="not in the alphabet"):
        text.encode("Down")


def test_windows_are_one_hot_sequences_whose_class_is_the_next_character():
    ds = load_dataset(_spec(**{"data.sequence_length": 20}).data)
    assert ds.sequence_shape == (20, V) and ds.task == "multiclass" and ds.class_names == text.CHAR_NAMES
    assert ds.x_train.shape == (320, 20 * V) and ds.x_test.shape == (80, 20 * V)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    steps = ds.x_train.reshape(-1, 20, V)
    assert set(np.unique(steps)) == {0.0, 1.0} and (steps.sum(axis=2) == 1).all()  # one character a step
    assert ds.feature_names[:2] == ("t1 space", "t1 newline") and len(ds.feature_names) == 20 * V
    whole = text.decode(text.read_text(NAME, DATASETS_DIR))
    cut = round(0.8 * len(whole))
    for x, y, part in ((ds.x_train, ds.y_train, whole[:cut]), (ds.x_test, ds.y_test, whole[cut:])):
        for window, target in zip(_decoded(x, 20), y):
            assert window + text.ALPHABET[target] in part  # the true next character, from its own part
    default = load_dataset(Spec().with_overrides(**{"data.name": NAME}).data)
    assert default.sequence_shape == (text.TEXT_SETS[NAME].sequence_length, V)
    entry = dataset_catalog()[NAME]
    assert entry.uses_sequence_length and entry.uses_noise and entry.task == "multiclass"


def test_windows_are_a_pure_function_of_the_seed():
    a, b, c = (load_dataset(_spec(**{"data.seed": s}).data) for s in (3, 3, 4))
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.x_train, c.x_train)
    starts = {w for w in _decoded(a.x_train, 32)}
    assert len(starts) == len(a.x_train)  # no window twice while the text has enough of them


def test_noise_corrupts_input_characters_but_never_the_target():
    clean = load_dataset(_spec().data)
    noisy = load_dataset(_spec(**{"data.noise": 0.3}).data)
    assert np.array_equal(clean.y_train, noisy.y_train)  # the same windows (drawn first), the same targets
    a, b = clean.x_train.reshape(-1, 32, V), noisy.x_train.reshape(-1, 32, V)
    assert (b.sum(axis=2) == 1).all()  # still one character a step
    changed = (a.argmax(axis=2) != b.argmax(axis=2)).mean()
    assert changed == pytest.approx(0.3 * (V - 1) / V, abs=0.02)  # a random draw may give the same character


def test_a_window_longer_than_a_part_of_the_text_is_refused_naming_the_field(monkeypatch, tmp_path):
    (tmp_path / "tiny.txt").write_text("The quick brown fox jumps over the lazy dog. " * 3, encoding="utf-8")
    monkeypatch.setitem(text.TEXT_SETS, "tiny", text.TextInfo("Tiny", "A tiny text.", "tiny.txt", 8))
    x_train, y_train, x_test, y_test = text.text_windows("tiny", tmp_path, 20, 0.0, 0.5, 8, np.random.default_rng(0))
    assert x_train.shape == (10, 8 * V) and y_test.shape == (10,)
    with pytest.raises(SpecError) as refused:
        text.text_windows("tiny", tmp_path, 20, 0.0, 0.9, 30, np.random.default_rng(0))
    field, message = refused.value.errors[0]
    assert field == "data.sequence_length" and "test part" in message and "shorter sequence length" in message


# --------------------------------------------------------------------------- sampling

@pytest.fixture(scope="module")
def model():
    """A small LSTM on windows of 12 characters, untrained: sampling is checked, not quality."""
    spec = _spec(**{"model.family": "rnn", "model.layers": [{"kind": "lstm", "hidden": 16}]})
    return build_model(spec.model, (12, V), V, seed=0).module.eval()


PROMPT = "alice was beginning to get"


def test_temperature_scales_the_logits_as_a_direct_softmax_does():
    logits = torch.tensor([[2.0, -1.0, 0.5, 0.0], [0.0, 0.0, 3.0, 1.0]])
    for temperature in (0.25, 0.5, 1.0, 2.0, 5.0):
        expected = np.exp(logits.numpy() / temperature)
        expected /= expected.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(temperature_probabilities(logits, temperature).numpy(), expected, rtol=1e-6)
    greedy = temperature_probabilities(logits, 0.0)
    assert greedy.tolist() == [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]
    cold = temperature_probabilities(logits, 0.01)  # towards 0: all of it on the argmax
    assert torch.allclose(cold, greedy, atol=1e-6)
    hot = temperature_probabilities(logits, 1000.0)  # high: towards uniform
    assert torch.allclose(hot, torch.full_like(hot, 0.25), atol=1e-3)


def test_temperature_zero_is_argmax_decoding(model):
    ids = list(text.encode(PROMPT))
    with torch.no_grad():
        for _ in range(30):
            x = torch.as_tensor(text.one_hot(np.array([ids[-12:]])))  # (1, 12·V)
            ids.append(int(model(x)[0].argmax()))
    expected = text.decode(ids[len(PROMPT):])
    assert generate(model, PROMPT, 12, 30, temperature=0.0, seed=5) == expected
    assert generate(model, PROMPT, 12, 30, temperature=0.0, seed=6) == expected  # no randomness at 0


def test_a_seed_gives_the_same_sample_and_another_seed_another(model):
    first = generate(model, PROMPT, 12, 80, temperature=1.0, seed=3)
    assert generate(model, PROMPT, 12, 80, temperature=1.0, seed=3) == first
    assert len(first) == 80 and set(first) <= set(text.ALPHABET)
    assert generate(model, PROMPT, 12, 80, temperature=1.0, seed=4) != first
    assert generate(model, PROMPT, 12, 0) == ""


def test_bad_prompts_are_refused_saying_what_to_give(model):
    with pytest.raises(ValueError, match="prompt has 5 characters.*windows of 12.*at least 12"):
        generate(model, "alice", 12, 10)
    with pytest.raises(ValueError, match="not in the alphabet"):
        generate(model, "Alice was beginning to get", 12, 10)
    with pytest.raises(ValueError, match="negative"):
        generate(model, PROMPT, 12, -1)


def test_the_views_hold_a_frozen_copy_and_held_out_prompts():
    trainer = Trainer(get_preset("text-lstm").with_overrides(**{"data.n_samples": 500}))
    recurrent = trainer.compute_visuals().family  # a recurrent network's views, with what it writes
    views = recurrent.text
    assert isinstance(views, TextViews) and views.window == 32 and recurrent.layers[0].label == "lstm 1"
    whole = text.decode(text.read_text(NAME, DATASETS_DIR))
    assert all(len(p) == 32 and p in whole[round(0.8 * len(whole)):] for p in views.prompts)
    before = views.sample(1.0, seed=1)
    trainer.run(5)
    assert views.sample(1.0, seed=1) == before  # the copy did not train on
    assert views.model is not trainer.module and not views.model.training
    assert pickle.loads(pickle.dumps(views)).sample(1.0, seed=1) == before  # a worker process sends it
    parity = Trainer(get_preset("parity-gru"))
    assert parity.compute_visuals().family.text is None  # other sequences: nothing to write
    assert text_views(parity.module, parity.dataset) is None


# --------------------------------------------------------------------------- learning

def test_text_lstm_learns_within_seconds():
    """A short run: the loss starts at ln 33 (a uniform guess) and falls well below it."""
    spec = get_preset("text-lstm").with_overrides(**{"data.n_samples": 3000, "train.epochs": 3})
    trainer = Trainer(spec)
    start = trainer.history.records[0]
    assert start.train_loss == pytest.approx(np.log(V), abs=0.05)
    trainer.run(10**9)
    end = trainer.history.records[-1]
    assert end.train_loss < 2.5 and end.test_loss < 2.7  # measured 2.2 / 2.4
    assert end.test_metric > 0.25  # a uniform guess gets 1 in 33


# --------------------------------------------------------------------------- the page and the CLI

@pytest.fixture
def at(monkeypatch):
    """The page with text-lstm loaded from a link, on fewer windows (a page build trains nothing but
    records the loss over every window once), training on a thread of this process."""
    monkeypatch.setenv("PLAYGROUND_BACKEND", "thread")
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["preset"] = "text-lstm"
    app.query_params["data.n_samples"] = "600"
    yield from started(app, ("playground-runner",))


def test_the_page_shows_a_sample_under_a_temperature_slider(at):
    assert not at.exception and not at.error, errors(at)
    assert at.selectbox(key="data_name").value == NAME
    sample = next(c.value for c in at.code if "│" in c.value)
    prompt, written = sample.split("│")
    assert len(prompt) == 32 and len(written) == 200
    at.slider(key="text_temperature").set_value(0.0).run()
    greedy = next(c.value for c in at.code if "│" in c.value)
    assert greedy.split("│")[0] == prompt and greedy != sample
    at.button(key="text_new_sample").click().run()
    other = next(c.value for c in at.code if "│" in c.value)
    assert other.split("│")[0] != prompt and any("Sample 2" in c.value for c in at.caption)
    at.button(key="btn_step").click().run()
    assert step_of(at) > 0 and not at.exception and not at.error, errors(at)
    assert any("│" in c.value for c in at.code)
    for tab in ("Neurons", "Evaluation"):
        at.session_state["view_tab"] = tab
        at.run()
        assert not at.exception and not at.error, errors(at)
    st.cache_resource.clear()


@pytest.mark.parametrize("backend", ["thread", "process"])
def test_the_cli_writes_samples_for_a_model_of_text(tmp_path, backend):
    out = tmp_path / "run"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["train", "--preset", "text-lstm", "--epochs", "1", "--set", "data.n_samples=300",
                     "--quiet", "--backend", backend, "--out", str(out)])
    assert code == 0, stderr.getvalue()
    samples = (out / "samples.txt").read_text(encoding="utf-8")
    assert samples.count("--- temperature 0.5") == 3 and samples.count("--- temperature 1,") == 3
    assert samples.count("[prompt] ") == 6 and "samples.txt" in stdout.getvalue()
    plain = tmp_path / "plain"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["train", "--preset", "parity-gru", "--epochs", "1", "--quiet", "--out", str(plain)]) == 0
    assert not (plain / "samples.txt").exists()


def test_the_views_cross_a_multiprocessing_pipe_to_another_process():
    """A worker sends its views through a multiprocessing connection, whose pickler passes a
    module's tensors as shared-memory handles that the server's process refused (the page of
    text-lstm never drew): the views must carry the model as plain bytes."""
    import subprocess
    import sys
    from multiprocessing.reduction import ForkingPickler

    trainer = Trainer(get_preset("text-lstm").with_overrides(**{"data.n_samples": 300}))
    views = trainer.compute_visuals().family.text
    payload = bytes(ForkingPickler.dumps(views))  # what the worker's connection sends
    script = ("import pickle, sys; views = pickle.loads(sys.stdin.buffer.read()); "
              "print(views.sample(1.0, seed=3).text)")
    out = subprocess.run([sys.executable, "-c", script], input=payload, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()[-500:]
    assert out.stdout.decode().rstrip("\n") == views.sample(1.0, seed=3).text
