"""The extractor on the shared dev set, scored by the shared evaluator (token F1).

The bar (SPEC §4) is 0.975 F1 on pages nobody tuned for. The dev set is where the rules
were developed, so its in-sample figure flatters; the figure held to the bar here is the
k-fold cross-validated one (bench/cv_extraction.py: the tuned numbers chosen on the other
folds, scored on each fold). The in-sample figure must clear the bar too.

Needs ../shared (or $THREADR_SHARED_DIR): skipped on a clone without it, failed under CI=true.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.bench_extraction import shared_data

ROOT = Path(__file__).resolve().parents[2]
BAR = 0.975


@pytest.fixture(scope="module")
def data() -> Path:
    found = shared_data()
    if found is None or not (found / "evaluate.py").is_file():
        message = "shared/bench/extraction not found next to the repo (or $THREADR_SHARED_DIR)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _run(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=900, check=True)
    return result.stdout.strip().splitlines()[-1]


def test_dev_set_f1_in_sample_clears_the_bar(data):
    last = _run(str(data / "evaluate.py"), str(data),
                "bench/extraction_adapter.py:extract_text", "--quiet")
    assert float(re.search(r"f1=([0-9.]+)", last).group(1)) >= BAR, last


def test_dev_set_f1_cross_validated_clears_the_bar(data):
    last = _run("bench/cv_extraction.py", str(data), "--folds", "5")
    assert float(re.search(r"f1_mean=([0-9.]+)", last).group(1)) >= BAR, last
