"""The headless CLI: python -m playground {presets, spec, train}, its files and exit codes."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
from safetensors.torch import load_file

from playground.cli import main
from playground.core.devices import available_devices
from playground.core.presets import PRESETS, get_preset
from playground.core.spec import Spec
from playground.families import build_model

ROOT = Path(__file__).resolve().parents[1]
FILES = ("spec.json", "metrics.csv", "layers.csv", "histograms.csv", "model.safetensors", "model.pt",
         "summary.json")
DIVERGING = ["--preset", "sine-regression", "--set", "train.optimizer.name=sgd", "train.optimizer.lr=10"]


def run_cli(*args: str) -> tuple[int, str, str]:
    """main(args) in-process -> (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    """One short xor run shared by the file checks: (exit code, stdout, stderr, folder)."""
    out = tmp_path_factory.mktemp("xor") / "run"
    code, stdout, stderr = run_cli("train", "--preset", "xor", "--epochs", "8", "--out", str(out))
    return code, stdout, stderr, out


# --------------------------------------------------------------------------- presets, spec

def test_presets_lists_every_preset(capsys):
    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(PRESETS)
    for line, preset in zip(lines, PRESETS.values()):
        assert line.split()[0] == preset.name
        assert preset.description in line


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "playground", "presets"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert all(name in result.stdout for name in PRESETS)


@pytest.mark.parametrize("name", list(PRESETS))
def test_spec_prints_the_preset_as_json(capsys, name):
    assert main(["spec", "--preset", name]) == 0
    assert Spec.from_json(capsys.readouterr().out) == get_preset(name)


def test_spec_defaults_and_overrides(capsys):
    assert main(["spec"]) == 0
    assert Spec.from_json(capsys.readouterr().out) == Spec()
    assert main(["spec", "--preset", "xor", "--set", "train.optimizer.lr=0.5", "--set", "model.layers.0.units=6",
                 "data.noise=0.2"]) == 0
    spec = Spec.from_json(capsys.readouterr().out)
    assert spec == get_preset("xor").with_overrides(**{"train.optimizer.lr": 0.5, "model.layers.0.units": 6,
                                                        "data.noise": 0.2})


def test_spec_reads_a_spec_file(tmp_path, capsys):
    file = tmp_path / "mine.json"
    file.write_text(get_preset("moons").to_json())
    assert main(["spec", "--spec", str(file), "--set", "train.epochs=7"]) == 0
    assert Spec.from_json(capsys.readouterr().out) == get_preset("moons").with_overrides(**{"train.epochs": 7})


# --------------------------------------------------------------------------- train: files

def test_train_writes_every_file(xor_run):
    code, stdout, stderr, out = xor_run
    assert code == 0, stderr
    for name in FILES:
        assert (out / name).is_file(), name
    assert str(out) in stdout
    assert "Traceback" not in stderr
    assert Spec.from_json((out / "spec.json").read_text()) == get_preset("xor").with_overrides(
        **{"train.epochs": 8})


def test_metrics_csv(xor_run):
    out = xor_run[3]
    metrics = pd.read_csv(out / "metrics.csv")
    assert list(metrics.columns) == ["step", "epoch", "lr", "train_loss", "test_loss", "train_acc", "test_acc"]
    steps = metrics["step"].to_numpy()
    assert steps[0] == 0 and (steps[1:] > steps[:-1]).all()
    summary = json.loads((out / "summary.json").read_text())
    assert steps[-1] == summary["steps"] == summary["total_steps"]
    assert len(metrics) == 8 + 1  # step 0, then once per epoch
    assert metrics.notna().all().all()


def test_layers_csv(xor_run):
    out = xor_run[3]
    layers = pd.read_csv(out / "layers.csv")
    assert list(layers.columns) == ["step", "layer", "grad_norm", "grad_mean_abs", "update_ratio", "weight_norm"]
    steps = pd.read_csv(out / "metrics.csv")["step"]
    assert (layers.groupby("step").size() == 3).all()  # hidden 1, hidden 2, output
    assert sorted(layers["step"].unique()) == list(steps)
    assert layers[layers["step"] > 0].notna().all().all()  # step 0 has no gradient yet


def test_histogram_counts_sum_to_parameter_sizes(xor_run):
    out = xor_run[3]
    hist = pd.read_csv(out / "histograms.csv")
    assert list(hist.columns) == ["step", "layer", "param", "bin_left", "bin_right", "count"]
    assert (hist["bin_left"] < hist["bin_right"]).all()
    state = torch.load(out / "model.pt", weights_only=True)
    labels = json.loads((out / "summary.json").read_text())["layers"]
    weights = [k for k in state if k.endswith(".weight")]  # dense layers in order (xor has only those)
    sizes = {(label, "weight"): state[key].numel() for label, key in zip(labels, weights)}
    sizes |= {(label, "bias"): state[key[:-len("weight")] + "bias"].numel() for label, key in zip(labels, weights)}
    sums = hist.groupby(["step", "layer", "param"])["count"].sum()
    assert len(sums) == len(pd.read_csv(out / "metrics.csv")) * len(sizes)
    for (step, layer, param), total in sums.items():
        assert total == sizes[(layer, param)], (step, layer, param)


def test_model_files_load_and_agree(xor_run):
    out = xor_run[3]
    spec = Spec.from_json((out / "spec.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    from_pt = build_model(spec.model, summary["n_inputs"], summary["n_outputs"], seed=1).module
    from_st = build_model(spec.model, summary["n_inputs"], summary["n_outputs"], seed=2).module
    from_pt.load_state_dict(torch.load(out / "model.pt", weights_only=True))
    from_st.load_state_dict(load_file(str(out / "model.safetensors")))
    x = torch.randn(64, summary["n_inputs"], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(from_pt(x), from_st(x))
    # The saved weights are the trained ones: they reproduce the recorded test accuracy.
    from playground.data.datasets import load_dataset
    data = load_dataset(spec.data)
    with torch.no_grad():
        predicted = (from_pt(torch.as_tensor(data.x_test))[:, 0] > 0).long().numpy()
    assert (predicted == data.y_test).mean() == pytest.approx(summary["final"]["test_acc"], abs=1e-6)


def test_summary_json(xor_run):
    out = xor_run[3]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "done"
    assert summary["steps"] == 8 * 25
    assert summary["device"] == "cpu" or summary["device"].startswith(("cuda", "mps"))
    assert summary["wall_seconds"] >= summary["train_seconds"] > 0
    assert set(summary["final"]) == {"step", "epoch", "lr", "train_loss", "test_loss", "train_acc", "test_acc"}


def test_progress_bar_and_quiet(tmp_path, xor_run):
    stderr = xor_run[2]
    assert "step 200/200" in stderr and "ex/s" in stderr and "acc" in stderr
    code, stdout, stderr = run_cli("train", "--preset", "gauss", "--epochs", "1", "--quiet", "--out",
                                   str(tmp_path / "q"))
    assert code == 0 and stderr == ""


def test_regression_metrics_use_r2(tmp_path):
    code, _, stderr = run_cli("train", "--preset", "sine-regression", "--epochs", "2", "--quiet",
                              "--out", str(tmp_path))
    assert code == 0, stderr
    columns = pd.read_csv(tmp_path / "metrics.csv").columns
    assert list(columns) == ["step", "epoch", "lr", "train_loss", "test_loss", "train_r2", "test_r2"]


def test_same_spec_gives_identical_files(tmp_path):
    args = ["train", "--preset", "moons", "--epochs", "3", "--quiet", "--device", "cpu"]
    assert run_cli(*args, "--out", str(tmp_path / "a"))[0] == 0
    assert run_cli(*args, "--out", str(tmp_path / "b"))[0] == 0
    for name in ("metrics.csv", "layers.csv", "histograms.csv", "model.safetensors"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_train_in_a_worker_process_writes_the_same_files(tmp_path):
    args = ["train", "--preset", "moons", "--epochs", "3", "--quiet", "--device", "cpu"]
    assert run_cli(*args, "--out", str(tmp_path / "here"), "--backend", "thread")[0] == 0
    code, stdout, _ = run_cli(*args, "--out", str(tmp_path / "there"), "--backend", "process")
    assert code == 0 and f"to {tmp_path / 'there'}" in stdout and "done: step" in stdout
    for name in ("metrics.csv", "layers.csv", "histograms.csv", "model.safetensors"):
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "there" / name).read_bytes(), name


def test_train_in_a_worker_reports_divergence_and_bad_input_as_here(tmp_path, monkeypatch):
    code, _, stderr = run_cli("train", *DIVERGING, "--quiet", "--out", str(tmp_path / "d"), "--backend", "process")
    assert code == 3 and "learning rate" in stderr and "Traceback" not in stderr
    assert json.loads((tmp_path / "d" / "summary.json").read_text())["status"] == "diverged"
    # The worker finds the data set missing: the same refusal, naming the field, and no folder.
    code, _, stderr = run_cli("train", "--preset", "xor", "--set", "data.name=csv:/no/such.csv", "--quiet",
                              "--out", str(tmp_path / "x"), "--backend", "process")
    assert code == 2 and "data.name" in stderr and not (tmp_path / "x").exists()
    monkeypatch.setenv("PLAYGROUND_BACKEND", "gpu-farm")
    code, _, stderr = run_cli("train", "--preset", "xor", "--quiet", "--out", str(tmp_path / "y"))
    assert code == 2 and "PLAYGROUND_BACKEND" in stderr and "thread, process" in stderr


def test_default_output_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = run_cli("train", "--preset", "gauss", "--epochs", "1", "--quiet")
    assert code == 0
    (folder,) = (tmp_path / "runs").iterdir()
    assert folder.name.startswith("gauss-")
    assert (folder / "summary.json").is_file()
    assert str(Path("runs") / folder.name) in stdout


def test_spec_file_run_is_named_after_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.json").write_text(json.dumps({"data": {"name": "gauss"}, "train": {"epochs": 1}}))
    assert run_cli("train", "--spec", "tiny.json", "--quiet")[0] == 0
    (folder,) = (tmp_path / "runs").iterdir()
    assert folder.name.startswith("tiny-")


def test_early_stopping_exits_0(tmp_path):
    code, stdout, stderr = run_cli("train", "--preset", "overfit", "--set", "train.early_stopping_patience=5",
                                   "--quiet", "--out", str(tmp_path))
    assert code == 0, stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "done" and "Early stopping" in summary["message"]
    assert summary["steps"] < summary["total_steps"]


# --------------------------------------------------------------------------- exit codes

def test_divergence_exits_3_and_keeps_the_files(tmp_path):
    code, stdout, stderr = run_cli("train", *DIVERGING, "--quiet", "--out", str(tmp_path))
    assert code == 3
    assert "diverged" in stderr and "learning rate" in stderr
    assert "Traceback" not in stderr
    for name in FILES:
        assert (tmp_path / name).is_file(), name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "diverged" and "diverged" in summary["message"]
    assert pd.read_csv(tmp_path / "metrics.csv")["step"].iloc[0] == 0


def _absent_device() -> str:
    present = available_devices()
    absent = [d for d in ("cuda", "mps") if d not in present]
    if not absent:
        pytest.skip("every device is present here")
    return absent[0]


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


BAD_INPUTS = {
    "out of range": (lambda p: ["--preset", "xor", "--set", "train.optimizer.lr=-1"],
                     "train.optimizer.lr: -1 is out of range; must be between 1e-06 and 10"),
    "wrong type": (lambda p: ["--preset", "xor", "--set", "model.layers.0.units=many"], "model.layers.0.units"),
    "no equals sign": (lambda p: ["--preset", "xor", "--set", "train.epochs"], "--set"),
    "unknown key": (lambda p: ["--preset", "xor", "--set", "train.speed=3"], "train.speed"),
    "unknown section": (lambda p: ["--preset", "xor", "--set", "trian.epochs=3"], "trian.epochs"),
    "bad JSON file": (lambda p: ["--spec", _write(p, "bad.json", "{not json")], "not valid JSON"),
    "JSON not an object": (lambda p: ["--spec", _write(p, "list.json", "[1, 2]")], "--spec"),
    "bad value in file": (lambda p: ["--spec", _write(p, "neg.json", '{"train": {"epochs": -3}}')],
                          "train.epochs"),
    "missing file": (lambda p: ["--spec", str(p / "nowhere.json")], "--spec"),
    "unknown preset": (lambda p: ["--preset", "nope"], "preset: unknown preset 'nope'"),
    "absent device": (lambda p: ["--preset", "xor", "--device", _absent_device()], "train.device"),
    "unknown data set": (lambda p: ["--preset", "xor", "--set", "data.name=nonsense"], "data.name"),
    "CSV not numeric": (lambda p: ["--preset", "xor", "--set",
                                   "data.name=csv:" + _write(p, "t.csv", "a,b,label\n1,x,0\n2,3,1\n3,4,0\n")],
                        "data.name"),
    "CSV without rows": (lambda p: ["--preset", "xor", "--set", "data.name=csv:" + _write(p, "e.csv", "a,b\n")],
                         "data.name"),
    "CSV target too large": (lambda p: ["--preset", "sine-regression", "--set",
                                        "data.name=csv:" + _write(p, "big.csv", "a,y\n1,0.5\n2,3e38\n3,1.5\n")],
                             "data.label_column: label column 'y' has values too large for training"),
    "loss does not fit": (lambda p: ["--preset", "sine-regression", "--set", "train.loss=bce"], "train.loss"),
    "output is a file": (lambda p: ["--preset", "gauss", "--out", _write(p, "file.txt", "")], "--out"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_naming_the_field(tmp_path, case):
    make_args, expected = BAD_INPUTS[case]
    args = make_args(tmp_path)
    out = [] if "--out" in args else ["--out", str(tmp_path / "run")]
    code, stdout, stderr = run_cli("train", *args, "--quiet", *out)
    assert code == 2
    assert stderr.startswith("error: ") and expected in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "run").exists()  # nothing trained, nothing written


@pytest.mark.parametrize("case", ["out of range", "no equals sign", "unknown key", "bad JSON file", "unknown preset"])
def test_spec_command_rejects_bad_input_too(tmp_path, case):
    make_args, expected = BAD_INPUTS[case]
    code, stdout, stderr = run_cli("spec", *make_args(tmp_path))
    assert code == 2 and expected in stderr and stdout == ""


def test_every_error_is_listed():
    code, _, stderr = run_cli("spec", "--set", "train.optimizer.lr=-1", "model.layers.0.units=x")
    assert code == 2
    assert "train.optimizer.lr" in stderr and "model.layers.0.units" in stderr


@pytest.mark.parametrize("args", [
    ["train"],  # needs --preset or --spec
    ["train", "--preset", "xor", "--spec", "x.json"],  # not both
    ["train", "--preset", "xor", "--epochs", "many"],
    ["frobnicate"],
    [],
])
def test_usage_errors_exit_2(capsys, args):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize("error, code, status", [(RuntimeError("boom"), 1, "failed"),
                                                 (KeyboardInterrupt(), 130, "interrupted")])
def test_failure_or_interrupt_keeps_the_files(tmp_path, monkeypatch, error, code, status):
    from playground.train.trainer import Trainer

    original = Trainer.train_step

    def step_then_fail(self):
        if self.step == 30:
            raise error
        return original(self)

    monkeypatch.setattr(Trainer, "train_step", step_then_fail)
    got, stdout, stderr = run_cli("train", "--preset", "xor", "--epochs", "3", "--quiet", "--out", str(tmp_path))
    assert got == code
    assert "Traceback" not in stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == status and summary["steps"] == 30
    assert list(pd.read_csv(tmp_path / "metrics.csv")["step"]) == [0, 25]
    if status == "failed":
        assert "boom" in stderr and "boom" in summary["message"]


def test_a_cnn_preset_trains_from_the_cli_and_its_model_file_rebuilds(tmp_path):
    out = tmp_path / "cnn"
    code, _, err = run_cli("train", "--preset", "digits-cnn", "--epochs", "2", "--out", str(out), "--quiet")
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["input_shape"] == [1, 8, 8] and summary["layers"] == ["conv 1", "conv 2", "hidden 1", "output"]
    assert set(pd.read_csv(out / "layers.csv")["layer"]) == {"conv 1", "conv 2", "hidden 1", "output"}
    spec = Spec.from_json((out / "spec.json").read_text())
    module = build_model(spec.model, tuple(summary["input_shape"]), summary["n_outputs"], seed=5).module
    module.load_state_dict(load_file(str(out / "model.safetensors")))  # strict: every tensor has its place
    assert module(torch.zeros(3, summary["n_inputs"])).shape == (3, 10)


@pytest.mark.parametrize(("preset", "shape", "classes"),
                         [("shapes-cnn", [1, 16, 16], 5), ("fashion-cnn", [1, 28, 28], 10)])
def test_the_image_set_presets_train_from_the_cli(tmp_path, preset, shape, classes):
    code, _, err = run_cli("train", "--preset", preset, "--epochs", "1", "--out", str(tmp_path), "--quiet")
    assert code == 0, err
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["input_shape"] == shape and summary["n_outputs"] == classes
