"""Worker processes that host jobs off the server's process, and the handles that drive them.

Why: a playground network is small, so its training is mostly Python, and Python runs one thread
of a process at a time. A run on a thread of the Streamlit server shares that one thread's worth
of time with every page redraw and with every other student's run (issue 14: at Speed Max a
watched run trained at 0.74x the speed of the same run alone). A job in a worker process has the
worker's interpreter to itself.

How: a WorkerPool holds up to `size` worker processes (default: one per core), each a fresh
Python (a fork of a threaded server holding torch's thread pools can hang its child), talking
over a socket pair with multiprocessing's Connection (pickled messages). POSIX only. Each
worker hosts any number of jobs: objects built in the worker from a factory named by its import
path ("playground.train.remote:RunnerHost"), each kept under a job id. A JobRef calls a method
of its job and returns its result, or raises what the method raised (SpecError comes back as
SpecError). Requests run on threads of the worker, so one job's slow command (a pause waiting
for the update in flight) never holds up another's; replies come back tagged with the request's
number, matched by a reader thread on this side.

A worker that ends (a crash, a kill, running out of memory) fails every call to its jobs with
WorkerGone, saying how it ended; the pool starts a new worker for the next job placed. A worker
whose server ends sees its pipe close and exits. Closing a JobRef (or dropping it) closes its
job in the worker.
"""

from __future__ import annotations

import importlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import traceback
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from .server_share import cpu_count

WORKER_THREADS = 32  # requests a worker serves at once (commands wait briefly; most are instant)
GONE_WAIT_SECONDS = 1.0  # after the pipe closes, how long to wait for the exit code that says why


class WorkerGone(RuntimeError):
    """The worker process hosting a job has ended; the message says how."""


def _import(path: str) -> Any:
    module, _, name = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


class Worker:
    """One worker process and this side of its connection."""

    def __init__(self, environment: dict[str, str], preload: tuple[str, ...]):
        here, there = socket.socketpair()
        # A fresh interpreter, not multiprocessing's spawn: spawn runs the parent's __main__ again
        # in the child, and inside Streamlit that is the page's script (app.py), which then ran
        # in every worker. The child finds the package where this process does (sys.path).
        env = {**os.environ, **environment, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(there.fileno()), *preload],
            pass_fds=(there.fileno(),), env=env, stdin=subprocess.DEVNULL)
        there.close()  # the worker holds its end; ours closing (or this process ending) tells it we are gone
        self._conn = Connection(here.detach())
        self._lock = threading.Lock()  # one message on the connection at a time; guards _pending and gone
        self._pending: dict[int, Future] = {}
        self._numbers = itertools.count(1)
        self.gone: str | None = None  # how the worker ended, once it has
        self.jobs = 0  # jobs placed here and not yet closed: the pool places new ones on the emptiest
        threading.Thread(target=self._read, name="playground-worker-reader", daemon=True).start()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def count_job(self, change: int) -> None:
        with self._lock:
            self.jobs += change

    @property
    def pid(self) -> int:
        return self.process.pid

    def held_jobs(self) -> int:
        """How many jobs the worker process holds, as it counts them (`jobs` is the server's count)."""
        return self.call(0, "__held__")

    def call(self, job: int, method: str, *args: Any, **kwargs: Any) -> Any:
        """`method(*args, **kwargs)` of job `job` in the worker; its result, or what it raised."""
        future: Future = Future()
        with self._lock:
            if self.gone is not None:
                raise WorkerGone(self.gone)
            number = next(self._numbers)
            self._pending[number] = future
            try:
                self._conn.send((number, job, method, args, kwargs))
            except Exception as error:  # the connection is closed, or an argument would not pickle
                del self._pending[number]
                if not isinstance(error, OSError) or self.alive:
                    raise
                raise WorkerGone(self._how_it_ended()) from error
        return future.result()

    def _read(self) -> None:
        while True:
            try:
                number, ok, value = self._conn.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                future = self._pending.pop(number, None)
            if future is not None:
                (future.set_result if ok else future.set_exception)(value)
        reason = self._how_it_ended()
        with self._lock:
            self.gone = reason
            pending, self._pending = self._pending, {}
        for future in pending.values():
            future.set_exception(WorkerGone(reason))

    def _how_it_ended(self) -> str:
        try:
            code = self.process.wait(GONE_WAIT_SECONDS)  # also reaps it
        except subprocess.TimeoutExpired:
            code = None
        if code is None:
            how = "stopped answering"
        elif code < 0:
            try:
                how = f"was killed ({signal.Signals(-code).name})"
            except ValueError:
                how = f"was killed (signal {-code})"
        else:
            how = f"exited with code {code}"
        hint = " (out of memory?)" if code == -signal.SIGKILL else ""
        return f"The training process {how}{hint}."

    def stop(self) -> None:
        """End the worker now (its jobs fail with WorkerGone)."""
        if self.alive:
            self.process.kill()
        self._conn.close()


