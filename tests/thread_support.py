"""Shared by test_runner.py and test_race.py, whose runners share one base
(playground.core.jobs.BackgroundTraining): call a command with a deadline, so that a command that
blocks fails its test instead of hanging the suite; interrupt a run and check that the page
can still act; drop a runner unclosed and check that its thread ends."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import Any


def promptly(command: Callable[..., Any], *args: Any, seconds: float = 5.0) -> Any:
    """command(*args) on a helper thread; fails unless it returns within `seconds`. Raises what
    the command raised. (A command that blocks leaves its daemon helper behind, stuck.)"""
    outcome: dict[str, Any] = {}

    def call() -> None:
        try:
            outcome["value"] = command(*args)
        except BaseException as error:  # noqa: BLE001 - handed back to the test below
            outcome["error"] = error

    helper = threading.Thread(target=call, name="test-command", daemon=True)
    helper.start()
    helper.join(seconds)
    assert not helper.is_alive(), f"{getattr(command, '__name__', command)} blocked for over {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def raising_once(ready: Callable[[], bool], step: Callable[[], Any],
                 error: type[BaseException]) -> Callable[[], Any]:
    """`step`, except that it raises `error` when ready() holds."""

    def stepped() -> Any:
        if ready():
            raise error()
        return step()

    return stepped


def check_interrupted_run(runner: Any, interruption: type[BaseException]) -> None:
    """`runner` was started with a step that raises `interruption`: the run ends `failed`, saying
    so and what to do; every command then returns at once; after a reset it trains again."""
    assert runner.wait(lambda s: s.status == "failed", timeout=5)
    message = runner.snapshot().message
    assert f"interrupted ({interruption.__name__})" in message and "Press Reset" in message
    promptly(runner.pause)
    promptly(runner.step)
    assert promptly(runner.wait_until_settled, 1)
    assert runner.status == "failed"  # pause and step leave a failed run as it is
    promptly(runner.reset)
    assert runner.status == "ready" and runner.snapshot().step == 0
    runner.step(2)  # a fresh job, on a fresh thread
    assert runner.wait(lambda s: s.step == 2 and s.status == "paused", timeout=5)
    promptly(runner.close)
    assert not runner.alive


def thread_ends_when_dropped(make: Callable[[], Any], thread_name: str, training: bool) -> bool:
    """Make a runner (training, if asked), drop it without close(): does its thread end?"""
    before = set(threading.enumerate())
    runner = make()
    [thread] = [t for t in threading.enumerate() if t.name == thread_name and t not in before]
    if training:
        runner.start()
        assert runner.wait(lambda s: s.step > 5)
    del runner
    gc.collect()
    thread.join(timeout=2)
    return not thread.is_alive()
