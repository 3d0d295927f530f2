"""Where a run trains: on a thread of this process, in a worker process, or on a Ray cluster. One
choice per server.

    thread    Runner: a thread here (tests, scripts, a notebook)
    process   RemoteRunner: a worker process of this server's pool (the app's default): a run
              has an interpreter to itself, so neither the page's redraws nor other runs slow it
    ray       RemoteRunner: a Ray actor on the cluster at PLAYGROUND_RAY_ADDRESS (or a local Ray
              started here), the same jobs as the worker processes' (core/ray_jobs.py); Ray is
              an optional extra

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
from .remote import HOST, RemoteRunner
from .runner import Runner

BACKENDS = ("thread", "process", "ray")
ENVIRONMENT_VARIABLE = "PLAYGROUND_BACKEND"

WORKER_MAX_RUNS = 1 << 20  # no queue in a worker: the server's admission decides
RUN_CPUS = 0.25  # of a Ray node's CPUs, held by a page's run (an actor) while it waits or trains
WORKER_ENVIRONMENT = {"PLAYGROUND_TRAINING_SLOTS": "1", "PLAYGROUND_MAX_RUNS": str(WORKER_MAX_RUNS)}
_pool = None  # WorkerPool or RayPool
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
    """Whether runs train off this process: the chosen backend (PLAYGROUND_BACKEND, else
    `default`) is ray, or process where worker processes are supported."""
    name = backend_name(default)
    return name == "ray" or (name == "process" and workers_supported())


def workers_supported() -> bool:
    """Worker processes need POSIX (Linux, macOS); elsewhere runs train on threads."""
    return SUPPORTED


def worker_pool():
    """This server's pool of workers, one per core, started on first use (a RayPool when the
    backend is ray).

    Each worker is a core's worth of training: its runs take turns in one training slot. Which
    runs may train at all is the server's to say (its admission queue, server_share.py, which
    RemoteRunner joins as Runner does), so a worker admits every run it is given."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = make_pool("ray" if backend_name() == "ray" else "process", SHARE.cores)
        return _pool


def make_pool(backend: str, size: int, ray_address: str | None = None):
    """A pool for `backend` ("process" or "ray"): worker processes, or Ray actors on the cluster
    at `ray_address` (default PLAYGROUND_RAY_ADDRESS, else a local Ray); both host runs alike."""
    if backend == "ray":
        from ..core.ray_jobs import RayPool

        return RayPool(ray_address, environment=WORKER_ENVIRONMENT, cpus={HOST: RUN_CPUS})
    return make_worker_pool(size)


def make_worker_pool(size: int) -> WorkerPool:
    """A pool of `size` workers set up to host runs: one training slot each, no queue of their own."""
    return WorkerPool(size, environment=WORKER_ENVIRONMENT, preload=("playground.train.remote",))
