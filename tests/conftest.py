"""Shared fixtures. Service fixtures (PostgreSQL, Redis, stores) live in tests/fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures.services"]



@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` (read-only material): skips without it, fails under CI (tests/shared.py)."""
    from tests.shared import shared_path

    return shared_path()


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
