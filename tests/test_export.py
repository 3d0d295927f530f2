"""Exports a student or teacher takes home: the standalone PyTorch script reproduces the engine's
curve (run in a subprocess, same seeds: equal bit for bit at every record), refusals name the
field, the CLI writes the script and the weights, the download bytes parse back, and the page
draws its download buttons."""

from __future__ import annotations

import ast
import importlib.util
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import load_file
from streamlit.testing.v1 import AppTest

from playground.cli import main
from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.data.datasets import load_dataset
from playground.export import files
from playground.export.script import EXPORTABLE_DATA, export_problems, render_script
from playground.families import build_model, data_inputs
from playground.train.runner import Runner
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Trainer

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CPU = {"train.device": "cpu"}
DENSE = [{"kind": "linear", "units": 8, "activation": "relu"}, {"kind": "batchnorm"},
         {"kind": "linear", "units": 6, "activation": "tanh"}, {"kind": "layernorm"}]

# name -> spec: every data generator, loss kind, optimizer, schedule, init and layer kind at least once.
CURVES = {
    "circle-sgd-tanh": get_preset("circle").with_overrides(**CPU, **{"train.epochs": 30}),
    "plane-regression": get_preset("learning-rate").with_overrides(**CPU, **{"train.epochs": 10}),
    "sine-adam": get_preset("sine-regression").with_overrides(**CPU, **{"train.epochs": 15}),
    "moons-adam-l2-step-clip": get_preset("moons").with_overrides(**CPU, **{
        "train.optimizer.name": "adam", "train.l2": 0.001, "train.schedule.name": "step",
        "train.schedule.step_epochs": 4, "train.grad_clip": 1.0, "train.epochs": 10}),
    "overfit-dropout": get_preset("overfit").with_overrides(**CPU, **{
        "model.layers.1.kind": "dropout", "model.layers.1.p": 0.3, "train.epochs": 20}),
    "blobs-multiclass-adadelta": get_preset("blobs").with_overrides(**CPU, **{"train.epochs": 5,
                                                                              "train.optimizer.name": "adadelta"}),
    # batchnorm and a folded lone last example (250 % 83 == 1), layernorm, He init, cosine, MSE on
    # classes, L1, a record every 7 steps
    "circle-norms-kaiming-cosine-mse-l1": Spec().with_overrides(**CPU, **{
        "model.layers": DENSE, "model.init": "kaiming", "train.batch_size": 83, "train.epochs": 20,
        "train.schedule.name": "cosine", "train.schedule.min_lr_fraction": 0.1, "train.loss": "mse",
        "train.l1": 0.001, "telemetry.every_steps": 7}),
    "xor-rmsprop-xavier-exponential": get_preset("xor").with_overrides(**CPU, **{
        "train.optimizer.name": "rmsprop", "train.optimizer.lr": 0.01, "train.optimizer.momentum": 0.5,
        "model.init": "xavier", "train.schedule.name": "exponential", "train.epochs": 10, "data.noise": 0.2}),
    "bumps-nadam-normal-onecycle-features": Spec().with_overrides(**CPU, **{
        "data.name": "bumps", "data.features": list(Spec().data.FIELDS[5].choices), "model.init": "normal",
        "model.init_std": 0.3, "train.optimizer.name": "nadam", "train.schedule.name": "onecycle",
        "train.epochs": 10, "train.loss": "huber"}),
    "spiral-adamw-early-stopping": get_preset("overfit").with_overrides(**CPU, **{
        "data.name": "spiral", "train.optimizer.name": "adamw", "train.early_stopping_patience": 5,
        "train.epochs": 300, "telemetry.every_steps": 3}),
    "checkerboard-cross-entropy-adagrad": Spec().with_overrides(**CPU, **{
        "data.name": "checkerboard", "train.loss": "cross_entropy", "train.optimizer.name": "adagrad",
        "train.epochs": 5, "data.standardize": False}),
    "gauss-nesterov-zeros": get_preset("gauss").with_overrides(**CPU, **{
        "train.optimizer.name": "sgd", "train.optimizer.momentum": 0.9, "train.optimizer.nesterov": True,
        "model.init": "zeros"}),
}


