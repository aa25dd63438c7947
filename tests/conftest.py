"""Shared fixtures. Service fixtures (PostgreSQL, Redis, stores) live in tests/fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures.services"]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` (read-only material); tests that need it skip, saying why, without it."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not present: shared conformance/benchmark data unavailable")
    return SHARED


@pytest.fixture
def settings(tmp_path):
    """Embedded-default settings isolated in a temp data dir (SQLite + in-process counters)."""
    from core.settings import SecretStr, Settings

    return Settings(
        env="test",
        data_dir=tmp_path / "data",
        jwt_secret=SecretStr("test-secret-" + "x" * 40),
        log_json=False,
    )
