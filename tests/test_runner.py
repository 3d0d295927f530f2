"""The runner thread: commands from another thread, snapshots, and failures as statuses."""

import gc
import threading
import time

import pytest
import torch

from playground.core import jobs
from playground.core.params import SpecError
from playground.core.server_share import ServerShare
from playground.core.spec import Spec
from playground.train.runner import Runner
from thread_support import check_interrupted_run, promptly, raising_once, thread_ends_when_dropped

DIVERGING = Spec().with_overrides(**{"data.name": "plane", "train.loss": "mse", "train.optimizer.lr": 10.0,
                                    "model.layers.0.activation": "relu", "model.layers.1.activation": "relu"})


@pytest.fixture
def runner():
    runners = []

    def make(spec=None, **kwargs):
        r = Runner(spec or Spec().with_overrides(**{"train.epochs": 2000}), **kwargs)
        runners.append(r)
        return r

    yield make
    for r in runners:
        r.close()
    assert not any(r.alive for r in runners)


def test_start_pause_resume(runner):
    r = runner()
    assert r.snapshot().status == "ready" and r.snapshot().step == 0
    r.start()
    assert r.wait(lambda s: s.step >= 200)
    r.pause()
    held = r.snapshot()
    assert held.status == "paused"
    time.sleep(0.3)
    # Nothing moves while paused (a pause mid-chunk once left a huge step budget behind).
    assert r.snapshot().step == held.step
    r.toggle()
    assert r.wait(lambda s: s.step > held.step + 50)
    assert r.snapshot().status == "running"


def test_step_takes_exactly_the_steps_asked(runner):
    r = runner()
    r.step()
    assert r.wait(lambda s: s.step == 1)
    assert r.wait(lambda s: s.history["step"].iloc[-1] == 1)  # each step click shows where it led
    r.step(r.steps_per_epoch)
    assert r.wait(lambda s: s.step == 1 + r.steps_per_epoch)
    snap = r.snapshot()
    assert snap.status == "paused" and snap.epoch == pytest.approx(1 + 1 / r.steps_per_epoch)
    # Pictures follow a step (drawn just after the step count moves, so wait for them).
    assert r.wait(lambda s: s.visuals is not None and s.visuals.step == s.step == 1 + r.steps_per_epoch)


def test_runs_to_done_and_says_so(runner):
    r = runner(Spec().with_overrides(**{"train.epochs": 3}))
    r.start()
    assert r.wait(lambda s: s.status == "done")
    snap = r.snapshot()
    assert snap.step == snap.total_steps == 3 * snap.steps_per_epoch
    assert "Finished" in snap.message
    r.start()  # a finished run does not restart by itself
    assert r.snapshot().status == "done"


def test_reset_clears_and_can_take_a_new_spec(runner):
    r = runner()
    r.start()
    assert r.wait(lambda s: s.step > 100)
    r.reset(Spec().with_overrides(**{"data.name": "xor"}))
    time.sleep(0.2)
    snap = r.snapshot()
    assert snap.status == "ready" and snap.step == 0 and len(snap.history) == 1
    assert r.spec.data.name == "xor"


def test_a_bad_spec_on_reset_leaves_the_run_alone(runner):
    r = runner()
    r.step(10)
    assert r.wait(lambda s: s.step == 10)
    with pytest.raises(SpecError, match="train.loss"):
        r.reset(Spec().with_overrides(**{"data.name": "sine", "train.loss": "bce"}))
    assert r.snapshot().step == 10 and r.spec.data.name == "circle"


def test_optimizer_settings_apply_mid_run_without_reset(runner):
    r = runner()
    r.start()
    assert r.wait(lambda s: s.step > 100)
    r.set_optimizer(r.spec.with_overrides(**{"train.optimizer.lr": 0.5}).train.optimizer)
    assert r.wait(lambda s: s.history["lr"].iloc[-1] == 0.5)
    assert r.snapshot().history["step"].iloc[0] == 0  # same run, not a reset
    assert r.spec.train.optimizer["lr"] == 0.5


def test_divergence_becomes_a_status_with_a_message(runner):
    r = runner(DIVERGING)
    r.start()
    assert r.wait(lambda s: s.status == "diverged")
    assert "Training diverged" in r.snapshot().message and "learning rate" in r.snapshot().message
    assert r.alive  # the thread lives on for a reset
    r.reset(DIVERGING.with_overrides(**{"train.optimizer.lr": 0.01}))
    r.step(5)
    assert r.wait(lambda s: s.step == 5 and s.status == "paused")


