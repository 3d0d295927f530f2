"""Runs in worker processes (train/remote.py, core/workers.py) against runs on a thread here:
the same numbers, the same commands, and a dead worker as a status, never a hang."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from playground.core.params import SpecError
from playground.core.presets import get_preset
from playground.core.server_share import ServerShare
from playground.core.spec import Choice, Spec
from playground.core.workers import WorkerGone
from playground.train import backends
from playground.train.remote import RemoteRunner
from playground.train.runner import Runner

LONG = Spec().with_overrides(**{"train.epochs": 2000})


@pytest.fixture(scope="module")
def pool():
    pool = backends.make_worker_pool(2)
    pool.warm_up()
    yield pool
    pool.close()


@pytest.fixture
def remote(pool):
    runners = []

    def make(spec=LONG, **kwargs):
        r = RemoteRunner(spec, pool=pool, share=kwargs.pop("share", None) or ServerShare(), **kwargs)
        runners.append(r)
        return r

    yield make
    for r in runners:
        r.close()


def same_numbers(a, b) -> None:
    """Two snapshots of the same run: every number equal, bit for bit (speeds aside). A run of
    counted steps records where each chunk of CHUNK_SECONDS ended, which depends on the clock,
    so records are compared at the steps both hold (step 0 and the last always among them)."""
    assert (a.step, a.status, a.optimizer) == (b.step, b.status, b.optimizer)
    common = np.intersect1d(a.history["step"], b.history["step"])
    assert common[0] == 0 and common[-1] == a.step
    for name in ("history", "layers"):
        x, y = (getattr(s, name) for s in (a, b))
        x, y = (t[t["step"].isin(common)].drop(columns=["examples_per_sec"], errors="ignore").reset_index(drop=True)
                for t in (x, y))
        assert x.equals(y), name
    assert all(np.array_equal(x, y) for x, y in zip(a.visuals.weights, b.visuals.weights, strict=True))
    assert all(np.array_equal(x, y) for x, y in zip(a.visuals.biases, b.visuals.biases, strict=True))
    assert np.array_equal(a.visuals.test_pred, b.visuals.test_pred)
    if a.visuals.surface is not None:
        assert np.array_equal(a.visuals.surface, b.visuals.surface)
    assert np.array_equal(a.dataset.x_train, b.dataset.x_train)


def same_histograms(a, b) -> None:
    """Histogram rows of two snapshots holding the same records (a run of single steps)."""
    assert a.history["step"].tolist() == b.history["step"].tolist()
    for name in ("weight_edges", "weight_counts", "bias_edges", "bias_counts"):
        assert all(np.array_equal(x, y) for x, y in zip(getattr(a, name), getattr(b, name), strict=True)), name


@pytest.mark.parametrize("preset, steps", [("circle", 120), ("digits-cnn", 12), ("adding-lstm", 12)])
def test_a_run_in_a_worker_gives_the_numbers_of_a_run_here(remote, preset, steps):
    spec = get_preset(preset)
    here = Runner(spec)
    there = remote(spec)
    try:
        for runner in (here, there):
            runner.step(steps)
            assert runner.wait_until_settled(60)
            runner.step(3)  # a second request: the mirror adds records to those it holds
            assert runner.wait_until_settled(60)
        same_numbers(here.snapshot(), there.snapshot())
    finally:
        here.close()


def test_the_mirror_follows_thinning_and_rebinning_of_the_history(remote):
    """A history of 100 records thins every 50 records, and its histograms re-bin as weights grow:
    the server's copy must follow both, snapshot after snapshot."""
    spec = LONG.with_overrides(**{"telemetry.history_points": 100, "train.optimizer.lr": 3.0})
    here, there = Runner(spec), remote(spec)
    try:
        for _ in range(16):
            for runner in (here, there):
                for _ in range(15):  # single steps: each ends with a record, whatever the clock
                    runner.step(1)
                    assert runner.wait_until_settled(30)
            a, b = here.snapshot(), there.snapshot()
            same_numbers(a, b)
            same_histograms(a, b)
        history = there.snapshot().history
        assert len(history) <= 100 and history["step"].iloc[-1] == 240
        assert here.trainer.history.rewrites >= 4  # thinned, and re-binned, more than once
    finally:
        here.close()


