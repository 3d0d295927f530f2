"""One server, many runs: who may train, and when. Process-wide, shared by every page's runner.

Measured on a 2-core machine with the runs all on their own threads (benchmarks/classroom_load.py):
with 4 browser pages training at once each page trained at ~130 updates/s, redrew less than once
a second, and a fifth visitor waited 41 s for the page to draw; Python lets one thread run at a
time, and every training thread took its turn at it as often as the page's own work did. Two
rules make the server fair and keep it answering:

- Admission: at most `max_runs` runs train at once (default 4 a core); a run started beyond that
  is queued, first come first served, and its page says so with its place in the queue. A run
  that pauses, ends or fails leaves, and the next in line starts on its own.
- Training slots: the admitted runs train in chunks (jobs.CHUNK_SECONDS, at most 50 ms),
  and only `training_slots` chunks run at the same time (default one fewer than the cores, at
  least one), handed round in turn. The cores left over, and the turns between chunks, go to
  drawing pages, answering new visitors and the browser's own work.

- Per session: one browser tab's sweep trains at most `session_workers` of its chunks at once
  (default half the cores, at least one), so that one student's sweep leaves workers to the
  others' runs.

The limits can be set per server with the environment variables PLAYGROUND_MAX_RUNS,
PLAYGROUND_TRAINING_SLOTS and PLAYGROUND_SESSION_WORKERS. `redraw_period` slows the pages' live
redraws down as the server fills. With admission, slots and that slowing (same benchmark, browsers
on the same 2 cores): 8 pages trained at ~276 updates/s each and redrew every 2 s, a new
visitor's page drew in 9.9 s (4.3 s idle), health in 9 ms.
"""

from __future__ import annotations

import math
import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

MAX_SLOWDOWN = 8  # live redraws slow at most to one every 8 x 0.25 s = 2 s


def cpu_count() -> int:
    """The CPUs this process may run on (a container's or taskset's limit, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, "")))
    except ValueError:
        return default


class FairSlots:
    """A semaphore that hands a freed slot straight to the thread that has waited longest.
    (threading.Semaphore lets the releasing thread take the slot back at once: a training
    thread that loops over chunks would then starve the others.)"""

    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[threading.Event] = deque()

    def acquire(self, timeout: float | None = None) -> bool:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # the slot passes on without ever being free
            else:
                self._free += 1

    @contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


class Admission:
    """At most `limit` runs train at once; the others wait in a queue, first come first served.
    A run is any hashable token (jobs.py gives each runner its own object())."""

    def __init__(self, limit: int):
        self.limit = limit
        self._lock = threading.Lock()
        self._active: set[object] = set()
        self._queue: deque[object] = deque()

    def request(self, run: object) -> int:
        """0 when `run` may train (now or already), else its 1-based place in the queue."""
        with self._lock:
            if run in self._active:
                return 0
            if run not in self._queue:
                self._queue.append(run)
            while self._queue and len(self._active) < self.limit:
                self._active.add(self._queue.popleft())
            return 0 if run in self._active else self._queue.index(run) + 1

    def leave(self, run: object) -> None:
        """`run` stops training (paused, ended, failed, closed) or stops waiting."""
        with self._lock:
            self._active.discard(run)
            if run in self._queue:
                self._queue.remove(run)

    @property
    def active(self) -> int:
        with self._lock:
            return len(self._active)

    @property
    def queued(self) -> int:
        with self._lock:
            return len(self._queue)


class ServerShare:
    def __init__(self, max_runs: int | None = None, training_slots: int | None = None,
                 session_workers: int | None = None):
        cores = cpu_count()
        self.cores = cores
        # Worker jobs one page's sweep trains at once (ui/sweep_page.py).
        self.session_workers = session_workers or _env_int("PLAYGROUND_SESSION_WORKERS", max(1, cores // 2))
        self.admission = Admission(max_runs or _env_int("PLAYGROUND_MAX_RUNS", max(4, 4 * cores)))
        self.slots = FairSlots(training_slots or _env_int("PLAYGROUND_TRAINING_SLOTS", max(1, cores - 1)))

    def redraw_period(self, base: float) -> float:
        """Seconds between a page's live redraws: `base` while the runs training fit the server's
        cores, then twice as long for each further core's worth of runs, up to MAX_SLOWDOWN times
        `base`, so that drawing pages never takes the time the runs need (each redraw costs the
        server a script run and every watching browser ~0.3 s of CPU). Powers of two: the period
        changes seldom, and each change costs every page a full rerun (panels.py)."""
        crowd = math.ceil(self.admission.active / self.cores)  # runs per core, rounded up
        return base * min(MAX_SLOWDOWN, 2 ** max(0, crowd - 1))


SHARE = ServerShare()  # the process's one share, used by every runner unless given another
