"""`../shared` (read-only conformance and benchmark data next to the repository, or
THREADR_SHARED_DIR). Without it a test skips, saying why; under CI (CI=true) it fails, so a
missing data set can never turn a run green by skipping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_CANDIDATES = [REPO.parent / "shared", REPO.parent.parent / "shared"]  # a checkout, a worktree
SHARED = Path(os.environ.get("THREADR_SHARED_DIR")
              or next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[0]))


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def shared_path(*parts: str) -> Path:
    """`SHARED/parts…`, or skip (fail under CI) when it is not there."""
    path = SHARED.joinpath(*parts)
    if path.exists():
        return path
    message = f"{path} not present: the shared data (../shared or THREADR_SHARED_DIR) is needed"
    if in_ci():
        pytest.fail(message + " (CI=true: required)", pytrace=False)
    pytest.skip(message)