def test_commands_reach_the_worker(remote):
    r = remote()
    assert r.status == "ready" and r.steps_per_epoch == 25
    r.start()
    assert r.wait(lambda s: s.step >= 100)
    r.pause()
    held = r.snapshot()
    assert held.status == "paused"
    time.sleep(0.3)
    assert r.snapshot().step == held.step
    r.step(5)
    assert r.wait_until_settled(10) and r.snapshot().step == held.step + 5
    r.set_optimizer(Choice("adam", {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}))
    r.step(1)
    assert r.wait_until_settled(10)
    assert r.snapshot().optimizer == "adam" and r.spec.train.optimizer.name == "adam"
    r.set_pace(2.0)
    r.start()
    time.sleep(1.0)
    r.pause()
    paced = r.snapshot().step - held.step - 6
    assert 10 <= paced <= 100  # 2 epochs a second of 25 steps, for about a second
    assert r.pace == 2.0


def test_a_reset_starts_over_with_the_new_spec_and_a_bad_one_is_refused_by_field(remote):
    r = remote()
    r.step(10)
    assert r.wait_until_settled(10)
    r.reset(LONG.with_overrides(**{"data.name": "spiral"}))
    snap = r.snapshot()
    assert snap.step == 0 and len(snap.history) == 1 and snap.dataset.name == "spiral"
    with pytest.raises(SpecError) as refused:
        r.reset(LONG.with_overrides(**{"model.layers.0.units": 0}))
    assert any("units" in field for field, _ in refused.value.errors)
    r.step(2)
    assert r.wait_until_settled(10) and r.snapshot().step == 2 and r.snapshot().dataset.name == "spiral"
    with pytest.raises(SpecError):
        remote(LONG.with_overrides(**{"model.layers.0.units": 0}))


def test_a_full_server_queues_the_run_and_a_finished_run_gives_its_place_up(remote):
    share = ServerShare(max_runs=1)
    other = object()
    assert share.admission.request(other) == 0  # another page's run holds the only place
    r = remote(Spec().with_overrides(**{"train.epochs": 20}), share=share)
    r.start()
    assert r.status == "running" and r.queue_place == 1
    time.sleep(0.4)
    snap = r.snapshot()
    assert snap.step == 0 and snap.queue_place == 1 and snap.status == "running"
    share.admission.leave(other)
    assert r.wait(lambda s: s.status == "done", 30)  # admitted by the following thread, then done
    deadline = time.monotonic() + 5
    while share.admission.active and time.monotonic() < deadline:
        time.sleep(0.05)
    assert share.admission.active == 0


def test_a_killed_worker_fails_the_run_with_how_and_reset_starts_it_on_a_live_one(remote, pool):
    r = remote()
    r.start()
    assert r.wait(lambda s: s.step >= 50)
    before = r.snapshot()
    dead = r.worker_pid
    os.kill(dead, signal.SIGKILL)
    assert r.wait(lambda s: s.status == "failed", 10)
    snap = r.snapshot()
    assert "killed (SIGKILL)" in snap.message and "Reset" in snap.message
    assert snap.step >= before.step and len(snap.history) >= 1  # the last picture stays
    assert r.status == "failed" and not r.alive
    r.step(3)  # commands to a dead worker do nothing and raise nothing
    r.reset()
    assert r.worker_pid != dead and r.alive
    r.step(4)
    assert r.wait_until_settled(10)
    assert r.snapshot().step == 4 and r.status == "paused"
    assert all(w.pid != dead for w in pool.workers)


def test_closing_a_run_frees_its_place_in_the_worker(pool):
    share = ServerShare()
    runners = [RemoteRunner(LONG, pool=pool, share=share) for _ in range(4)]
    assert sorted(w.jobs for w in pool.workers) == [2, 2]  # placed on the emptiest worker
    for r in runners:
        r.start()
    for r in runners:
        r.close()
    assert all(w.jobs == 0 for w in pool.workers)
    assert share.admission.active == 0
    with pytest.raises(KeyError):
        runners[0]._job.call("state")  # the worker no longer holds it


