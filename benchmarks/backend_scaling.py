"""Many runs at once on one server, on each backend: K runs of the default circle spec train
flat out together, on threads of this process (Runner) and in worker processes (RemoteRunner, a
pool of one worker per core), for --seconds. Printed: each backend's total updates a second,
and as a multiple of one run alone on a thread (measured first, in the same process). On the
thread backend K runs share one interpreter, so the total stays near one run's; in workers it
grows with the cores, up to one run's speed times min(K, cores).

    .venv/bin/python benchmarks/backend_scaling.py [--runs 1,2,4] [--seconds 6]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.core.server_share import ServerShare, cpu_count  # noqa: E402
from playground.core.spec import Spec  # noqa: E402
from playground.train.backends import make_worker_pool  # noqa: E402
from playground.train.remote import RemoteRunner  # noqa: E402
from playground.train.runner import Runner  # noqa: E402

SPEC = Spec().with_overrides(**{"train.epochs": 10_000})


def updates_per_second(runners, seconds: float) -> float:
    """Start them all, let them train `seconds`, pause them all: updates a second, all together."""
    before = sum(r.steps_taken for r in runners)
    start = time.perf_counter()
    for r in runners:
        r.start()
    time.sleep(seconds)
    for r in runners:
        r.pause()
    elapsed = time.perf_counter() - start
    return (sum(r.steps_taken for r in runners) - before) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="1,2,4", help="how many runs train at once, a comma-separated list")
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    cores = cpu_count()
    # One share for the whole benchmark, as a server has: every run admitted, the thread runs'
    # chunks taking turns in cores - 1 slots (the server's default; a core is left for pages).
    share = ServerShare(max_runs=1000)
    pool = make_worker_pool(cores)
    pool.warm_up()
    alone = Runner(SPEC, share=share)
    baseline = updates_per_second([alone], args.seconds)
    alone.close()
    print(f"{cores} cores; one run alone on a thread: {baseline:,.0f} updates/s")
    for k in (int(n) for n in args.runs.split(",")):
        for backend in ("thread", "process"):
            if backend == "thread":
                runners = [Runner(SPEC, share=share) for _ in range(k)]
            else:
                runners = [RemoteRunner(SPEC, pool=pool, share=share) for _ in range(k)]
            total = updates_per_second(runners, args.seconds)
            for r in runners:
                r.close()
            print(f"{k} runs, {backend:7s}: {total:8,.0f} updates/s in all, {total / baseline:.2f}x one run alone, "
                  f"{total / k / baseline:.2f}x each", flush=True)
    pool.close()


if __name__ == "__main__":
    main()
