"""The ray backend (core/ray_jobs.py): the jobs of the worker processes as Ray actors, on a local
Ray this test starts. Ray is an optional extra, which scripts/run-tests.sh installs, so CI runs
these; they skip only where the extra is missing."""

from __future__ import annotations

import json
import logging
import os
import signal

import pytest

from playground.cli import main
from playground.core.params import SpecError
from playground.core.presets import get_preset
from playground.core.server_share import ServerShare
from playground.core.spec import Spec
from playground.lab.sweep import expand, grid_axis, run_sweep
from playground.train import backends
from playground.train.remote import RemoteRunner
from playground.train.runner import Runner
from test_backends import same_numbers

ray = pytest.importorskip("ray", reason="Ray is the optional extra [ray]; scripts/run-tests.sh installs it")


@pytest.fixture(scope="module")
def pool():
    """A local Ray of two CPUs for the module, and the server's kind of pool on it."""
    from playground.core.ray_jobs import RayPool

    # "local": a Ray of its own, even where a cluster started with `ray start` runs on this machine.
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    pool = RayPool(environment=backends.WORKER_ENVIRONMENT)
    yield pool
    pool.close()
    ray.shutdown()


def test_a_run_on_a_ray_actor_gives_the_numbers_of_a_run_here(pool):
    spec = get_preset("circle")
    here, there = Runner(spec), RemoteRunner(spec, pool=pool, share=ServerShare())
    try:
        assert there.worker_pid != os.getpid()
        for runner in (here, there):
            runner.step(120)
            assert runner.wait_until_settled(60)
        same_numbers(here.snapshot(), there.snapshot())
    finally:
        here.close()
        there.close()


def test_a_killed_actor_fails_the_run_with_why_and_reset_starts_a_new_one(pool):
    r = RemoteRunner(Spec().with_overrides(**{"train.epochs": 2000}), pool=pool, share=ServerShare())
    try:
        r.start()
        assert r.wait(lambda s: s.step >= 50, 60)
        dead = r.worker_pid
        os.kill(dead, signal.SIGKILL)
        assert r.wait(lambda s: s.status == "failed", 30)
        assert "Ray actor" in r.snapshot().message and "Reset" in r.snapshot().message
        r.reset()
        assert r.alive and r.worker_pid != dead
        r.step(4)
        assert r.wait_until_settled(60)
        assert r.snapshot().step == 4
    finally:
        r.close()


def test_a_refused_spec_comes_back_from_the_actor_as_a_spec_error_naming_the_field(pool):
    with pytest.raises(SpecError) as refused:
        RemoteRunner(Spec().with_overrides(**{"data.name": "csv:/no/such.csv"}), pool=pool, share=ServerShare())
    assert refused.value.errors[0][0] == "data.name"


def test_a_sweep_on_ray_gives_the_numbers_of_a_sweep_here(pool):
    variants = expand(Spec().with_overrides(**{"train.epochs": 3}),
                      [grid_axis("train.optimizer.lr=0.03,0.3"), grid_axis("train.seed=0,1")])
    here = run_sweep(variants, "thread")
    there = run_sweep(variants, "ray", pool=pool)
    for a, b in zip(here, there, strict=True):
        assert (a.status, a.steps, a.scores) == (b.status, b.steps, b.scores)


def test_the_cli_trains_on_ray_and_writes_the_files_it_writes_here(pool, tmp_path):
    args = ["train", "--preset", "moons", "--epochs", "3", "--quiet", "--device", "cpu"]
    assert main([*args, "--out", str(tmp_path / "here")]) == 0
    assert main([*args, "--out", str(tmp_path / "there"), "--backend", "ray"]) == 0
    for name in ("metrics.csv", "layers.csv", "histograms.csv", "model.safetensors"):
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "there" / name).read_bytes(), name
    assert json.loads((tmp_path / "there" / "summary.json").read_text())["status"] == "done"


def test_a_cuda_spec_asks_its_actor_for_a_gpu():
    from playground.core.ray_jobs import _trains_on_cuda

    assert _trains_on_cuda(Spec().with_overrides(**{"train.device": "cuda"}))
    assert _trains_on_cuda(([Spec(), Spec().with_overrides(**{"train.device": "cuda"})],))
    assert not _trains_on_cuda(Spec()) and not _trains_on_cuda("cuda")


def test_ray_flags_without_the_ray_backend_are_refused(tmp_path, capsys):
    assert main(["train", "--preset", "xor", "--ray", "auto", "--out", str(tmp_path / "x")]) == 2
    assert "--ray" in capsys.readouterr().err
