"""A small data centre: a data host (its own PostgreSQL and Redis bound to its addresses, and
the X stand-in when a scenario starts it), two API hosts running `threadr serve`, two worker
hosts for `threadr worker`, and a client host, as network namespaces on a bridge.

Needs root and iproute2 (CI runs as root). Without them the tests skip on a developer's
machine and fail under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.hosts.network import Host, TestNet
from tests.scale.processes import JWT, REPO, _as_postgres, _pg_bin

PORT = 8080
X_PORT, X_RECORDS_PORT = 8090, 8091  # the X stand-in on the data host, and its records
CLIENT_ADDRESSES = 5  # one source address per scenario: each starts with a fresh anonymous quota
HAPROXY = """\
global
  maxconn 2000
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
  option http-buffer-request
frontend threadr
  bind {bind}
  default_backend apis
backend apis
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  timeout check 2s
  default-server inter 300ms fall 2 rise 2
{servers}
"""


def _require_root_networking() -> None:
    problem = None
    if os.geteuid() != 0:
        problem = "needs root (network namespaces)"
    elif shutil.which("ip") is None:
        problem = "needs iproute2 (`ip`)"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"host tests: {problem}")
        pytest.skip(f"host tests: {problem}")


@dataclass
class Cluster:
    net: TestNet
    dir: Path
    database_url: str
    redis_url: str
    env: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)  # settings for the next API starts

    @property
    def data(self) -> Host:
        return self.net["data"]

    @property
    def client(self) -> Host:
        return self.net["client"]

    def api_url(self, name: str) -> str:
        return f"http://{self.net[name].address}:{PORT}"

    def client_address(self, index: int) -> str:
        return self.client.addresses[index]

    def batch(self, requests: list[dict], source: str, concurrency: int = 30,
              timeout: float = 30) -> list[dict]:
        spec = json.dumps({"requests": requests, "source": source,
                           "concurrency": concurrency, "timeout": timeout})
        done = self.client.run([sys.executable, "-m", "tests.hosts.client", "batch", spec],
                               timeout=timeout * 3 + 30, capture_output=True, text=True,
                               cwd=REPO, env=self.env)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout)

    def watch(self, url: str, field: str, value: str, timeout: float, source: str) -> float | None:
        done = self.client.run([sys.executable, "-m", "tests.hosts.client", "watch", url, field,
                                value, str(timeout), source],
                               timeout=timeout + 30, capture_output=True, text=True, cwd=REPO,
                               env=self.env)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout)["seconds"]

    def start_api(self, name: str, **extra: str) -> None:
        host = self.net[name]
        env = {**self.env, "THREADR_HOST": host.address, "THREADR_PORT": str(PORT),
               "THREADR_DATA_DIR": str(self.dir / name), **self.extra, **extra}
        host.start([str(Path(sys.executable).with_name("threadr")), "serve"],
                   log=self.dir / f"{name}.log", env=env, cwd=REPO)
        seconds = self.watch(f"{self.api_url(name)}/healthz", "status", "ok", 40,
                             self.client_address(0))
        assert seconds is not None, self.log(name)

    def start_x(self, plan: dict) -> str:
        """The X stand-in on the data host with a fault plan; returns its records URL."""
        address = self.data.address
        self.data.start([sys.executable, "-m", "tests.hosts.x_host", address, str(X_PORT),
                         str(X_RECORDS_PORT), json.dumps(plan)],
                        log=self.dir / "x.log", env=self.env, cwd=REPO)
        records = f"http://{address}:{X_RECORDS_PORT}/records"
        assert self.watch(records, "count", "0", 20, self.client_address(0)) is not None, \
            self.log("x")
        return records

    def start_worker(self, name: str) -> None:
        host = self.net[name]
        env = {**self.env, "THREADR_DATA_DIR": str(self.dir / name)}
        host.start([str(Path(sys.executable).with_name("threadr")), "worker"],
                   log=self.dir / f"{name}.log", env=env, cwd=REPO)

    def flow(self, *args: str, timeout: float = 60) -> dict:
        """tests/hosts/publish_flow.py on the client host; its JSON answer."""
        done = self.client.run([sys.executable, "-m", "tests.hosts.publish_flow", *args],
                               timeout=timeout + 30, capture_output=True, text=True, cwd=REPO,
                               env=self.env)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    def start_load(self, requests: list[dict], seconds: float, source: str,
                   concurrency: int = 10) -> subprocess.Popen:
        spec = json.dumps({"requests": requests, "source": source, "seconds": seconds,
                           "concurrency": concurrency, "timeout": 30})
        return subprocess.Popen(self.client.exec_args(
            [sys.executable, "-m", "tests.hosts.client", "load", spec]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=self.env)

    @staticmethod
    def finish_load(process: subprocess.Popen, timeout: float) -> dict:
        out, err = process.communicate(timeout=timeout)
        assert process.returncode == 0, err[-2000:]
        return json.loads(out)

    def stop_api(self, name: str) -> float:
        """SIGTERM the host's `threadr serve` and wait for it to exit; returns the seconds."""
        host = self.net[name]
        started = time.monotonic()
        host.kill_all(signal.SIGTERM)
        return time.monotonic() - started

    def start_balancer(self) -> str:
        """HAProxy on the lb host: health-checks /readyz every 0.3 s, retries a request whose
        connection failed on the other server. Returns its URL."""
        if shutil.which("haproxy") is None:
            pytest.fail("haproxy is not installed (scripts/services.sh installs it)")
        lb = self.net["lb"]
        servers = "\n".join(f"  server {name} {self.net[name].address}:{PORT} check"
                             for name in ("api1", "api2"))
        config = self.dir / "haproxy.cfg"
        config.write_text(HAPROXY.format(bind=f"{lb.address}:{PORT}", servers=servers))
        lb.start(["haproxy", "-db", "-f", str(config)], log=self.dir / "haproxy.log")
        url = f"http://{lb.address}:{PORT}"
        assert self.watch(f"{url}/readyz", "status", "ready", 20, self.client_address(0))
        return url

    def log(self, name: str) -> str:
        path = self.dir / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _start_data_host(net: TestNet, workdir: Path) -> tuple[str, str]:
    data = net["data"]
    pg_address, redis_address = data.addresses
    pg_dir = workdir / "pg"
    pg_dir.mkdir()
    shutil.chown(pg_dir, "postgres", "postgres")
    subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(pg_dir / "data"), "-U", "postgres",
                                 "-A", "trust", "--no-sync", "-E", "UTF8"]),
                   check=True, capture_output=True, timeout=120)
    with open(pg_dir / "data" / "pg_hba.conf", "a") as hba:
        hba.write("host all all 10.201.0.0/24 trust\n")
    options = (f"-p 5432 -k {pg_dir} -c listen_addresses={pg_address} -c fsync=off "
               "-c max_connections=200")
    data.run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(pg_dir / "data"), "-o", options,
                           "-l", str(pg_dir / "log"), "-w", "-t", "60", "start"]),
             check=True, capture_output=True, timeout=90)
    data.start(["redis-server", "--bind", redis_address, "--port", "6379", "--save", "",
                "--appendonly", "no", "--protected-mode", "no"], log=workdir / "redis.log")
    return (f"postgresql://postgres@{pg_address}:5432/postgres",
            f"redis://{redis_address}:6379/0")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    _require_root_networking()
    workdir = Path(tempfile.mkdtemp(prefix="threadr-hosts-"))
    workdir.chmod(0o755)  # the postgres user reaches its folder through it
    hosts = {"data": 2, "api1": 1, "api2": 1, "worker": 1, "worker2": 1, "lb": 1,
             "client": CLIENT_ADDRESSES}
    with TestNet(hosts) as net:
        try:
            database_url, redis_url = _start_data_host(net, workdir)
            x = f"http://{net['data'].address}:{X_PORT}"
            env = {
                **{k: v for k, v in os.environ.items()
                   if not k.startswith(("OPENAI_", "STRIPE_", "THREADR_", "REDIS_",
                                        "DATABASE_"))},
                "PYTHONPATH": str(REPO), "THREADR_ENV": "test", "JWT_SECRET": JWT,
                "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                "LOG_LEVEL": "WARNING", "SHUTDOWN_GRACE": "3", "DRAIN_SECONDS": "2.5",
                "FREE_DAILY_QUOTA": "3", "BURST_PER_MINUTE": "1000",
                "X_CLIENT_ID": "x-client", "X_API_BASE": x,
                "X_AUTHORIZE_URL": f"{x}/i/oauth2/authorize", "X_TOKEN_URL": f"{x}/2/oauth2/token",
                "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                "PUBLISH_LEASE_SECONDS": "2", "PUBLISH_RETRY_SECONDS": "0.05",
            }
            done = net["api1"].run([str(Path(sys.executable).with_name("threadr")), "migrate"],
                                   env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr[-2000:]
            cluster = Cluster(net, workdir, database_url, redis_url, env)
            cluster.start_api("api1")
            cluster.start_api("api2")
            yield cluster
        finally:
            for name in ("lb", "api1", "api2", "worker", "worker2"):
                net[name].kill_all(15)
            net["data"].run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(workdir / "pg" / "data"),
                                          "-m", "immediate", "stop"]),
                            capture_output=True, timeout=60)
    shutil.rmtree(workdir, ignore_errors=True)
