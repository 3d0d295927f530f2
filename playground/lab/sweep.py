"""Sweeps: one spec trained once for each combination of up to three settings' values.

A sweep is a base spec and up to MAX_SETTINGS axes, each a setting's dotted key and its values:
given as a list (a grid: every combination, in order, the last axis fastest) or drawn from a
range (random samples, seeded: the same sweep draws the same values). At most MAX_VARIANTS
variants. Every variant is checked before any trains: one that the spec refuses (a learning rate
of -1) refuses the sweep, naming the key, the value and why.

Each variant trains to its end (its epochs, or early stopping) and gives one row: its settings,
how it ended (done / diverged / failed, with the message), and its final and best scores. A
diverged variant is a result (too large a learning rate is worth knowing), not an error.

Variants of a dense network that differ only in settings that leave its batches alone (the
optimizer and its settings, L1/L2, clipping, the schedule, epochs, early stopping: STACK_FREE, and
the widths of its dense layers) train together as one stacked network (train/stacked.py), in
chunks of at most STACK_ROWS: one forward and backward pass a step for the whole chunk. The
chunks do not depend on the backend or the worker count, so both backends give the same numbers;
a stacked variant's numbers equal its separate run's within float tolerance (`stack=False` trains
every variant alone).

Where chunks train: one after another in this process (`thread`), or spread over worker
processes, one chunk per worker at a time (`process`, core/workers.py).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from ..core import untrusted
from ..core.params import SpecError
from ..core.server_share import cpu_count
from ..core.spec import Spec, TrainSpec
from ..core.workers import WorkerGone, WorkerPool
from ..train.backends import make_pool
from ..train.stacked import spec_stacks

MAX_VARIANTS = 256
# The training settings a stacked chunk's rows may differ in: each row has its own optimizer,
# penalty, clipping, schedule and length (train/stacked.py); everything else is shared.
STACK_FREE = ("optimizer", "l1", "l2", "grad_clip", "epochs", "early_stopping_patience", "schedule")
# Rows of one stacked chunk. A chunk costs about twice one run at 16 rows, and chunks of a big group
# still spread over the workers.
STACK_ROWS = 16
MAX_SETTINGS = 3
MAX_SAMPLES = MAX_VARIANTS


@dataclass(frozen=True)
class Axis:
    """One swept setting: its dotted key and the values it takes, as given (text or numbers)."""

    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Variant:
    settings: dict[str, Any]  # key -> value, one per axis
    spec: Spec


@dataclass
class VariantResult:
    settings: dict[str, Any]
    status: str  # "done" | "diverged" | "failed"
    message: str = ""
    steps: int = 0
    epoch: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)  # final train/test loss and metric, best test loss
    seconds: float = 0.0

    def row(self) -> dict[str, Any]:
        return {**self.settings, "status": self.status, "steps": self.steps, "epoch": round(self.epoch, 3),
                **self.scores, "seconds": round(self.seconds, 3), "message": self.message}


# --------------------------------------------------------------------------- axes

def grid_axis(text: str) -> Axis:
    """"train.optimizer.lr=0.001,0.01,0.1" -> Axis("train.optimizer.lr", ("0.001", "0.01", "0.1"))."""
    key, values = _key_and_rest(text, "--grid", "train.optimizer.lr=0.001,0.01,0.1")
    items = tuple(v.strip() for v in values.split(","))
    if not all(items):
        raise SpecError(f"{text!r} has an empty value; separate values with single commas", "--grid")
    if len(set(items)) != len(items):
        raise SpecError(f"{key} lists a value twice in {values!r}", "--grid")
    return Axis(key, items)


def random_axis(text: str, samples: int, rng: random.Random) -> Axis:
    """"train.optimizer.lr=0.0001..1:log" -> `samples` values drawn from that range: uniformly, or
    log-uniformly with ":log"; whole numbers if both ends are (a batch size)."""
    key, rest = _key_and_rest(text, "--random", "train.optimizer.lr=0.0001..1:log")
    spread, _, scale = rest.partition(":")
    low_text, sep, high_text = spread.partition("..")
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        low = high = math.nan
    if not sep or not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise SpecError(f"{text!r}: write a range as LOW..HIGH with LOW < HIGH, e.g. "
                        "train.optimizer.lr=0.0001..1:log", "--random")
    if scale not in ("", "log"):
        raise SpecError(f"{text!r}: the only scale is ':log' (log-uniform); leave it off for uniform", "--random")
    if scale == "log" and low <= 0:
        raise SpecError(f"{text!r}: a log-uniform range must be above 0", "--random")
    whole = _is_int(low_text) and _is_int(high_text)
    values = []
    for _ in range(samples):
        u = rng.random()
        x = math.exp(math.log(low) + u * (math.log(high) - math.log(low))) if scale else low + u * (high - low)
        values.append(int(round(x)) if whole else float(f"{x:.4g}"))
    return Axis(key, tuple(values))


def _key_and_rest(text: str, option: str, example: str) -> tuple[str, str]:
    untrusted.check_text(text, option, what="a sweep axis")
    key, sep, rest = text.partition("=")
    if not sep or not key.strip() or not rest.strip():
        raise SpecError(f"{text!r} is not KEY=VALUES; write e.g. {option} {example}", option)
    return key.strip(), rest.strip()


def _is_int(text: str) -> bool:
    try:
        int(text.strip())
        return True
    except ValueError:
        return False


# --------------------------------------------------------------------------- variants

def combinations(axes: Sequence[Axis], paired: bool = False) -> list[tuple[Any, ...]]:
    """The variants' values in the sweep's order: every combination, the last axis fastest (a grid),
    or with `paired` the i-th value of every axis together (random samples)."""
    values = [a.values for a in axes]
    return list(zip(*values)) if paired else list(itertools.product(*values))


def expand(base: Spec, axes: Sequence[Axis], paired: bool = False) -> list[Variant]:
    """Every variant of `base` over `axes`: all combinations (a grid), or with `paired` the i-th
    value of every axis together (random samples). Raises SpecError naming every refused variant."""
    if not axes:
        raise SpecError("name at least one setting to sweep, e.g. --grid train.optimizer.lr=0.01,0.1", "--grid")
    if len(axes) > MAX_SETTINGS:
        raise SpecError(f"{len(axes)} settings swept; at most {MAX_SETTINGS} (a heatmap shows two, "
                        "parallel coordinates three)", "--grid")
    keys = [a.key for a in axes]
    if len(set(keys)) != len(keys):
        raise SpecError(f"a setting is swept twice: {', '.join(keys)}", "--grid")
    combos = combinations(axes, paired)
    if len(combos) > MAX_VARIANTS:
        raise SpecError(f"{len(combos)} variants; a sweep trains at most {MAX_VARIANTS}: fewer values, or fewer "
                        "settings", "--grid")
    variants, errors = [], []
    for combo in combos:
        settings = dict(zip(keys, combo))
        try:
            variants.append(Variant(settings, Spec.from_flat(settings, base=base)))
        except SpecError as e:
            where = ", ".join(f"{k}={v}" for k, v in settings.items())
            errors += [(f"variant {where}", f"{f}: {m}" if f else m) for f, m in e.errors]
    if errors:
        raise SpecError(errors[:20])
    return variants


# --------------------------------------------------------------------------- training

def train_variant(spec: Spec, settings: dict[str, Any] | None = None) -> VariantResult:
    """Train `spec` to its end here; how it ended is the result, whatever happens."""
    from ..train.trainer import Diverged, Trainer

    settings = dict(settings or {})
    start = time.perf_counter()
    trainer = None
    try:
        trainer = Trainer(spec, layer_telemetry=False)  # a row needs the scores, not the layers
        trainer.run(trainer.total_steps)  # to the end, or early stopping
        status, message = "done", trainer.stop_reason
    except Diverged as e:
        status, message = "diverged", str(e)
    except Exception as e:  # noqa: BLE001 - one variant's failure is its row, the sweep goes on
        status, message = "failed", f"{type(e).__name__}: {e}"
    seconds = time.perf_counter() - start
    if trainer is None:
        return VariantResult(settings, status, message, seconds=seconds)
    return _result(trainer, settings, status, message, seconds)


def train_chunk(specs: Sequence[Spec], settings: Sequence[dict[str, Any]]) -> list[VariantResult]:
    """Train variants that stack (see stack_chunks) as one stacked network, to the end of the
    longest; each variant's seconds are the chunk's time shared equally. Variants that turn out
    not to stack, or whose trainers cannot be built, train one by one."""
    from ..train.stacked import StackedTrainers, why_not_stackable
    from ..train.trainer import Trainer

    if len(specs) == 1:
        return [train_variant(specs[0], settings[0])]
    start = time.perf_counter()
    try:
        trainers: list[Trainer] = []
        for spec in specs:  # the data set is loaded once and shared (data sets are immutable)
            trainers.append(Trainer(spec, dataset=trainers[0].dataset if trainers else None, layer_telemetry=False))
        group = StackedTrainers(trainers) if not why_not_stackable(trainers) else None
    except Exception:  # noqa: BLE001 - alone, each variant says what is wrong with it
        group = None
    if group is None:
        return [train_variant(spec, s) for spec, s in zip(specs, settings)]
    diverged: dict[int, Exception] = {}
    failure = ""
    try:
        while True:
            active = [i for i, t in enumerate(trainers) if i not in diverged and not t.finished]
            if not active:
                break
            diverged.update(group.step(active))
    except Exception as e:  # noqa: BLE001 - the chunk's rows say it
        failure = f"{type(e).__name__}: {e}"
    seconds = (time.perf_counter() - start) / len(trainers)
    results = []
    for i, (trainer, own) in enumerate(zip(trainers, settings)):
        status, message = (("failed", failure) if failure else ("diverged", str(diverged[i])) if i in diverged
                           else ("done", trainer.stop_reason))
        results.append(_result(trainer, dict(own), status, message, seconds))
    return results


def _result(trainer, settings: dict[str, Any], status: str, message: str, seconds: float) -> VariantResult:
    """A trained variant's row: its final scores and its best test loss."""
    from ..train.trainer import Diverged

    try:
        trainer.record_if_new()  # the scores of where it ended
    except Diverged:  # NaN weights: the record is kept, and the status already says so
        pass
    records = trainer.history.records
    last, metric = records[-1], trainer.head.metric_name
    finite = [r for r in records if math.isfinite(r.test_loss)]
    best = min(finite, key=lambda r: r.test_loss) if finite else last
    scores = {"train_loss": last.train_loss, "test_loss": last.test_loss, f"train_{metric}": last.train_metric,
              f"test_{metric}": last.test_metric, "best_test_loss": best.test_loss, "best_epoch": best.epoch}
    return VariantResult(settings, status, message, trainer.step, trainer.epoch, scores, seconds)


