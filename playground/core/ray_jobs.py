"""Jobs as Ray actors: the place/call/close of core/workers.py's WorkerPool, on a Ray cluster, for
a class or a sweep that outgrows one machine.

    pool = RayPool("auto")        # a cluster started with `ray start --head`; None: a local Ray here
    job = pool.place("playground.train.remote:RunnerHost", spec, None)   # raises what the job raised
    job.call("state"); job.close(); pool.close()

Each job is an actor of its own: a Python process on some node of the cluster, holding one CPU
(a page's run a fraction of one: it mostly waits) and one GPU when the job's spec trains on cuda
(so it lands on a GPU node), serving calls on up
to WORKER_THREADS threads as a worker process does, so that a slow command of a run never holds up
its snapshots. What a job raises comes back as itself (a SpecError as a SpecError). An actor that
ends (killed, its node lost, out of memory) fails every later call with WorkerGone, as a worker
process does, and the run becomes `failed` with that reason.

Ray is an optional extra (`pip install .[ray]`); nothing imports this module unless the backend
is `ray` (PLAYGROUND_BACKEND=ray, the CLI's --backend ray). Every node needs this package
installed (the same version) where its Python finds it.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any

from .workers import WORKER_THREADS, WorkerGone, _import

ADDRESS_VARIABLE = "PLAYGROUND_RAY_ADDRESS"
START_TIMEOUT_SECONDS = 120.0  # a job that no node can host (no free CPU or GPU) fails after this


def import_ray():
    """The ray module, or a RuntimeError that says how to install it."""
    try:
        import ray
    except ImportError:
        raise RuntimeError("the ray backend needs Ray, an optional extra: pip install '.[ray]' in the "
                           "playground's folder (or pip install 'ray>=2.40')") from None
    return ray


class JobHost:
    """The actor's side: builds the job, answers calls (the ray.remote class is made at first use)."""

    def __init__(self, environment: dict[str, str]):
        os.environ.update(environment)  # before the job's modules read them (e.g. training slots)
        self.job: Any = None

    def create(self, factory: str, args: tuple, kwargs: dict) -> int:
        self.job = _import(factory)(*args, **kwargs)
        return os.getpid()

    def call(self, method: str, args: tuple, kwargs: dict) -> Any:
        return getattr(self.job, method)(*args, **kwargs)

    def close(self) -> None:
        if self.job is not None and hasattr(self.job, "close"):
            self.job.close()
        self.job = None


class ActorProcess:
    """What RemoteRunner knows of a worker (`worker.pid`), for an actor."""

    def __init__(self, pid: int):
        self.pid = pid


class RayJobRef:
    """A job hosted by an actor: call its methods, close it (JobRef's interface). Thread-safe."""

    def __init__(self, ray, actor, pid: int):
        self._ray, self._actor = ray, actor
        self.worker = ActorProcess(pid)
        self._closed = False

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return _result(self._ray, self._actor.call.remote(method, args, kwargs))

    def close(self) -> None:
        """Close the job and end its actor (safe twice; an actor that is gone has nothing to close)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._ray.get(self._actor.close.remote(), timeout=30)
        except Exception:  # noqa: BLE001 - gone already, or stuck: it is killed next either way
            pass
        self._ray.kill(self._actor)


def _result(ray, ref, timeout: float | None = None) -> Any:
    """ray.get, with a job's own exception raised as itself and a dead actor as WorkerGone."""
    try:
        return ray.get(ref, timeout=timeout)
    except ray.exceptions.RayTaskError as error:
        raise error.cause from None
    except ray.exceptions.RayActorError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise WorkerGone(f"The Ray actor training this ended: {first_line}") from None
    except ray.exceptions.GetTimeoutError:
        raise WorkerGone(f"No node of the Ray cluster could start this job within {START_TIMEOUT_SECONDS:g} s "
                         "(no free CPU, or no GPU for a cuda run): close other runs or add nodes.") from None


class RayPool:
    """WorkerPool's interface (place, size, workers, warm_up, close) over Ray actors."""

    def __init__(self, address: str | None = None, environment: dict[str, str] | None = None,
                 size: int | None = None, cpus: dict[str, float] | None = None):
        """address: a cluster's ("auto", "ray://host:10001"), default PLAYGROUND_RAY_ADDRESS; none:
        a local Ray started in this process (unless one is running here already), ended by close().
        environment: variables set in each actor before its job is built. size: jobs meant to train
        at once (sweeps' parallelism), default the cluster's CPUs. cpus: the CPUs an actor holds by
        its job's factory, default 1: a page's run mostly waits for its student (and trains only
        when the server admits it), so it may hold a fraction, or idle runs would fill the cluster."""
        self._ray = ray = import_ray()
        address = address or os.environ.get(ADDRESS_VARIABLE) or None
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            ray.init(address=address, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
        self.size = size or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._environment = dict(environment or {})
        self._cpus = dict(cpus or {})
        self._host = ray.remote(JobHost)
        self._jobs: weakref.WeakSet[RayJobRef] = weakref.WeakSet()
        self._lock = threading.Lock()

    def place(self, factory: str, *args: Any, **kwargs: Any) -> RayJobRef:
        """Build `factory(*args, **kwargs)` in an actor of its own; raises what the factory raised,
        or WorkerGone when no node can host it in START_TIMEOUT_SECONDS."""
        gpus = 1 if any(_trains_on_cuda(a) for a in args) else 0
        actor = self._host.options(num_cpus=self._cpus.get(factory, 1), num_gpus=gpus,
                                   max_concurrency=WORKER_THREADS).remote(
            self._environment)
        try:
            pid = _result(self._ray, actor.create.remote(factory, args, kwargs), timeout=START_TIMEOUT_SECONDS)
        except BaseException:
            self._ray.kill(actor)
            raise
        job = RayJobRef(self._ray, actor, pid)
        with self._lock:
            self._jobs.add(job)
        return job

    @property
    def workers(self) -> list[ActorProcess]:
        with self._lock:
            return [job.worker for job in self._jobs if not job._closed]

    def warm_up(self) -> None:
        """Nothing to start ahead: an actor starts with its job."""

    def close(self) -> None:
        with self._lock:
            jobs = list(self._jobs)
        for job in jobs:
            job.close()
        if self._owns_ray:
            self._ray.shutdown()


def _trains_on_cuda(argument: Any) -> bool:
    """Whether a job's argument is a spec (or specs) that trains on a CUDA GPU."""
    from .spec import Spec

    if isinstance(argument, (list, tuple)):
        return any(_trains_on_cuda(a) for a in argument)
    return isinstance(argument, Spec) and argument.train.device.startswith("cuda")
