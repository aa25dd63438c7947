"""Test hosts: network namespaces joined by veth pairs on a bridge.

Each host is a namespace with one interface on 10.201.<net>.0/24 and no default route, so
nothing a host sends can leave the test network. The bridge lives in a namespace of its own
("switch"), so the machine's own network is never touched. A host can be cut from one address
(a blackhole route: what a partition looks like to it) and healed; hosts run real processes
through `ip netns exec`. Everything is removed on `close()`, processes first.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import uuid
from pathlib import Path


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


class Host:
    def __init__(self, net: TestNet, name: str, addresses: list[str]) -> None:
        self.net, self.name, self.addresses = net, name, addresses
        self.ns = f"{net.prefix}-{name}"
        self.processes: list[subprocess.Popen] = []

    @property
    def address(self) -> str:
        return self.addresses[0]

    def exec_args(self, command: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.ns, *command]

    def run(self, command: list[str], timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(self.exec_args(command), timeout=timeout, **kwargs)

    def start(self, command: list[str], log: Path, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.Popen:
        with open(log, "ab") as out:  # a file, not a pipe: a full pipe would block the process
            process = subprocess.Popen(self.exec_args(command), env=env, cwd=cwd,
                                       stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.processes.append(process)
        return process

    def cut_from(self, address: str) -> None:
        """Packets from this host to `address` vanish (existing connections hang too)."""
        _ip("-n", self.ns, "route", "add", "blackhole", f"{address}/32")

    def heal(self, address: str) -> None:
        _ip("-n", self.ns, "route", "del", "blackhole", f"{address}/32")

    def kill_all(self, sig: int = signal.SIGKILL) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, sig)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
        self.processes = [p for p in self.processes if p.poll() is None]


class TestNet:
    """`with TestNet(["data", "api1", ...]) as net:` → `net["api1"].address` etc."""

    __test__ = False  # not a pytest class

    def __init__(self, hosts: dict[str, int]) -> None:
        """`hosts` maps a host name to its number of addresses (1 for most)."""
        self.prefix = f"thr{uuid.uuid4().hex[:6]}"
        self.switch = f"{self.prefix}-sw"
        self.hosts: dict[str, Host] = {}
        self._spec = hosts

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    def __enter__(self) -> TestNet:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _build(self) -> None:
        _ip("netns", "add", self.switch)
        _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.switch, "link", "set", "br0", "up")
        last = 1
        for index, (name, count) in enumerate(self._spec.items()):
            addresses = [f"10.201.0.{last + 1 + i}" for i in range(count)]
            last += count
            host = Host(self, name, addresses)
            _ip("netns", "add", host.ns)
            self.hosts[name] = host
            here, there = f"h{index}", f"p{index}"
            _ip("-n", host.ns, "link", "add", here, "type", "veth", "peer", "name", there,
                "netns", self.switch)
            _ip("-n", self.switch, "link", "set", there, "master", "br0")
            _ip("-n", self.switch, "link", "set", there, "up")
            for address in addresses:
                _ip("-n", host.ns, "addr", "add", f"{address}/24", "dev", here)
            _ip("-n", host.ns, "link", "set", here, "up")
            _ip("-n", host.ns, "link", "set", "lo", "up")

    def close(self) -> None:
        for host in self.hosts.values():
            host.kill_all()
        for ns in [h.ns for h in self.hosts.values()] + [self.switch]:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