def engine_metrics(spec: Spec) -> pd.DataFrame:
    """The engine's records of a whole run: metrics.csv's frame."""
    trainer = Trainer(spec, history_points=100_000)
    while not trainer.finished:
        trainer.run(trainer.total_steps)
    return pd.read_csv(io.BytesIO(files.metrics_csv(take_snapshot(trainer, "done", ""))))


def run_script(path: Path) -> pd.DataFrame:
    """The exported script run on its own, as a student would: `python run.py` in its folder."""
    done = subprocess.run([sys.executable, path.name], cwd=path.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return pd.read_csv(io.StringIO(done.stdout))


@pytest.mark.parametrize("name", CURVES)
def test_the_exported_script_reproduces_the_engines_curve_bit_for_bit(name, tmp_path):
    spec = CURVES[name]
    path = tmp_path / "run.py"
    path.write_text(render_script(spec, name, path.name))
    got, want = run_script(path), engine_metrics(spec)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) > 3
    # The same random numbers in the same order and the same sums: equal, not merely close.
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())


def test_early_stopping_stops_the_script_where_it_stops_the_engine(tmp_path):
    spec = CURVES["spiral-adamw-early-stopping"]
    path = tmp_path / "run.py"
    path.write_text(render_script(spec))
    assert run_script(path)["epoch"].iloc[-1] < spec.train.epochs


def _script_module(spec: Spec, tmp_path: Path):
    path = tmp_path / "exported.py"
    path.write_text(render_script(spec, "data", path.name))
    module_spec = importlib.util.spec_from_file_location(f"exported_{spec.data.name}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", EXPORTABLE_DATA)
def test_the_script_makes_the_same_data_as_the_engine(name, tmp_path):
    spec = Spec().with_overrides(**{"data.name": name, "data.noise": 0.3, "data.seed": 7, "data.classes": 2,
                                    "data.train_fraction": 0.7})
    if name != "sine":
        spec = spec.with_overrides(**{"data.features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)",
                                                         "sin(x2)"]})
    x_train, y_train, x_test, y_test = _script_module(spec, tmp_path).load_data()
    ds = load_dataset(spec.data)
    for got, want in ((x_train, ds.x_train), (y_train, ds.y_train), (x_test, ds.x_test), (y_test, ds.y_test)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_the_script_imports_torch_and_numpy_only():
    tree = ast.parse(render_script(CURVES["overfit-dropout"]))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"math", "sys", "numpy", "torch"}


@pytest.mark.parametrize("preset, fields", [
    ("digits-cnn", {"model.family", "data.name"}),
    ("sine-rnn", {"model.family", "data.name"}),
    ("copy-transformer", {"model.family", "data.name"}),
    ("digits-mlp", {"data.name"}),
    ("shapes-cnn", {"model.family", "data.name"}),
])
def test_specs_the_script_cannot_reproduce_are_refused_naming_the_field(preset, fields):
    problems = export_problems(get_preset(preset))
    assert {field for field, _ in problems} == fields
    assert all("cannot be exported" in message for _, message in problems)


def test_a_csv_file_is_refused_naming_data_name():
    (field, message), = export_problems(Spec().with_overrides(**{"data.name": "upload:mine.csv"}))
    assert field == "data.name" and "CSV" in message


# --------------------------------------------------------------------------- the CLI

