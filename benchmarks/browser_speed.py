"""Live training in a real browser, against the same run with no page: serves the app on
127.0.0.1, opens it in headless Chromium (Debian's package, driven by Playwright) and measures,
for the default circle run with 1000 epochs (25 updates an epoch):

- epochs/s at Speed Max while the page watches, against a Runner in this process (no server,
  no page) on the same spec, each for --seconds or to the run's end; the pairs run one after
  the other, so drift on a shared machine mostly cancels in each pair's ratio (target >= 0.9);
- loss-chart redraws a second while that run trains (target >= 4);
- epochs/s at Speed Fast (the pace is 40);
- click Train -> first loss-chart change, on fresh page loads (target < 0.5 s);
- the server's resident memory (RSS) at 10k and at 100k steps of a watched run at Max.

The page is watched by a small script inside it (a 20 ms timer, plus a listener for the click),
which records when the status line's step count and the loss curve's drawn path change, with
the browser's own clock; Python only reads the records afterwards, so polling from here does
not take CPU from the server. Times are from that in-page clock.

--pin puts the server (and the Runner alone) on one CPU and Chromium on another: the page's
cost to training when the browser has a core of its own, as on a student's laptop watching a
classroom server (without it both share every core, the worst case, and the target's).

    .venv/bin/python benchmarks/browser_speed.py [--repeats 3] [--seconds 12] [--clicks 5] [--memory-steps 100000]
        [--skip-memory] [--pin] [--server-arg=--runner.postScriptGC --server-arg=true]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import CHROMIUM, CHROMIUM_ARGS, choose, serve_app  # noqa: E402
from playground.core.spec import Spec  # noqa: E402
from playground.train.runner import Runner  # noqa: E402

EPOCHS = 1000
SPEC = Spec().with_overrides(**{"train.epochs": EPOCHS})
RUN = f"?train.epochs={EPOCHS}"
SPEC_STEPS_PER_EPOCH = 25  # 250 training points (half of 500), batch 10; checked in main()

# Installed in the page once it has drawn. Records [time, step] whenever the status line's step
# changes, the time of every change of the loss curve's path, and the time of the press on Train.
_PROBE = r"""() => {
  const visible = (key) => {
    const all = Array.from(document.querySelectorAll('.st-key-' + key));
    return all.length > 1 ? all.find(e => e.offsetParent) : all[0];
  };
  const lossPath = () => {
    const chart = visible('chart_loss');
    const line = chart ? chart.querySelector('.js-plotly-plot path.js-line') : null;
    return line ? line.getAttribute('d') : '';
  };
  const status = () => { const s = visible('status_line'); return s ? s.textContent : ''; };
  const stepOf = (text) => {
    const m = text.match(/Step\s+([\d,]+)/); return m ? parseInt(m[1].replace(/,/g, '')) : -1;
  };
  const probe = window.__probe = {steps: [], loss: [], clicked: null};
  let lastLoss = lossPath(), lastStep = stepOf(status());
  document.addEventListener('pointerdown', (e) => {
    if (e.target.closest('.st-key-btn_train')) probe.clicked = performance.now();
  }, true);
  setInterval(() => {
    const now = performance.now();
    const path = lossPath();
    if (path !== lastLoss) { probe.loss.push(now); lastLoss = path; }
    const text = status();
    const step = stepOf(text);
    if (step !== lastStep) { probe.steps.push([now, step]); lastStep = step; }
  }, 20);
}"""


def open_page(browser, url: str, query: str = RUN, speed: str | None = None):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(url + query)
    page.wait_for_selector(".st-key-chart_loss .js-plotly-plot", timeout=90_000)
    page.wait_for_selector(".st-key-status_line", timeout=90_000)
    if speed:
        choose(page, "speed", f"Speed: {speed}")
        time.sleep(1.0)  # the rerun that applies the speed
    page.evaluate(_PROBE)
    return page


def click_train(page) -> None:
    page.locator(".st-key-btn_train:visible").first.get_by_role("button", name="Train").click()
    page.mouse.move(5, 5)


def click_pause(page) -> None:
    page.locator(".st-key-btn_train:visible").first.get_by_role("button", name="Pause").click()


def probe(page) -> dict:
    return page.evaluate("() => window.__probe")


def wait_probe(page, until, timeout: float) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        time.sleep(0.5)
        record = probe(page)
        if until(record):
            return record
    raise TimeoutError(f"the page did not get there within {timeout:.0f} s")


def rate(steps: list[list[float]], skip_seconds: float = 1.0, below: int | None = None) -> float:
    """Updates a second: the slope of a least-squares line through the (time, step) samples
    taken while training (the first `skip_seconds` left out: start-up), ignoring the last
    sample at or above `below` (it arrives with the end of the run, late by up to a redraw)."""
    moving = [(t / 1000, s) for t, s in steps if s > 0 and (below is None or s < below)]
    if len(moving) < 3:
        return float("nan")
    start = moving[0][0] + skip_seconds
    points = [(t, s) for t, s in moving if t >= start] or moving
    if len(points) < 3:
        points = moving
    mean_t = statistics.fmean(t for t, _ in points)
    mean_s = statistics.fmean(s for _, s in points)
    num = sum((t - mean_t) * (s - mean_s) for t, s in points)
    den = sum((t - mean_t) ** 2 for t, _ in points)
    return num / den if den else float("nan")


def redraws_per_second(record: dict, below: int) -> float:
    """Loss-curve changes a second between the first moving step and the last one before the end."""
    moving = [t for t, s in record["steps"] if 0 < s < below]
    if len(moving) < 2:
        return float("nan")
    first, last = moving[0], moving[-1]
    changes = [t for t in record["loss"] if first <= t <= last]
    return len(changes) / ((last - first) / 1000)


def first_chart_change(record: dict) -> float:
    after = [t for t in record["loss"] if record["clicked"] is not None and t > record["clicked"]]
    return (after[0] - record["clicked"]) / 1000 if after else float("nan")


def runner_epochs_per_second(seconds: float) -> float:
    """The same run with no page: a Runner in this process at Max, for `seconds` (or to its end)."""
    runner = Runner(SPEC)
    try:
        runner.set_pace(None)
        start = time.perf_counter()
        runner.start()
        runner.wait_until_settled(timeout=seconds)  # no polling: it would take the GIL from training
        elapsed = time.perf_counter() - start
        return runner.trainer.step / SPEC_STEPS_PER_EPOCH / elapsed
    finally:
        runner.close()


def watched_max(browser, url: str, seconds: float, server_pid: int) -> dict:
    """Train at Max for `seconds` (or to the end) while the page watches. Also the CPU time each
    redraw (a change of the status line) costs: in the server outside its busiest thread (the
    training thread), and in Chromium (all its processes). CPU time is what a quiet machine
    would spend; the wall-clock rates on a busy one are lower."""
    page = open_page(browser, url, speed="Max")
    try:
        click_train(page)
        total = EPOCHS * SPEC_STEPS_PER_EPOCH
        wait_probe(page, lambda r: any(s > 0 for _, s in r["steps"]), timeout=60)
        server_before, browser_before = thread_cpu(server_pid), cpu_seconds(chromium_pids())
        redraws_before = len(probe(page)["steps"])
        end = time.monotonic() + seconds
        while time.monotonic() < end and not any(s >= total for _, s in probe(page)["steps"]):
            time.sleep(0.5)
        server_after, browser_after = thread_cpu(server_pid), cpu_seconds(chromium_pids())
        record = probe(page)
        if not any(s >= total for _, s in record["steps"]):
            click_pause(page)
        redraws = max(1, len(record["steps"]) - redraws_before)
        spent = {tid: server_after[tid] - server_before.get(tid, 0.0) for tid in server_after}
        busiest = max(spent, key=spent.get)
        return {"epochs_per_s": rate(record["steps"], below=total) / SPEC_STEPS_PER_EPOCH,
                "redraws_per_s": redraws_per_second(record, below=total),
                "first_change_s": first_chart_change(record),
                "server_ms": 1000 * (sum(spent.values()) - spent[busiest]) / redraws,
                "browser_ms": 1000 * (browser_after - browser_before) / redraws}
    finally:
        page.close()


def watched_fast(browser, url: str, seconds: float) -> float:
    page = open_page(browser, url, speed="Fast")
    try:
        click_train(page)
        wait_probe(page, lambda r: any(s > 0 for _, s in r["steps"]), timeout=60)
        time.sleep(seconds)
        record = probe(page)
        click_pause(page)
        return rate(record["steps"]) / SPEC_STEPS_PER_EPOCH
    finally:
        page.close()


def click_latency(browser, url: str) -> float:
    """A fresh page at the default speed: click Train -> the loss curve changes."""
    page = open_page(browser, url)
    try:
        click_train(page)
        record = wait_probe(page, lambda r: r["clicked"] is not None and any(t > r["clicked"] for t in r["loss"]),
                            timeout=60)
        click_pause(page)
        time.sleep(0.5)
        return first_chart_change(record)
    finally:
        page.close()


def _cpu(stat_path: str) -> float:
    """utime + stime of a /proc stat file, in seconds."""
    with open(stat_path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each thread of a process."""
    out = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            out[int(task)] = _cpu(f"/proc/{pid}/task/{task}/stat")
        except OSError:
            pass  # the thread ended
    return out