def test_a_worker_ends_when_its_server_is_killed():
    """A server killed outright (no cleanup runs) leaves no worker behind: the worker sees its
    pipe close and exits."""
    server = ("import os, signal\n"
              "from playground.core.spec import Spec\n"
              "from playground.core.workers import WorkerPool\n"
              "if __name__ == '__main__':\n"
              "    pool = WorkerPool(1)\n"
              "    job = pool.place('playground.train.remote:RunnerHost', Spec())\n"
              "    print(job.worker.pid, flush=True)\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    out = subprocess.run([sys.executable, "-c", server], capture_output=True, text=True, timeout=120)
    worker = int(out.stdout.split()[0])
    deadline = time.monotonic() + 20
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(worker)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie (exited, not yet reaped by init) is not alive
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_a_call_to_a_gone_worker_raises_worker_gone(pool):
    job = pool.place("playground.train.remote:RunnerHost", LONG)
    job.worker.process.kill()
    job.worker.process.wait(10)
    with pytest.raises(WorkerGone, match="killed"):
        job.call("state")
    job.close()  # nothing to close, and no error


def test_the_backend_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("PLAYGROUND_BACKEND", raising=False)
    assert backends.backend_name() == "thread" and backends.backend_name("process") == "process"
    monkeypatch.setenv("PLAYGROUND_BACKEND", "thread")
    assert backends.backend_name("process") == "thread"
    assert isinstance(backends.start_runner(Spec(), default="process"), Runner)
    monkeypatch.setenv("PLAYGROUND_BACKEND", "gpu-cluster")
    with pytest.raises(ValueError, match="PLAYGROUND_BACKEND='gpu-cluster' is not a backend: use one of thread, "
                                         "process"):
        backends.backend_name()


def test_a_worker_does_not_run_the_servers_main_script(tmp_path):
    """Inside Streamlit, __main__ is the page's script (app.py). multiprocessing's spawn ran it again
    in every worker as it started; a worker must start from the package alone."""
    marker = tmp_path / "runs.txt"
    script = tmp_path / "server.py"
    script.write_text(
        "import sys\n"
        "open(sys.argv[1], 'a').write('ran\\n')  # at import: once for each process that runs this file\n"
        "if __name__ == '__main__':\n"
        "    from playground.core.spec import Spec\n"
        "    from playground.core.workers import WorkerPool\n"
        "    pool = WorkerPool(1)\n"
        "    job = pool.place('playground.train.remote:RunnerHost', Spec())\n"
        "    print(job.call('state')[0])\n"
        "    pool.close()\n")
    out = subprocess.run([sys.executable, str(script), str(marker)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ready"]
    assert marker.read_text() == "ran\n"


def test_an_argument_that_does_not_pickle_is_refused_and_the_worker_goes_on(pool):
    job = pool.place("playground.train.remote:RunnerHost", LONG)
    try:
        with pytest.raises(Exception, match="pickle"):
            job.call("command", "set_pace", lambda: 1.0)
        assert job.call("state")[0] == "ready"  # the connection is still in step
        assert not job.worker._pending
    finally:
        job.close()


def _threads_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Threads:"))


def _children() -> set[int]:
    """This process's child processes (Linux: /proc/<pid>/task/<tid>/children)."""
    kids: set[int] = set()
    for tid in os.listdir(f"/proc/{os.getpid()}/task"):
        try:
            with open(f"/proc/{os.getpid()}/task/{tid}/children") as f:
                kids.update(int(p) for p in f.read().split())
        except FileNotFoundError:  # that thread has ended since
            pass
    return kids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads and children through /proc")
def test_200_start_stop_cycles_leave_no_processes_or_threads_behind(pool):
    import threading

    def cycles(n: int) -> None:
        share = ServerShare()
        for _ in range(n):
            r = RemoteRunner(LONG, pool=pool, share=share)
            r.start()
            r.pause()
            r.close()

    cycles(10)  # the request threads on both sides exist now (each side keeps a few for later calls)
    here, kids = threading.active_count(), _children()
    there = {w.process.pid: _threads_of(w.process.pid) for w in pool.workers}
    cycles(200)
    deadline = time.monotonic() + 10  # a closed run's threads end a moment after close() returns
    while time.monotonic() < deadline and (threading.active_count() > here + 2 or any(
            _threads_of(pid) > n + 2 for pid, n in there.items())):
        time.sleep(0.1)
    assert threading.active_count() <= here + 2
    assert {pid: _threads_of(pid) for pid in there} == pytest.approx(there, abs=2)
    assert _children() == kids  # no worker started or left behind
    assert all(w.held_jobs() == 0 for w in pool.workers)  # every run closed in its worker too