class JobRef:
    """A job hosted by a worker: call its methods, close it. Safe to use from any thread."""

    def __init__(self, worker: Worker, job: int):
        self.worker = worker
        self.job = job
        self._closed = False
        self._finalizer = weakref.finalize(self, _close_later, worker, job)
        self._finalizer.atexit = False

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.worker.call(self.job, method, *args, **kwargs)

    def close(self) -> None:
        """Close the job in its worker (safe to call twice; a worker that is gone has nothing to close)."""
        if not self._closed:
            self._closed = True
            self._finalizer.detach()
            _close(self.worker, self.job)


def _close(worker: Worker, job: int) -> None:
    worker.count_job(-1)
    try:
        worker.call(job, "__drop__")
    except WorkerGone:
        pass


def _close_later(worker: Worker, job: int) -> None:
    # A finalizer may run on a thread that is inside Worker.call, holding its lock: send from another.
    threading.Thread(target=_close, args=(worker, job), daemon=True).start()


class WorkerPool:
    def __init__(self, size: int | None = None, environment: dict[str, str] | None = None,
                 preload: tuple[str, ...] = ()):
        """size: worker processes at most (default: the cores this process may use). environment:
        variables set in each worker before it imports anything. preload: modules each worker
        imports as it starts, so that the first job placed on it does not wait for them."""
        self.size = size or cpu_count()
        self._environment = dict(environment or {})
        self._preload = tuple(preload)
        self._lock = threading.Lock()
        self._workers: list[Worker] = []
        self._jobs = itertools.count(1)

    def warm_up(self) -> None:
        """Start every worker now (they import in the background): the first jobs then start at once."""
        with self._lock:
            self._replace_the_gone()
            while len(self._workers) < self.size:
                self._workers.append(self._start_worker())

    def place(self, factory: str, *args: Any, **kwargs: Any) -> JobRef:
        """Build `factory(*args, **kwargs)` in the worker with the fewest jobs; raises what the
        factory raised. factory: "package.module:name"."""
        with self._lock:
            self._replace_the_gone()
            if len(self._workers) < self.size and all(w.jobs for w in self._workers):
                self._workers.append(self._start_worker())
            worker = min(self._workers, key=lambda w: w.jobs)
            worker.count_job(+1)
            job = next(self._jobs)
        try:
            worker.call(job, "__create__", factory, args, kwargs)
        except BaseException:
            worker.count_job(-1)
            raise
        return JobRef(worker, job)

    @property
    def workers(self) -> list[Worker]:
        with self._lock:
            return list(self._workers)

    def close(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()

    def _replace_the_gone(self) -> None:
        self._workers = [w for w in self._workers if w.gone is None and w.alive]

    def _start_worker(self) -> Worker:
        return Worker(self._environment, self._preload)


# ---------------------------------------------------------------------------- the worker's side

SUPPORTED = os.name == "posix"  # a worker's connection is a socket handed over as a file descriptor
_CHILD = "import sys; from playground.core.workers import serve; serve(int(sys.argv[1]), tuple(sys.argv[2:]))"


def serve(fd: int, preload: tuple[str, ...]) -> None:
    """A worker's body: answer requests on the connection `fd` until the server's end closes."""
    conn = Connection(fd)
    for module in preload:
        importlib.import_module(module)
    jobs: dict[int, Any] = {}
    send_lock = threading.Lock()

    def answer(number: int, job: int, method: str, args: tuple, kwargs: dict) -> None:
        try:
            if method == "__create__":
                factory, factory_args, factory_kwargs = args
                jobs[job] = _import(factory)(*factory_args, **factory_kwargs)
                reply = (number, True, None)
            elif method == "__held__":
                reply = (number, True, len(jobs))
            elif method == "__drop__":
                dropped = jobs.pop(job, None)
                if dropped is not None and hasattr(dropped, "close"):
                    dropped.close()
                reply = (number, True, None)
            else:
                reply = (number, True, getattr(jobs[job], method)(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - raised again on the caller's side
            reply = (number, False, error)
        with send_lock:
            try:
                conn.send(reply)
            except Exception as error:  # noqa: BLE001 - a result or an exception that does not pickle
                traceback.print_exc()
                conn.send((number, False, RuntimeError(f"{type(error).__name__}: {error}")))

    requests = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="playground-request")
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        requests.submit(answer, *message)
    # The server is gone: stop the jobs' threads and leave, without waiting for a request in flight.
    for job in list(jobs.values()):
        if hasattr(job, "close"):
            job.close()
    os._exit(0)