def test_a_paced_run_that_diverges_says_so(runner):
    # A chunk that raises has taken no counted steps; charging the pace for them once read a
    # count left over from the chunk before, and failed outright when there was none.
    r = runner(DIVERGING)
    r.set_pace(40)
    r.start()
    assert r.wait(lambda s: s.status in ("diverged", "failed"), timeout=10)
    assert r.snapshot().status == "diverged", r.snapshot().message


def test_an_exception_inside_the_thread_becomes_failed(runner, monkeypatch):
    r = runner()

    def broken(*args, **kwargs):
        raise RuntimeError("simulated out-of-memory")

    monkeypatch.setattr(r.trainer, "train_step", broken)
    r.start()
    assert r.wait(lambda s: s.status == "failed")
    assert "RuntimeError: simulated out-of-memory" in r.snapshot().message


@pytest.mark.parametrize("interruption", [SystemExit, KeyboardInterrupt])
def test_an_interrupted_thread_fails_visibly_and_every_command_returns(runner, monkeypatch, interruption):
    # Neither is an Exception: one raised inside a step once ended the thread with the status
    # left at running, and the next pause() or reset() waited for that thread forever.
    r = runner()
    trainer = r.trainer
    monkeypatch.setattr(trainer, "train_step", raising_once(lambda: trainer.step == 5, trainer.train_step,
                                                            interruption))
    r.start()
    check_interrupted_run(r, interruption)


def test_an_error_outside_a_training_step_fails_visibly_too(runner, monkeypatch):
    # An error in the thread's own bookkeeping (here: working out a pace) is not inside a step's
    # handler; it once ended the thread silently, the page showing "Training" forever.
    r = runner()

    def broken_pace():
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(r, "_pace_delay", broken_pace)
    r.set_pace(1)
    r.start()
    assert r.wait(lambda s: s.status == "failed", timeout=5)
    assert "ZeroDivisionError: simulated bug" in r.snapshot().message
    promptly(r.pause)
    monkeypatch.undo()
    promptly(r.reset)
    r.start()
    assert r.wait(lambda s: s.step > 0, timeout=5)


@pytest.mark.parametrize("training", [False, True], ids=["idle", "training"])
def test_a_runner_dropped_without_close_ends_its_thread(training):
    # The thread once held its runner (a bound method as its target), so a page that dropped a
    # runner without close() left a thread behind for good, training if it was.
    assert thread_ends_when_dropped(lambda: Runner(Spec().with_overrides(**{"train.epochs": 2000})),
                                    "playground-runner", training)


def test_wait_until_settled_returns_when_the_run_stands_still(runner):
    r = runner()  # 2000 epochs: far longer than the waits below
    r.start()
    assert not r.wait_until_settled(timeout=0.2)  # still running
    r.pause()
    assert r.wait_until_settled(timeout=1)
    held = r.trainer.step
    r.step(40)
    assert r.wait_until_settled(timeout=5) and r.trainer.step == held + 40  # all the steps, then still
    short = runner(Spec().with_overrides(**{"train.epochs": 3}))
    short.start()
    assert short.wait_until_settled(timeout=30) and short.status == "done"


def test_a_pace_caps_the_steps_a_second_and_steps_ignore_it(runner):
    r = runner()
    r.set_pace(4)  # epochs a second: 100 updates a second on the default 25-update epochs
    started = time.perf_counter()
    r.start()
    time.sleep(0.5)
    r.pause()
    elapsed = time.perf_counter() - started
    taken = r.trainer.step
    assert 0 < taken <= 100 * elapsed + 2  # never ahead of the pace (it may fall behind on a slow machine)
    steps = r.snapshot().history["step"].tolist()
    assert len(steps) >= 3 and steps[-1] <= taken  # a paced run records as it goes, not every 100 updates only
    r.set_pace(1e-3)  # a step every 10 seconds while running...
    r.step(30)  # ...but Step is not slowed down
    assert r.wait_until_settled(timeout=5) and r.trainer.step == taken + 30
    r.set_pace(None)
    assert r.pace is None
    with pytest.raises(ValueError, match="positive number of epochs a second"):
        r.set_pace(0)