def test_export_script_writes_a_script_that_runs(tmp_path, capsys):
    out = tmp_path / "sub" / "circle.py"
    assert main(["export-script", "--preset", "circle", "--epochs", "3", "--set", "train.optimizer.lr=0.2",
                 "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    text = out.read_text()
    assert "circle.py" in text and "EPOCHS = 3" in text and "lr=0.2" in text
    assert len(run_script(out)) == 4  # step 0 and three epochs (a record an epoch in so short a run)


@pytest.mark.parametrize("args, field", [
    (["--preset", "digits-cnn", "--out", "x.py"], "model.family"),
    (["--preset", "circle", "--out", "x.txt"], "--out"),
    (["--preset", "circle", "--set", "train.epochs=0", "--out", "x.py"], "train.epochs"),
])
def test_export_script_refuses_bad_input_with_exit_2_naming_the_field(args, field, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export-script", *args]) == 2
    assert f"error: {field}:" in capsys.readouterr().err
    assert not (tmp_path / "x.py").exists()


def test_export_script_refuses_a_folder_as_out(tmp_path, capsys):
    assert main(["export-script", "--preset", "circle", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_train_out_writes_safetensors_equal_to_the_trained_module(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--preset", "circle", "--epochs", "2", "--device", "cpu", "--out", str(out), "--quiet",
                 "--backend", "thread"]) == 0
    saved = load_file(out / "model.safetensors")
    spec = Spec.from_json((out / "spec.json").read_text())
    trainer = Trainer(spec)
    trainer.run(trainer.total_steps)
    state = trainer.module.state_dict()
    assert saved.keys() == state.keys()
    for key, tensor in state.items():
        assert torch.equal(saved[key], tensor), key
    # and they load into the module the spec builds
    network = build_model(spec.model, data_inputs(spec.model, trainer.dataset), trainer.head.n_outputs, 0)
    network.module.load_state_dict(saved, strict=True)


# --------------------------------------------------------------------------- the download bytes

def test_download_bytes_parse_back():
    spec = get_preset("moons").with_overrides(**CPU, **{"train.epochs": 3})
    assert Spec.from_json(files.spec_json(spec).decode()) == spec
    runner = Runner(spec)
    try:
        runner.step(30)
        assert runner.wait_until_settled()
        snap = runner.snapshot()
        metrics = pd.read_csv(io.BytesIO(files.metrics_csv(snap)))
        assert list(metrics.columns) == ["step", "epoch", "lr", "train_loss", "test_loss", "train_acc", "test_acc"]
        assert metrics["step"].iloc[-1] == snap.step
        layers = pd.read_csv(io.BytesIO(files.layers_csv(snap)))
        assert list(layers.columns) == ["step", "layer", "grad_norm", "grad_mean_abs", "update_ratio", "weight_norm"]
        assert set(layers["layer"]) == {"hidden 1", "hidden 2", "output"}
        weights = load_safetensors(runner.weights_file())
        state = runner.trainer.module.state_dict()
        assert weights.keys() == state.keys()
        assert all(torch.equal(weights[k], v) for k, v in state.items())
    finally:
        runner.close()


def test_a_run_in_a_worker_process_sends_its_weights_file():
    from playground.core.server_share import ServerShare
    from playground.train import backends
    from playground.train.remote import RemoteRunner

    spec = get_preset("circle").with_overrides(**CPU)
    pool = backends.make_worker_pool(1)
    here, there = Runner(spec), None
    try:
        there = RemoteRunner(spec, pool=pool, share=ServerShare())
        for runner in (here, there):
            runner.step(20)
            assert runner.wait_until_settled()
        mine, theirs = load_safetensors(here.weights_file()), load_safetensors(there.weights_file())
        assert mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in mine)
    finally:
        here.close()
        if there is not None:
            there.close()
        pool.close()


# --------------------------------------------------------------------------- the page

def _page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def test_the_page_offers_the_runs_files_and_its_script():
    at = _page()
    try:
        keys = {b.key for b in at.get("download_button")}
        assert {"download_spec", "download_metrics", "download_layers", "download_weights",
                "download_script"} <= keys
        assert all(b.help for b in at.get("download_button"))
    finally:
        st.cache_resource.clear()


def test_the_page_says_why_there_is_no_script_for_a_cnn():
    at = _page({"preset": "digits-cnn"})
    try:
        keys = {b.key for b in at.get("download_button")}
        assert "download_weights" in keys and "download_script" not in keys
        assert any("No script" in c.value and "model.family" in c.value for c in at.caption)
    finally:
        st.cache_resource.clear()


# --------------------------------------------------------------------------- ONNX (the [onnx] extra)

def test_export_onnx_writes_a_model_onnxruntime_agrees_with(tmp_path, capsys):
    pytest.importorskip("onnxscript")
    onnx = pytest.importorskip("onnx")
    onnxruntime = pytest.importorskip("onnxruntime")
    out = tmp_path / "run"
    layers = '[{"kind":"linear","units":8,"activation":"relu"},{"kind":"batchnorm"},{"kind":"dropout","p":0.3},' \
             '{"kind":"linear","units":4,"activation":"tanh"}]'
    assert main(["train", "--preset", "moons", "--epochs", "2", "--device", "cpu", "--set", f"model.layers={layers}",
                 "--out", str(out), "--quiet", "--backend", "thread"]) == 0
    assert main(["export-onnx", "--run", str(out)]) == 0
    assert "onnxruntime matches torch" in capsys.readouterr().out
    onnx.checker.check_model(onnx.load(out / "model.onnx"))
    # Rebuilt here from the run's files: the ONNX model answers as the trained module does, for any batch size.
    spec = Spec.from_json((out / "spec.json").read_text())
    ds = load_dataset(spec.data)
    network = build_model(spec.model, (ds.n_inputs,), 1, 0)
    network.module.load_state_dict(load_file(out / "model.safetensors"))
    session = onnxruntime.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    for rows in (ds.x_test[:1], ds.x_test):
        (got,) = session.run(None, {"inputs": rows})
        with torch.no_grad():
            want = network.module.eval()(torch.as_tensor(rows)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_export_onnx_refuses_a_folder_without_a_run(tmp_path, capsys):
    assert main(["export-onnx", "--run", str(tmp_path)]) == 2
    assert "error: --run:" in capsys.readouterr().err


def test_export_onnx_without_the_extra_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    assert main(["export-onnx", "--run", str(tmp_path)]) == 2
    assert "pip install '.[onnx]'" in capsys.readouterr().err


# --------------------------------------------------------------------------- TensorBoard (the [tensorboard] extra)

def test_export_tensorboard_writes_the_runs_scalars_and_histograms(tmp_path, capsys):
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    out = tmp_path / "run"
    assert main(["train", "--preset", "circle", "--epochs", "3", "--device", "cpu", "--out", str(out), "--quiet",
                 "--backend", "thread"]) == 0
    assert main(["export-tensorboard", "--run", str(out)]) == 0
    assert "tensorboard --logdir" in capsys.readouterr().out
    events = accumulator.EventAccumulator(str(out / "tensorboard"), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    tags = events.Tags()
    assert {"loss/train", "loss/test", "acc/train", "acc/test", "lr", "grad_norm/hidden 1"} <= set(tags["scalars"])
    assert {"weights/hidden 1", "biases/output"} <= set(tags["histograms"])
    metrics = pd.read_csv(out / "metrics.csv")
    losses = events.Scalars("loss/test")
    assert [e.step for e in losses] == metrics["step"].tolist()
    np.testing.assert_allclose([e.value for e in losses], metrics["test_loss"], rtol=1e-6)
    weights = events.Histograms("weights/hidden 1")[-1].histogram_value
    assert weights.num == 2 * 4  # every weight of hidden 1 (2 inputs x 4 units) in one of the bins


def test_export_tensorboard_without_the_extra_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    assert main(["export-tensorboard", "--run", str(tmp_path)]) == 2
    assert "pip install '.[tensorboard]'" in capsys.readouterr().err
