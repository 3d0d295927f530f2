"""Golden numbers: every preset, trained a few dozen steps on the CPU from its seed, gives exactly
the numbers it gave when tests/golden/presets.json was written. Refactors of the engine (the
model-family seam, moving modules between folders, a new training-step interface) must not change
what a run computes; this test catches any change, down to the last bit of a weight.

The file records the torch version it was written with: other versions may reorder float sums,
so there the test is skipped (CI installs the version the project pins, and runs it).

Write the file anew, only for a change that is meant to change the numbers (say why in the commit):

    .venv/bin/python tests/test_golden.py --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.core.presets import PRESETS, get_preset  # noqa: E402
from playground.train.trainer import Trainer  # noqa: E402

GOLDEN = Path(__file__).with_name("golden") / "presets.json"
STEPS = 40  # updates per preset: enough for records, schedules and histograms to move


def numbers_of(preset: str) -> dict:
    """What a run of `preset` computed in its first STEPS updates: every record's scores and
    layer statistics, and a hash of every weight's bytes at the end."""
    spec = get_preset(preset).with_overrides(**{"train.device": "cpu", "telemetry.every_steps": 10})
    trainer = Trainer(spec)
    trainer.run(STEPS, record_last=True)
    records = trainer.history.records
    weights = hashlib.sha256()
    for name, tensor in trainer.module.state_dict().items():
        weights.update(name.encode())
        weights.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return {
        "steps": trainer.step,
        "records": [[r.step, r.lr, r.train_loss, r.test_loss, r.train_metric, r.test_metric] for r in records],
        # per record: float64 sum of the (G, 4) layer statistics and how many are NaN (the first
        # record has no update yet, so no update-to-weight ratio), and the histogram counts' sum
        "layer_stats": [_sum_and_nans(r.layer_stats) for r in records],
        "histograms": [float(sum(h.sum() for h in r.weight_hist + r.bias_hist)) for r in records],
        "weights_sha256": weights.hexdigest(),
    }


def _sum_and_nans(values: np.ndarray) -> list[float]:
    values = np.asarray(values, dtype=np.float64)
    return [float(np.nansum(values)), int(np.isnan(values).sum())]


def _golden() -> dict:
    if not GOLDEN.exists():
        pytest.fail(f"{GOLDEN} is missing: write it with `python {Path(__file__).name} --write`")
    return json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("preset", list(PRESETS))
def test_preset_trains_to_its_golden_numbers(preset):
    golden = _golden()
    if golden["torch"] != torch.__version__:
        pytest.skip(f"golden numbers were written with torch {golden['torch']}, this is {torch.__version__}")
    assert preset in golden["presets"], f"no golden numbers for the new preset {preset!r}: write the file anew"
    assert numbers_of(preset) == golden["presets"][preset]


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    GOLDEN.parent.mkdir(exist_ok=True)
    table = {"torch": torch.__version__, "steps": STEPS, "presets": {name: numbers_of(name) for name in PRESETS}}
    GOLDEN.write_text(json.dumps(table, indent=1) + "\n")
    print(f"wrote {GOLDEN}: {len(table['presets'])} presets, torch {torch.__version__}")
