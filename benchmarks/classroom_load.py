"""A classroom on one server: N browser pages training at once (headless Chromium, driven by
Playwright, one browser context per student), for N = 1, 4, 8 by default. Reports, for each N:

- steps/s of every page while all train (the default run at the default speed, Fast = 40
  epochs/s = 1000 updates/s; 5000 epochs so no run ends), and its loss-chart redraws a second;
- the first render of one more page opened while they train (goto -> the loss chart drawn);
  target on a 2-core machine: under 10 s with 8 pages training;
- the latency of Streamlit's health endpoint (/_stcore/health) while they train;
- what the pages' status lines say (queued runs, slowed redraws).

Baselines from the same process on the same server: the first render and the health latency
with nothing training, and steps/s of one Runner with no page (the `ratio` columns divide by
them). Each page is measured with the small in-page probe of browser_speed.py (the status
line's step and the loss curve's path, read every 20 ms by the page's own clock).

    .venv/bin/python benchmarks/classroom_load.py [--pages 1,4,8] [--seconds 15] [--server-arg=...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from browser_speed import _PROBE, click_train, probe, rate, redraws_per_second  # noqa: E402
from browser_support import CHROMIUM, CHROMIUM_ARGS, serve_app  # noqa: E402

EPOCHS = 5000
QUERY = f"?train.epochs={EPOCHS}"
STEPS_PER_EPOCH = 25


def health_latency(url: str, samples: int = 8, pause: float = 0.25) -> list[float]:
    """Seconds each GET of /_stcore/health took (a timeout of 60 s counts as 60)."""
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=60) as response:
                response.read()
        except OSError:
            pass
        out.append(time.perf_counter() - start)
        time.sleep(pause)
    return out


def first_render(browser, url: str) -> tuple[float, object]:
    """(seconds from goto to the loss chart drawn, the open page) for a new student."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url + QUERY)
    page.wait_for_selector(".st-key-chart_loss .js-plotly-plot", timeout=180_000)
    return time.perf_counter() - start, page


def status_text(page) -> str:
    return page.evaluate("() => { const s = document.querySelector('.st-key-status_line');"
                         " return s ? s.textContent : ''; }")


def runner_steps_per_second(seconds: float) -> float:
    """The same run with no page: one Runner in this process at the default speed."""
    from playground.core.spec import Spec
    from playground.train.runner import Runner
    from playground.ui.widgets import DEFAULT_SPEED, SPEEDS

    runner = Runner(Spec().with_overrides(**{"train.epochs": EPOCHS}))
    try:
        runner.set_pace(SPEEDS[DEFAULT_SPEED])
        runner.start()
        time.sleep(1.0)
        first, start = runner.trainer.step, time.perf_counter()
        time.sleep(seconds)
        return (runner.trainer.step - first) / (time.perf_counter() - start)
    finally:
        runner.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", default="1,4,8", help="how many pages train at once, in turn")
    parser.add_argument("--seconds", type=float, default=15.0, help="how long each load is measured")
    parser.add_argument("--server-arg", action="append", default=[], help="passed on to streamlit run")
    args = parser.parse_args()
    loads = sorted(int(n) for n in args.pages.split(","))

    from playwright.sync_api import sync_playwright

    alone = runner_steps_per_second(args.seconds / 2)
    print(f"baseline: one Runner, no page, default speed: {alone:.0f} steps/s", flush=True)
    with serve_app(extra_args=tuple(args.server_arg)) as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        idle_health = statistics.median(health_latency(url))
        idle_render, page = first_render(browser, url)
        page.context.close()
        print(f"baseline, nothing training: first render {idle_render:.1f} s, health {1000 * idle_health:.0f} ms",
              flush=True)
        pages: list = []
        for n in loads:
            while len(pages) < n:
                _, page = first_render(browser, url)
                page.evaluate(_PROBE)
                click_train(page)
                pages.append(page)
            time.sleep(5.0)  # every run under way
            marks = [len(probe(pg)["steps"]) for pg in pages]
            health = health_latency(url, samples=max(4, int(args.seconds / 1.25)), pause=1.0)
            records = [probe(pg) for pg in pages]
            rates, redraws = [], []
            for record, mark in zip(records, marks):
                recent = {"steps": record["steps"][mark:], "loss": record["loss"]}
                rates.append(rate(recent["steps"], skip_seconds=0.0))
                redraws.append(redraws_per_second(recent, below=EPOCHS * STEPS_PER_EPOCH))
            render, extra = first_render(browser, url)
            statuses = sorted({status_text(pg).split("·")[0].strip()[:90] for pg in pages})
            extra.context.close()
            finite = [r for r in rates if r == r]
            print(f"\n{n} page(s) training:", flush=True)
            print(f"  steps/s per page: median {statistics.median(finite) if finite else float('nan'):.0f}, "
                  f"min {min(finite, default=float('nan')):.0f}, max {max(finite, default=float('nan')):.0f} "
                  f"(ratio to one Runner alone {statistics.median(finite) / alone if finite else float('nan'):.2f}); "
                  f"all pages together {sum(finite):.0f}")
            print(f"  loss redraws/s per page: median {statistics.median(redraws):.1f}, min {min(redraws):.1f}")
            print(f"  a new page's first render: {render:.1f} s (ratio to idle {render / idle_render:.1f}; "
                  f"target < 10 s at 8 pages)")
            print(f"  health endpoint: median {1000 * statistics.median(health):.0f} ms, "
                  f"max {1000 * max(health):.0f} ms (ratio to idle {statistics.median(health) / idle_health:.1f})")
            print(f"  status lines: {statuses}", flush=True)
        for pg in pages:
            pg.context.close()
        browser.close()


if __name__ == "__main__":
    main()
