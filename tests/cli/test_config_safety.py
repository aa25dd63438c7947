"""Configuration safety (issue 14: L4, L5, L8) through the real `threadr` command."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from tests.scale.processes import REPO, ThreadrServer, free_port


def _threadr(*args: str, env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _env(tmp_path: Path, **extra: str) -> dict:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("THREADR_", "DATABASE_", "REDIS_", "FETCH_"))}
    return {**base, "THREADR_DATA_DIR": str(tmp_path / "data"), "LOG_LEVEL": "WARNING",
            **extra}


def test_production_refuses_loopback_fetching_in_one_line(tmp_path):
    env = _env(tmp_path, THREADR_ENV="production", FETCH_ALLOW_LOOPBACK="true",
               JWT_SECRET="x" * 48, THREADR_PORT="0")
    served = _threadr("serve", env=env)
    assert served.returncode == 2
    lines = served.stderr.strip().splitlines()
    assert len(lines) == 1 and "FETCH_ALLOW_LOOPBACK" in lines[0], served.stderr
    doctor = _threadr("doctor", env=env)
    assert doctor.returncode != 0
    assert "[FAIL] production safety: FETCH_ALLOW_LOOPBACK" in doctor.stdout
    assert "all good" not in doctor.stdout


def test_the_embedded_data_dir_is_private(tmp_path):
    os.umask(0o022)
    server = ThreadrServer(tmp_path / "data", THREADR_DATA_DIR=str(tmp_path / "data"),
                           JWT_SECRET="").start()
    try:
        data = tmp_path / "data"
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        files = [p for p in data.iterdir() if p.is_file()]
        assert {"threadr.db", "jwt_secret"} <= {p.name for p in files}
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    finally:
        server.stop()


def test_a_second_serve_on_the_same_embedded_data_dir_refuses_to_start(tmp_path):
    first = ThreadrServer(tmp_path / "data", THREADR_DATA_DIR=str(tmp_path / "data")).start()
    try:
        env = {**first.env, "THREADR_PORT": str(free_port())}  # a port no one holds
        started = time.monotonic()
        second = _threadr("serve", env=env, timeout=60)
        assert second.returncode == 2 and time.monotonic() - started < 30
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "already using" in lines[0], second.stderr
        assert str(first.process.pid) in lines[0]
    finally:
        first.stop()
