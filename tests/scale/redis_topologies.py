"""Redis topologies of our own for tests: a Sentinel-watched master with a replica, and a
three-master Redis Cluster. Free ports, temp dirs, bounded waits, stopped by their handles."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.scale.processes import _listening, _wait_for, free_port


def _redis(*args: str, cwd: Path) -> subprocess.Popen:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    return subprocess.Popen(["redis-server", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _cli(port: int, *args: str) -> str:
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True,
                          timeout=30).stdout


class SentinelGroup:
    """Master + replica + one sentinel (quorum 1, down after 1 s)."""

    SERVICE = "threadr"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="threadr-sentinel-"))
        self.master_port, self.replica_port, self.sentinel_port = (free_port() for _ in range(3))
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.sentinel_port}/{self.SERVICE}/0"

    def start(self) -> SentinelGroup:
        common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                  "--protected-mode", "no"]
        self.processes["master"] = _redis("--port", str(self.master_port), *common, cwd=self.dir)
        self.processes["replica"] = _redis("--port", str(self.replica_port), *common,
                                           "--replicaof", "127.0.0.1", str(self.master_port),
                                           cwd=self.dir)
        conf = self.dir / "sentinel.conf"
        conf.write_text(
            f"port {self.sentinel_port}\nbind 127.0.0.1\nprotected-mode no\n"
            f"sentinel monitor {self.SERVICE} 127.0.0.1 {self.master_port} 1\n"
            f"sentinel down-after-milliseconds {self.SERVICE} 1000\n"
            f"sentinel failover-timeout {self.SERVICE} 5000\n")
        self.processes["sentinel"] = _redis(str(conf), "--sentinel", cwd=self.dir)
        for port in (self.master_port, self.replica_port, self.sentinel_port):
            _wait_for(lambda p=port: _listening(p), f"redis on {port}")
        _wait_for(lambda: "master_link_status:up" in _cli(self.replica_port, "info",
                                                          "replication"), "replication", 30)
        # A sentinel learns of replicas from the master's INFO, polled every 10 s: until it
        # has, there is nobody to promote.
        _wait_for(lambda: str(self.replica_port) in _cli(self.sentinel_port, "sentinel",
                                                         "replicas", self.SERVICE),
                  "the sentinel to know the replica", 30)
        return self

    def master(self) -> int:
        answer = _cli(self.sentinel_port, "sentinel", "get-master-addr-by-name", self.SERVICE)
        return int(answer.split()[1])

    def kill_master(self) -> float:
        """SIGKILL the master; returns when the sentinel names another one (seconds taken)."""
        started = time.monotonic()
        self.processes["master"].kill()
        self.processes["master"].wait(10)
        _wait_for(lambda: self.master() == self.replica_port, "sentinel failover", 30)
        return time.monotonic() - started

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def _cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is valid and free too."""
    for _ in range(200):  # bounded
        port = free_port()
        if port + 10000 <= 65535 and not _listening(port + 10000):
            return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


class ClusterGroup:
    """Three masters, no replicas: 16384 slots split three ways."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="threadr-cluster-"))
        self.ports = [_cluster_port() for _ in range(3)]
        self.processes: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def start(self) -> ClusterGroup:
        for port in self.ports:
            node = self.dir / str(port)
            node.mkdir()
            self.processes.append(_redis(
                "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf", "--save", "", "--appendonly", "no",
                "--protected-mode", "no", cwd=node))
        for port in self.ports:
            _wait_for(lambda p=port: _listening(p), f"redis cluster node on {port}")
        subprocess.run(["redis-cli", "--cluster", "create",
                        *[f"127.0.0.1:{p}" for p in self.ports],
                        "--cluster-replicas", "0", "--cluster-yes"],
                       check=True, capture_output=True, timeout=60)
        _wait_for(lambda: "cluster_state:ok" in _cli(self.ports[0], "cluster", "info"),
                  "cluster state ok", 30)
        return self

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)
