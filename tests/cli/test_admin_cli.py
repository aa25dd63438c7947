"""`threadr admin grant|revoke EMAIL` against the embedded store of a data dir."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from core.settings import Settings
from core.store.factory import open_store

REPO = Path(__file__).resolve().parents[2]


def _threadr(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "THREADR_DATA_DIR": str(data_dir), "THREADR_ENV": "test",
           "DATABASE_URL": "", "REDIS_URL": "", "LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          timeout=60, cwd=REPO, env=env)


def _role(data_dir: Path, email: str) -> str | None:
    async def read():
        store = await open_store(Settings(env="test", data_dir=data_dir))
        try:
            if email == "create":
                await store.create_user("ops@example.com", "h")
                return None
            user = await store.get_user_by_email(email)
            return user.role if user else None
        finally:
            await store.close()
    return asyncio.run(read())


def test_admin_grant_and_revoke_change_the_role(tmp_path):
    data = tmp_path / "data"
    _role(data, "create")
    granted = _threadr(data, "admin", "grant", "OPS@example.com")
    assert granted.returncode == 0, granted.stderr
    assert "now an admin" in granted.stdout and _role(data, "ops@example.com") == "admin"
    revoked = _threadr(data, "admin", "revoke", "ops@example.com")
    assert revoked.returncode == 0 and _role(data, "ops@example.com") == "user"


def test_admin_grant_for_an_unknown_address_fails_clearly(tmp_path):
    result = _threadr(tmp_path / "data", "admin", "grant", "nobody@example.com")
    assert result.returncode != 0 and "No account uses this address" in result.stderr