def stack_chunks(variants: Sequence[Variant], stack: bool = True) -> list[list[int]]:
    """The variants' indices in the chunks they train in: variants whose specs are equal but for
    STACK_FREE settings and widths (_shared_part) form a group (in the sweep's order), and a group
    is cut into near-equal chunks of at most STACK_ROWS. Without `stack`, one chunk a variant."""
    if not stack:
        return [[i] for i in range(len(variants))]
    groups: list[tuple[Spec | None, list[int]]] = []
    for i, v in enumerate(variants):
        key = _shared_part(v.spec)
        if key is None:
            groups.append((None, [i]))
            continue
        for shared, members in groups:
            if shared == key:
                members.append(i)
                break
        else:
            groups.append((key, [i]))
    chunks = []
    for _, members in groups:
        parts = math.ceil(len(members) / STACK_ROWS)
        size = math.ceil(len(members) / parts)
        chunks += [members[j:j + size] for j in range(0, len(members), size)]
    return chunks


def _shared_part(spec: Spec) -> Spec | None:
    """What a chunk's rows share: the spec with its STACK_FREE settings at their defaults and, where
    the widths may differ (no LayerNorm, train/stacked.py), its dense layers' widths at 1. None for
    a spec that does not stack (dropout, batch norm, a CNN): it trains alone."""
    if not spec_stacks(spec):
        return None
    defaults = TrainSpec()
    shared = dataclasses.replace(spec, train=dataclasses.replace(
        spec.train, **{name: getattr(defaults, name) for name in STACK_FREE}))
    if all(layer.name != "layernorm" for layer in spec.model.layers):
        shared = shared.with_overrides(**{f"model.layers.{i}.units": 1 for i, layer in enumerate(spec.model.layers)
                                          if layer.name == "linear"})
    return shared


