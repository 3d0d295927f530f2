"""Sharing one server among many runs: the queue of runs and the fair training slots."""

from __future__ import annotations

import threading
import time

from playground.core.server_share import Admission, FairSlots, ServerShare


def test_admission_queues_runs_beyond_the_limit_first_come_first_served():
    admission = Admission(limit=2)
    a, b, c, d = (object() for _ in range(4))
    assert [admission.request(r) for r in (a, b, c, d)] == [0, 0, 1, 2]
    assert admission.request(c) == 1 and admission.request(a) == 0  # asking again changes nothing
    admission.leave(a)
    assert admission.request(d) == 1  # c was first in line
    assert admission.request(c) == 0 and admission.request(d) == 1
    admission.leave(d)  # a queued run gives up its place
    assert (admission.active, admission.queued) == (2, 0)


def test_a_freed_slot_goes_to_the_longest_waiting_thread_not_back_to_the_releaser():
    slots = FairSlots(1)
    order: list[str] = []
    assert slots.acquire()
    waiters = []
    for name in ("first", "second"):
        def wait(name=name):
            with slots.held():
                order.append(name)
        waiters.append(threading.Thread(target=wait))
        waiters[-1].start()
        time.sleep(0.05)  # "first" queues before "second"
    slots.release()
    # The releaser asks again at once, as a training thread looping over chunks does: it must
    # queue behind both, not take the slot back.
    assert slots.acquire(timeout=5.0)
    order.append("releaser")
    slots.release()
    for t in waiters:
        t.join(timeout=5.0)
    assert order == ["first", "second", "releaser"]


def test_a_wait_for_a_slot_that_times_out_leaves_no_trace():
    slots = FairSlots(1)
    assert slots.acquire()
    assert not slots.acquire(timeout=0.05)
    slots.release()
    assert slots.acquire(timeout=0.5)  # the slot was not handed to the departed waiter


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_RUNS", "3")
    monkeypatch.setenv("PLAYGROUND_TRAINING_SLOTS", "2")
    share = ServerShare()
    assert (share.admission.limit, share.slots.size) == (3, 2)
    monkeypatch.setenv("PLAYGROUND_MAX_RUNS", "many")  # not a number: the default
    assert ServerShare().admission.limit == max(4, 4 * ServerShare().cores)


def test_redraws_slow_down_as_runs_outnumber_the_cores():
    share = ServerShare(max_runs=100)
    share.cores = 2
    periods = []
    for _ in range(12):
        share.admission.request(object())
        periods.append(share.redraw_period(0.25))
    # Twice as long for each further core's worth of runs, then no slower than MAX_SLOWDOWN x.
    assert periods == [0.25, 0.25, 0.5, 0.5, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]
