"""The extractor on the shared dev set, scored by the shared evaluator (token F1)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / ".." / "shared" / "bench" / "extraction"
F1_FLOOR = 0.955  # the bar is 0.960; a little margin for harmless library drift


def test_dev_set_f1_stays_above_the_floor():
    if not (DATA / "evaluate.py").is_file() or not (DATA / "ground-truth.json").is_file():
        pytest.skip(f"{DATA.resolve()} not present: the shared extraction dev set is needed")
    result = subprocess.run(
        [sys.executable, str(DATA / "evaluate.py"), str(DATA),
         "bench/extraction_adapter.py:extract_text", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=True,
    )
    last = result.stdout.strip().splitlines()[-1]
    f1 = float(re.search(r"f1=([0-9.]+)", last).group(1))
    assert f1 >= F1_FLOOR, last