class VariantJob:
    """A worker's side of one chunk of variants (core/workers.py builds it there)."""

    def __init__(self, specs: Sequence[Spec], settings: Sequence[dict[str, Any]]):
        self.specs, self.settings = list(specs), list(settings)

    def run(self) -> list[VariantResult]:
        return train_chunk(self.specs, self.settings)


def run_sweep(variants: Sequence[Variant], backend: str = "process", workers: int | None = None,
              on_result: Callable[[int, VariantResult], None] | None = None,
              pool: WorkerPool | None = None,
              cancelled: Callable[[], bool] = lambda: False, stack: bool = True) -> list[VariantResult | None]:
    """Train every variant; results in the variants' order. `on_result(index, result)` is called as
    each finishes (in finishing order; a stacked chunk's all at once). backend "process": at most
    `workers` chunks at once (default: one per core), each in a worker of `pool` (default: a pool
    of its own, closed at the end); "ray": the same on Ray actors (core/ray_jobs.py); "thread": one
    after another here. stack: train variants that stack as one network (stack_chunks). Once
    `cancelled()` is true no further chunk starts (those training finish) and the variants never
    started stay None."""
    results: list[VariantResult | None] = [None] * len(variants)
    chunks = stack_chunks(variants, stack)

    def done(chunk: list[int], chunk_results: list[VariantResult]) -> None:
        for i, result in zip(chunk, chunk_results):
            results[i] = result
            if on_result is not None:
                on_result(i, result)

    def arguments(chunk: list[int]) -> tuple[list[Spec], list[dict[str, Any]]]:
        return [variants[i].spec for i in chunk], [variants[i].settings for i in chunk]

    if backend == "thread":
        for chunk in chunks:
            if cancelled():
                break
            done(chunk, train_chunk(*arguments(chunk)))
        return results
    own_pool = pool is None
    size = max(1, min(workers or (pool.size if pool else cpu_count()), len(chunks)))
    pool = pool or make_pool(backend, size)

    def remote(chunk: list[int]) -> list[VariantResult] | None:
        if cancelled():
            return None
        try:
            job = pool.place("playground.lab.sweep:VariantJob", *arguments(chunk))
            try:
                return job.call("run")
            finally:
                job.close()
        except WorkerGone as gone:
            return [VariantResult(dict(variants[i].settings), "failed", str(gone)) for i in chunk]

    try:
        with ThreadPoolExecutor(size, thread_name_prefix="playground-sweep") as threads:
            futures = {threads.submit(remote, chunk): chunk for chunk in chunks}
            for future in as_completed(futures):
                chunk_results = future.result()
                if chunk_results is not None:
                    done(futures[future], chunk_results)
    finally:
        if own_pool:
            pool.close()
    return results


