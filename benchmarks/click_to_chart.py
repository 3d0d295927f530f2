"""From clicking Train to the first update, in a real browser: serves the app on 127.0.0.1,
opens it in headless Chromium (Debian's package, driven by Playwright), and times, over a few
fresh page loads, how long after the click the status line's step count moves and the loss
chart is redrawn (target: under 1 s). Also counts loss-chart redraws per second while training.

    .venv/bin/python benchmarks/click_to_chart.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    LONG_RUN,
    free_port,
    loss_path,
    step_shown,
    visible,
    wait_healthy,
    wait_until,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    to_status, to_chart, rates = [], [], []
    try:
        wait_healthy(url, server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(args.repeats):
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.goto(url + LONG_RUN)
                page.wait_for_selector(".st-key-chart_loss .js-plotly-plot", timeout=60_000)
                before = loss_path(page)
                clicked = time.monotonic()
                visible(page, "btn_train").get_by_role("button", name="Train").click()
                wait_until(lambda: step_shown(page) > 0)
                to_status.append(time.monotonic() - clicked)
                wait_until(lambda: loss_path(page) not in ("", before))
                to_chart.append(time.monotonic() - clicked)
                redraws, last, start = 0, loss_path(page), time.monotonic()
                while time.monotonic() - start < 3:
                    current = loss_path(page)
                    redraws, last = (redraws + 1, current) if current != last else (redraws, last)
                    time.sleep(0.05)
                rates.append(redraws / 3)
                visible(page, "btn_train").get_by_role("button", name="Pause").click()
                page.close()
            browser.close()
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    print(f"click Train -> step count moves: median {statistics.median(to_status):.2f} s "
          f"(all: {', '.join(f'{t:.2f}' for t in to_status)})")
    print(f"click Train -> loss chart redrawn: median {statistics.median(to_chart):.2f} s (target < 1 s) "
          f"(all: {', '.join(f'{t:.2f}' for t in to_chart)})")
    print(f"loss chart redraws while training: median {statistics.median(rates):.1f} per second")


if __name__ == "__main__":
    main()
