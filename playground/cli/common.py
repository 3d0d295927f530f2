"""What every command of `python -m playground` shares: exit codes, the spec options (--preset,
--spec, --set) and how they resolve to a Spec, error printing and the output folder. The
command modules (train.py, lab.py) import from here and never from each other."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from ..core import untrusted
from ..core.params import SpecError
from ..core.presets import get_preset
from ..core.spec import Spec
from ..train.backends import ENVIRONMENT_VARIABLE

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

# The CLI keeps every record (the UI thins old ones to stay fast); past this many the
# history thins as in the UI, to bound memory on very long runs.
MAX_CLI_RECORDS = 100_000


def add_spec_options(p: argparse.ArgumentParser, required: bool) -> None:
    source = p.add_mutually_exclusive_group(required=required)
    source.add_argument("--preset", metavar="NAME", help="start from a named preset (see `presets`)")
    source.add_argument("--spec", metavar="FILE", help="start from a spec JSON file (as `spec` prints)")
    p.add_argument("--set", dest="sets", action="extend", nargs="+", default=[], metavar="KEY=VALUE",
                   help="override a setting by its dotted key, e.g. train.optimizer.lr=0.1 "
                        "(repeatable; `spec` shows every key)")


def print_errors(error: SpecError) -> None:
    for field, message in error.errors:
        print(f"error: {field}: {message}" if field else f"error: {message}", file=sys.stderr)


# --------------------------------------------------------------------------- spec resolution

def parse_sets(items: Sequence[str]) -> dict[str, str]:
    """["a.b=1", "c.d=x=y"] -> {"a.b": "1", "c.d": "x=y"}; later settings win."""
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"{item!r} is not KEY=VALUE; write e.g. --set train.optimizer.lr=0.1", "--set")
        pairs[key.strip()] = value
    return pairs


def load_spec_file(path: str) -> Spec:
    file = Path(path)
    if not file.is_file():
        raise SpecError(f"no such file {path!r}" if not file.exists() else f"{path!r} is not a file", "--spec")
    if file.stat().st_size > untrusted.MAX_JSON_CHARS * 4:  # refused before it is read into memory
        raise SpecError(f"{path!r} is {file.stat().st_size:,} bytes; a spec file is a few kB", "--spec")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read {path!r}: {e}", "--spec") from None
    try:
        return Spec.from_json(text)
    except SpecError as e:  # name the file for whole-file problems (bad JSON, not an object)
        raise SpecError([(f or f"--spec {path}", m) for f, m in e.errors]) from None


def resolve_spec(args: argparse.Namespace) -> Spec:
    """Preset or file (or the default spec), then --set overrides, then --epochs/--device."""
    if args.preset is not None:
        base = get_preset(args.preset)
    elif args.spec is not None:
        base = load_spec_file(args.spec)
    else:
        base = Spec()
    pairs = parse_sets(args.sets)
    if getattr(args, "epochs", None) is not None:
        pairs["train.epochs"] = args.epochs
    if getattr(args, "device", None) is not None:
        pairs["train.device"] = args.device
    return Spec.from_flat(pairs, base=base) if pairs else base


# --------------------------------------------------------------------------- output

def _run_name(args: argparse.Namespace) -> str:
    return args.preset if args.preset is not None else Path(args.spec).stem


def output_dir(args: argparse.Namespace) -> Path:
    if args.out:
        out = Path(args.out)
    else:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"{_run_name(args)}-{stamp}"
        n = 1
        while out.exists():  # two runs in the same second
            n += 1
            out = Path("runs") / f"{_run_name(args)}-{stamp}-{n}"
    if out.exists() and not out.is_dir():
        raise SpecError(f"{str(out)!r} exists and is not a folder", "--out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SpecError(f"cannot create {str(out)!r}: {e.strerror or e}", "--out") from None
    return out


# --------------------------------------------------------------------------- backends

def add_backend_option(parser: argparse.ArgumentParser, help_text: str, default: str = "thread") -> None:
    parser.add_argument("--backend", choices=("thread", "process", "ray"), default=None,
                        help=f"{help_text} (default: ${ENVIRONMENT_VARIABLE}, else {default}; ray needs the "
                             "optional extra: pip install '.[ray]')")
    parser.add_argument("--ray", metavar="ADDRESS", help="with --backend ray: the cluster's address, e.g. auto or "
                                                         "ray://host:10001 (default: $PLAYGROUND_RAY_ADDRESS, else "
                                                         "a local Ray started for this command)")


def chosen_backend(args: argparse.Namespace, default: str = "thread") -> str:
    """--backend, else PLAYGROUND_BACKEND, else `default`; "thread" for "process" where worker
    processes are not supported (Windows). A bad PLAYGROUND_BACKEND is a SpecError naming the
    variable; --ray without the ray backend is a SpecError naming --ray."""
    from ..train.backends import backend_name, workers_supported

    try:
        name = args.backend or backend_name(default)
    except ValueError as e:
        raise SpecError(str(e), ENVIRONMENT_VARIABLE) from None
    if getattr(args, "ray", None) and name != "ray":
        raise SpecError(f"--ray names a Ray cluster, but the backend is {name}: add --backend ray", "--ray")
    return "thread" if name == "process" and not workers_supported() else name


def job_pool(backend: str, args: argparse.Namespace, size: int = 1):
    """Where a command's jobs run: `size` worker processes, or Ray actors (--ray ADDRESS).
    A missing Ray is a SpecError saying how to install it."""
    from ..train.backends import make_pool

    try:
        return make_pool(backend, size, getattr(args, "ray", None))
    except RuntimeError as e:  # import_ray: Ray is not installed
        raise SpecError(str(e), "--backend") from None


def run_job(args: argparse.Namespace, job: type, *job_args, naming: argparse.Namespace) -> tuple:
    """Run a command's job (`job(*job_args, naming).run()`, e.g. TrainingJob): here with the thread
    backend, writing to the output folder `naming` names; else in a worker process or Ray actor,
    which sends its files back to be written here (an actor may be on another machine). The job
    returns (..., its folder or its files); this returns (..., the output folder). A SpecError the
    job raises comes back as one, and no folder is made."""
    backend = chosen_backend(args)
    if backend == "thread":
        *result, out = job(*job_args, naming).run()
        return (*result, Path(out))
    pool = job_pool(backend, args)
    try:
        ref = pool.place(f"{job.__module__}:{job.__qualname__}", *job_args, None)
        try:
            *result, files = ref.call("run")
        finally:
            ref.close()
    finally:
        pool.close()
    out = output_dir(naming)
    for name, data in files.items():
        (out / name).write_bytes(data)
    return (*result, out)


class JobOutput:
    """Where a job writes its files: the output folder `naming` names, or, for a job that sends them
    back (naming None), a temporary folder, whose files `result()` then reads.

        with JobOutput(naming, FILES) as output:
            ... write into output.folder ...
            where = output.result()   # the folder's path, or {name: bytes}
    """

    def __init__(self, naming: argparse.Namespace | None, names: Sequence[str]):
        self.naming, self.names = naming, tuple(names)
        self._temporary: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> JobOutput:
        if self.naming is not None:
            self.folder = output_dir(self.naming)
        else:
            self._temporary = tempfile.TemporaryDirectory()
            self.folder = Path(self._temporary.name)
        return self

    def __exit__(self, *exc) -> None:
        if self._temporary is not None:
            self._temporary.cleanup()

    def result(self) -> str | dict[str, bytes]:
        if self.naming is not None:
            return str(self.folder)
        return {name: (self.folder / name).read_bytes() for name in self.names}