def chromium_pids() -> list[int]:
    """This process's descendants that are Chromium (Playwright's driver, node, is left out)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    head, tail = f.read().rsplit(")", 1)
                parents[int(entry)] = int(tail.split()[1])
                names[int(entry)] = head.split("(", 1)[1]
            except OSError:
                continue
    mine, grew = {os.getpid()}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in mine} - mine
        mine |= found
        grew = bool(found)
    return [pid for pid in mine if "chrom" in names.get(pid, "")]


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += _cpu(f"/proc/{pid}/stat")
        except OSError:
            pass
    return total


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def watched_memory(browser, url: str, pid: int, steps: int) -> list[tuple[int, float, float]]:
    """(step, RSS MiB, seconds) of the server at 10%, 50% and 100% of `steps` while a page watches
    a run at Max long enough to get there. The run's history grows up to its cap (1000 records,
    one per 100 updates by default: ~100k steps), so some growth up to there is by design."""
    epochs = steps // SPEC_STEPS_PER_EPOCH + 100
    page = open_page(browser, url, query=f"?train.epochs={epochs}", speed="Max")
    marks, out, start = [steps // 10, steps // 2, steps], [], time.monotonic()
    try:
        click_train(page)
        while marks:
            time.sleep(0.5)
            done = [s for _, s in probe(page)["steps"]]
            if done and done[-1] >= marks[0]:
                out.append((done[-1], rss_mib(pid), time.monotonic() - start))
                marks.pop(0)
            if time.monotonic() - start > 3600:
                raise TimeoutError("the long run was too slow")
        click_pause(page)
    finally:
        page.close()
    return out


@contextlib.contextmanager
def playwright_on_cpu(cpu: int | None):
    """sync_playwright(), its driver (and so every browser it launches) on `cpu` when given; this
    process keeps the CPUs it had."""
    from playwright.sync_api import sync_playwright

    mine = os.sched_getaffinity(0)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    try:
        with sync_playwright() as p:
            os.sched_setaffinity(0, mine)
            yield p
    finally:
        os.sched_setaffinity(0, mine)


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f}, range {min(values):.2f}-{max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="pairs (Runner alone, watched Max run)")
    parser.add_argument("--clicks", type=int, default=5, help="fresh page loads for click -> chart")
    parser.add_argument("--seconds", type=float, default=12.0,
                        help="how long each Max run trains (the 1000 epochs take ~10 s on a quiet laptop)")
    parser.add_argument("--fast-seconds", type=float, default=8.0)
    parser.add_argument("--memory-steps", type=int, default=100_000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--pin", action="store_true",
                        help="server and Runner alone on CPU 0, Chromium on CPU 1 (needs two CPUs)")
    parser.add_argument("--server-arg", action="append", default=[], help="passed on to streamlit run")
    parser.add_argument("--backend", choices=("thread", "process"), default=None,
                        help="where the app's runs train (PLAYGROUND_BACKEND; default: the app's own, thread)")
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="serve another checkout of the app (e.g. an older commit, to compare)")
    args = parser.parse_args()

    assert Runner(SPEC).steps_per_epoch == SPEC_STEPS_PER_EPOCH
    alone, watched, ratios, redraws, firsts, fast, clicks, memory = [], [], [], [], [], [], [], []
    server_ms, browser_ms = [], []
    if args.backend:
        os.environ["PLAYGROUND_BACKEND"] = args.backend  # the server started next inherits it
    if args.pin:
        os.sched_setaffinity(0, {0})  # the server started next, and the Runner alone, inherit CPU 0
    with serve_app(extra_args=tuple(args.server_arg), root=args.app_dir) as (url, server), \
            playwright_on_cpu(1 if args.pin else None) as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        open_page(browser, url).close()  # warm-up: first imports, plotly.js copied to static/
        for i in range(args.repeats):
            a = runner_epochs_per_second(args.seconds)
            w = watched_max(browser, url, args.seconds, server.pid)
            alone.append(a)
            watched.append(w["epochs_per_s"])
            ratios.append(w["epochs_per_s"] / a)
            redraws.append(w["redraws_per_s"])
            server_ms.append(w["server_ms"])
            browser_ms.append(w["browser_ms"])
            firsts.append(w["first_change_s"])
            print(f"pair {i + 1}: Runner alone {a:.1f} epochs/s, watched at Max {w['epochs_per_s']:.1f} "
                  f"(ratio {ratios[-1]:.2f}), {w['redraws_per_s']:.1f} loss redraws/s; CPU per redraw: server "
                  f"{w['server_ms']:.0f} ms (outside training), Chromium {w['browser_ms']:.0f} ms", flush=True)
        for _ in range(max(1, args.repeats // 2)):
            fast.append(watched_fast(browser, url, args.fast_seconds))
        for _ in range(args.clicks):
            clicks.append(click_latency(browser, url))
        if not args.skip_memory:
            memory = watched_memory(browser, url, server.pid, args.memory_steps)
        browser.close()

    print(f"\nMax, watched / Runner alone: {spread(ratios)} (target >= 0.9); "
          f"watched {spread(watched)} epochs/s, alone {spread(alone)} epochs/s")
    print(f"loss-chart redraws while training at Max: {spread(redraws)} a second (target >= 4)")
    print(f"CPU time per redraw at Max: server (outside the training thread) {spread(server_ms)} ms, "
          f"Chromium {spread(browser_ms)} ms")
    print(f"Fast (pace 40 epochs/s): {spread(fast)} epochs/s, ratio to the pace "
          f"{statistics.median(fast) / 40:.2f}")
    print(f"click Train -> first loss-chart change: {spread(clicks)} s (target < 0.5 s); "
          f"in the Max runs: {spread(firsts)} s")
    if memory:
        marks = ", ".join(f"{rss:.0f} MiB at step {step:,} ({t:.0f} s)" for step, rss, t in memory)
        print(f"server RSS, watched run at Max: {marks}; last / first {memory[-1][1] / memory[0][1]:.2f}")


if __name__ == "__main__":
    main()
