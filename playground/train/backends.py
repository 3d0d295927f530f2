"""Where a run trains: on a thread of this process, or in a worker process. One choice per server.

    thread    Runner: a thread here (tests, scripts, a notebook)
    process   RemoteRunner: a worker process of this server's pool (the app's default): a run
              has an interpreter to itself, so neither the page's redraws nor other runs slow it

Chosen by the environment variable PLAYGROUND_BACKEND, else by the caller's default (process
falls back to thread where worker processes are not supported: Windows). Both give
the same numbers for the same spec and seed (tests/test_backends.py checks it bit for bit).
"""

from __future__ import annotations

import os
import threading

from ..core.server_share import SHARE
from ..core.spec import Spec
from ..core.workers import SUPPORTED, WorkerPool
from .remote import RemoteRunner
from .runner import Runner

BACKENDS = ("thread", "process")
ENVIRONMENT_VARIABLE = "PLAYGROUND_BACKEND"

WORKER_MAX_RUNS = 1 << 20  # no queue in a worker: the server's admission decides
_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def backend_name(default: str = "thread") -> str:
    """PLAYGROUND_BACKEND if set, else `default`. Raises ValueError naming the variable and the
    choices for any other value."""
    name = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() or default
    if name not in BACKENDS:
        raise ValueError(f"{ENVIRONMENT_VARIABLE}={name!r} is not a backend: use one of {', '.join(BACKENDS)} "
                         f"(or leave it unset for {default}).")
    return name


def start_runner(spec: Spec, uploads=None, default: str = "thread") -> Runner | RemoteRunner:
    """A run of `spec` on the chosen backend, built now (raises SpecError for a bad spec)."""
    if use_workers(default):
        return RemoteRunner(spec, uploads=uploads)
    return Runner(spec, uploads=uploads)


def use_workers(default: str) -> bool:
    """Whether the chosen backend (PLAYGROUND_BACKEND, else `default`) is process, and can be."""
    return backend_name(default) == "process" and workers_supported()


def workers_supported() -> bool:
    """Worker processes need POSIX (Linux, macOS); elsewhere runs train on threads."""
    return SUPPORTED


def worker_pool() -> WorkerPool:
    """This server's pool of workers, one per core, started on first use.

    Each worker is a core's worth of training: its runs take turns in one training slot. Which
    runs may train at all is the server's to say (its admission queue, server_share.py, which
    RemoteRunner joins as Runner does), so a worker admits every run it is given."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = make_worker_pool(SHARE.cores)
        return _pool


def make_worker_pool(size: int) -> WorkerPool:
    """A pool of `size` workers set up to host runs: one training slot each, no queue of their own."""
    return WorkerPool(size, environment={"PLAYGROUND_TRAINING_SLOTS": "1", "PLAYGROUND_MAX_RUNS": str(WORKER_MAX_RUNS)},
                      preload=("playground.train.remote",))
