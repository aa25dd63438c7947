"""Processes for scale-out, fault and fuzz tests: `threadr serve` on free ports, and a Redis
server and a PostgreSQL cluster of our own (free ports, temp dirs) that a test may stop and restart.

The shared servers on 5432/6379 are never stopped: faults are injected on our own instances.
Every wait is bounded; every process is stopped by its own handle.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.fixtures.accounts import remember_data_dir

REPO = Path(__file__).resolve().parents[2]
JWT = "scale-test-secret-" + "x" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_for(predicate, what: str, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):  # bounded
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


# --- threadr serve -------------------------------------------------------------------------

class ThreadrServer:
    """`threadr serve` in a subprocess on a free port, configured by environment variables."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items()
               if not k.startswith(("OPENAI_", "STRIPE_", "THREADR_", "REDIS_", "DATABASE_"))},
            "THREADR_DATA_DIR": str(data_dir), "THREADR_ENV": "test", "PUBLIC_URL": self.base_url,
            "THREADR_HOST": "127.0.0.1", "THREADR_PORT": str(self.port), "JWT_SECRET": JWT,
            "LOG_LEVEL": "WARNING", "SHUTDOWN_GRACE": "2", **env,
        }
        remember_data_dir(self.base_url, data_dir)  # sign-ups read its outbox
        self.log_path = Path(str(data_dir) + ".log")  # the server's stderr (JSON log lines)
        self.process: subprocess.Popen | None = None

    def start(self) -> ThreadrServer:
        threadr = Path(sys.executable).with_name("threadr")
        command = ([str(threadr), "serve"] if threadr.exists()
                   else [sys.executable, "-m", "web.server"])
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:  # a file, not a pipe: a full pipe would block it
            self.process = subprocess.Popen(command, cwd=REPO, env=self.env,
                                            stdout=subprocess.DEVNULL, stderr=log)
        try:
            _wait_for(self._healthy, f"threadr serve on {self.port}", 30)
        except Exception:
            self.stop()
            raise
        return self

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            err = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"threadr serve exited with {self.process.returncode}: {err}")
        import urllib.request
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


# --- Redis of our own ----------------------------------------------------------------------

class OwnRedis:
    """A throw-away `redis-server` (no persistence) on a free port; `stop()` / `start()` again."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> OwnRedis:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(lambda: _listening(self.port), f"redis-server on {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # an outage, not a polite shutdown
            self.process.wait(10)
        _wait_for(lambda: not _listening(self.port), "redis-server to stop")


# --- PostgreSQL of our own -----------------------------------------------------------------

def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"PostgreSQL binaries ({name}) not found under /usr/lib/postgresql/*/bin")
    return found[-1]


def _as_postgres(args: list[str]) -> list[str]:
    """Run as the `postgres` user when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


class OwnPostgres:
    """A PostgreSQL cluster in a temp dir on a free port (trust auth, user `postgres`)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="threadr-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.server_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                                     "-A", "trust", "--no-sync", "-E", "UTF8"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def start(self) -> OwnPostgres:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-o", options,
                                     "-l", str(self.dir / "log"), "-w", "-t", "60", "start"]),
                       check=True, stdout=subprocess.DEVNULL, timeout=90)
        return self

    def stop(self) -> None:
        subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-m",
                                     "immediate", "-w", "-t", "60", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=90)
        _wait_for(lambda: not _listening(self.port), "postgres to stop")

    def _pids(self) -> list[int]:
        main = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(main)], capture_output=True, text=True,
                                  timeout=10).stdout.split()
        return [main, *map(int, children)]

    def freeze(self) -> list[int]:
        """SIGSTOP every server process: connections hang instead of being refused (a
        network partition, a stuck host). Returns the pids for `thaw`."""
        pids = self._pids()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        return pids

    @staticmethod
    def thaw(pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def is_up(self) -> bool:
        return _listening(self.port)

    def remove(self) -> None:
        if _listening(self.port):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def new_database(self) -> str:
        """A migrated database with a random name on this cluster; returns its URL."""
        from core.store.migrate import migrate
        from tests.fixtures.services import pg_admin, pg_url_for, run_in_own_loop

        name = f"threadr_scale_{uuid.uuid4().hex[:10]}"
        run_in_own_loop(pg_admin, self.server_url, f'CREATE DATABASE "{name}"')
        url = pg_url_for(self.server_url, name)
        run_in_own_loop(migrate, url)
        return url


def spawn(tmp_path: Path, name: str, **env: str) -> ThreadrServer:
    return ThreadrServer(tmp_path / name, **env).start()


def spawn_many(tmp_path: Path, names: list[str], **env: str) -> list[ThreadrServer]:
    """Start one server per name in parallel (each start takes ~2-4 s of imports)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(names)) as pool:
        futures = [pool.submit(spawn, tmp_path, name, **env) for name in names]
    started = [f.result() for f in futures if f.exception() is None]
    failed = [f.exception() for f in futures if f.exception() is not None]
    if failed:
        stop_all(started)
        raise failed[0]
    return started


def stop_all(servers: list[ThreadrServer]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max(1, len(servers))) as pool:
        list(pool.map(ThreadrServer.stop, servers))
