"""`threadr serve` on a port another process holds: one line, exit status 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_busy_port_prints_one_line_and_exits_2(tmp_path):
    with socket.socket() as other:  # the "other server"
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        env = {**os.environ, "THREADR_DATA_DIR": str(tmp_path), "THREADR_ENV": "test",
               "DATABASE_URL": "", "REDIS_URL": "", "PYTHONPATH": str(REPO)}
        done = subprocess.run(
            [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"port {port} is in use; pass --port or stop the other "
                                   "server")
    assert done.stdout == ""
