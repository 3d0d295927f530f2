"""Garbage collection for a server that redraws live charts four times a second.

Streamlit runs `gc.collect(2)` after every script and fragment run (option runner.postScriptGC,
on by default). With torch, plotly, pandas and streamlit loaded, some 370k objects live as long
as the process, and a full collection walks them all: ~250 ms on a quiet laptop, held under
the GIL, so the training thread stands still. Measured in Chromium: 41% of the server's samples
were in that collection, and the default run trained at 4.7 epochs/s watched (45 without it).

Two things, each enough on its own:
- .streamlit/config.toml turns the post-run collection off (`[runner] postScriptGC = false`);
  Python's own generational collector still runs, so cyclic garbage is still freed
  (benchmarks/browser_speed.py measures the server's memory over a 100k-step watched run);
- `freeze_startup_objects()`, called at the top of every script run, moves what exists at the
  first run (the imported modules, ~370k objects) into the permanent generation once per
  process, so any full collection (Python's own, or Streamlit's where that config file is not
  read: `streamlit run` reads .streamlit/ from the working directory) walks only what the
  sessions made since: well under a millisecond instead of ~250 ms.

Frozen objects are still freed by reference counting; only cycles among them would be kept.
The freeze runs before the first session has built anything, so what it keeps is module-level
state that lives as long as the process anyway, plus at most the first run's own few objects.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_startup_objects() -> bool:
    """Once per process: collect, then freeze everything alive. True on the call that froze."""
    global _frozen
    if _frozen:
        return False
    with _lock:
        if _frozen:
            return False
        gc.collect()  # garbage made while importing is freed, not frozen
        gc.freeze()
        _frozen = True
        return True