def test_a_paced_run_takes_its_steps_in_chunks_not_one_by_one(runner):
    # Fast (40 epochs a second: 1000 updates on the default run) once woke the thread for every
    # update, and a paced chunk ends with a record: one record per update, and the run reached a
    # tenth of its pace. Chunks start at most once a tick, so records are bounded by time.
    r = runner()
    r.set_pace(40)
    started = time.perf_counter()
    r.start()
    time.sleep(0.6)
    r.pause()
    elapsed = time.perf_counter() - started
    taken = r.trainer.step
    records = len(r.snapshot().history) - 1  # the one at step 0 came before the run
    ticks = elapsed / jobs.PACE_TICK_SECONDS
    assert taken > 0 and records >= 1
    assert records <= ticks + taken / 100 + 2  # one a chunk, plus the every-100-updates ones


def test_a_paced_run_pauses_at_once(runner):
    """A paced run waits for its next step off the lock, with no chunk in flight: pause() finds
    the thread idle and returns. No clock: were the wait inside a chunk, pause() would give up
    after COMMAND_WAIT_SECONDS with the chunk still in flight, and the check below says so."""
    r = runner()
    r.set_pace(1e-4)  # one update every 400 seconds, far beyond COMMAND_WAIT_SECONDS
    r.start()
    assert r.wait(lambda s: s.step == 1)  # the first step comes at once
    r.pause()
    assert r.wait_until_settled(timeout=0), "pause() returned with a chunk still in flight"
    assert r.status == "paused" and r.trainer.step == 1


def test_close_stops_the_thread(runner):
    r = runner()
    r.start()
    assert r.wait(lambda s: s.step > 10)
    r.close()
    assert not r.alive
    assert "playground-runner" not in [t.name for t in threading.enumerate() if t.ident == r._thread.ident]


def test_two_runners_do_not_see_each_other(runner):
    a = runner()
    b = runner(Spec().with_overrides(**{"data.name": "xor", "train.epochs": 2000}))
    a.step(30)
    assert a.wait(lambda s: s.step == 30)
    assert b.snapshot().step == 0
    assert b.snapshot().dataset.name == "xor"


def test_runs_beyond_the_servers_limit_wait_their_turn_and_start_on_their_own(runner):
    share = ServerShare(max_runs=2, training_slots=1)
    a, b, c, d = (runner(share=share) for _ in range(4))
    for r in (a, b, c, d):
        r.start()
    assert a.wait(lambda s: s.step > 20) and b.wait(lambda s: s.step > 20)
    time.sleep(0.3)
    assert [r.snapshot().queue_place for r in (c, d)] == [1, 2]
    assert c.snapshot().step == d.snapshot().step == 0 and c.status == d.status == "running"
    d.step(5)  # a queued run ignores Step, as any running one does
    promptly(a.pause)  # a leaves: c, first in line, trains; d moves up
    assert c.wait(lambda s: s.step > 20 and s.queue_place == 0, timeout=10)
    assert d.snapshot().queue_place == 1 and d.snapshot().step == 0
    promptly(d.pause)  # a queued run paused gives up its place
    assert d.snapshot().queue_place == 0 and share.admission.queued == 0
    promptly(b.close)  # so does a closed one: the place goes to the next run to start
    a.start()
    assert a.wait(lambda s: s.queue_place == 0 and s.status == "running", timeout=10)
    assert share.admission.active == 2


def test_a_dropped_runner_leaves_the_servers_queue():
    share = ServerShare(max_runs=1)
    first, second = Runner(Spec(), share=share), Runner(Spec(), share=share)
    first.start()
    second.start()
    assert second.wait(lambda s: s.queue_place == 1)
    del first
    gc.collect()
    assert second.wait(lambda s: s.queue_place == 0 and s.step > 0, timeout=10)
    second.close()


def test_runner_refuses_server_side_paths(runner, tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    with pytest.raises(SpecError):
        runner(Spec().with_overrides(**{"data.name": f"csv:{path}"}))


def test_runner_trains_the_same_numbers_as_the_trainer(runner):
    from playground.train.trainer import Trainer

    spec = Spec().with_overrides(**{"train.epochs": 4})
    r = runner(spec)
    r.start()
    assert r.wait(lambda s: s.status == "done")
    direct = Trainer(spec)
    direct.run(direct.total_steps)
    threaded = r.snapshot().history["train_loss"].tolist()
    assert threaded == [rec.train_loss for rec in direct.history.records]
    assert torch.get_num_threads() == 1  # tiny models train on one CPU thread