class SweepRun:
    """A sweep training on a thread of its own (for a page): results fill in as variants finish."""

    def __init__(self, variants: Sequence[Variant], backend: str, pool: WorkerPool | None = None,
                 workers: int | None = None):
        """workers: chunks training at once at most (default: the pool's size)."""
        self.variants = list(variants)
        self.workers = workers
        self.results: list[VariantResult | None] = [None] * len(self.variants)
        self.status = "running"  # "running" | "done" | "cancelled" | "failed"
        self.message = ""
        self.started = time.perf_counter()
        self.seconds = 0.0
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(backend, pool), name="playground-sweep", daemon=True)
        self._thread.start()

    def _run(self, backend: str, pool: WorkerPool | None) -> None:
        def record(i: int, result: VariantResult) -> None:
            self.results[i] = result

        try:
            run_sweep(self.variants, backend, workers=self.workers, on_result=record, pool=pool,
                      cancelled=self._cancel.is_set)
            self.status = "cancelled" if self._cancel.is_set() else "done"
        except Exception as e:  # noqa: BLE001 - the page shows it; the results so far stay
            self.status, self.message = "failed", f"{type(e).__name__}: {e}"
        self.seconds = time.perf_counter() - self.started

    @property
    def finished(self) -> int:
        return sum(r is not None for r in self.results)

    def cancel(self) -> None:
        """Start no further variant; those training finish."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()
