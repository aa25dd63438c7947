"""Issue 14 (H2): what one hostile page costs, and what it does to everyone else.

Starts `threadr serve` (embedded) and measures:
  1. the attack page ("<p></p>" * 700,000, 4.9 MB): status, wall time and the server's CPU
     seconds (the API process and its extraction children);
  2. the worst page under the tag limit (killed at EXTRACT_SECONDS in its child);
  3. another person's login latency (p50/p95), idle and while 5 clients send attack pages
     (from another process, each request from its own address); the control sends the same
     traffic to a bare aiohttp sink instead, to show what the machine itself adds.
`--baseline` also measures 1. on a server with the budget switched off (the old behaviour).

    python bench/bench_abuse.py [--baseline] [--logins 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.load_support import free_port, percentile, start_threadr, stop  # noqa: E402

ATTACK = {"url": "https://example.com/a", "html": "<p></p>" * 700_000}
UNDER_LIMIT = {"url": "https://example.com/b", "html": "<div>" + "<p>a</p>" * 29_000 + "</div>"}
ACCOUNT = {"email": "bench@example.com", "password": "plum tartan 93"}
TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of `pid` and its descendants (reaped children included: cutime/cstime)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = sum(int(x) for x in fields[11:15]) / TICK
    total, frontier = 0.0, [pid]
    while frontier:
        current = frontier.pop()
        total += times.get(current, 0.0)
        frontier += [child for child, parent in parents.items() if parent == current]
    return total


async def one(session, base, body, pid) -> tuple[int, float, float]:
    cpu, started = tree_cpu_seconds(pid), time.perf_counter()
    async with session.post(f"{base}/api/v1/threads", json=body) as response:
        await response.read()
        status = response.status
    wall = time.perf_counter() - started
    await asyncio.sleep(0.5)  # let killed children be reaped into the tree's totals
    return status, wall, tree_cpu_seconds(pid) - cpu


def from_ip(n: int) -> dict:
    """Each request from its own address (the server trusts 127.0.0.1 as a proxy): a
    distributed attack, which no per-IP burst limit stops."""
    return {"X-Forwarded-For": f"198.51.{n // 250 % 250}.{n % 250 + 1}",
            "Content-Type": "application/json"}


async def logins(session, base, count) -> list[float]:
    seconds = []
    for n in range(count):
        started = time.perf_counter()
        async with session.post(f"{base}/api/v1/auth/login", json=ACCOUNT,
                                headers=from_ip(100_000 + n)) as response:
            assert response.status == 200, response.status
        seconds.append(time.perf_counter() - started)
    return sorted(seconds)


async def _attack(base: str, seconds: float, clients: int = 5) -> int:
    sent = 0
    body = json.dumps(ATTACK).encode()  # serialised once
    deadline = time.monotonic() + seconds

    async def attacker(session):
        nonlocal sent
        while time.monotonic() < deadline:
            async with session.post(f"{base}/api/v1/threads", data=body,
                                    headers=from_ip(sent)) as response:
                await response.read()
            sent += 1

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(*(attacker(session) for _ in range(clients)))
    return sent


def _attack_process(base: str, seconds: float, sent) -> None:
    sent.value = asyncio.run(_attack(base, seconds))


def start_attack(base: str, seconds: float):
    """The attackers in a process of their own: sending 5 MB bodies must not slow the
    client that measures logins (the measurement would then be of the bench, not the server)."""
    context = multiprocessing.get_context("spawn")
    sent = context.Value("i", 0)
    process = context.Process(target=_attack_process, args=(base, seconds, sent))
    process.start()
    return process, sent


SINK = """
from aiohttp import web
async def sink(request):
    await request.read()
    return web.json_response({"error": {"code": "page_too_complex"}}, status=422)
app = web.Application(client_max_size=10_000_000)
app.router.add_post("/api/v1/threads", sink)
web.run_app(app, host="127.0.0.1", port={port}, print=None, access_log=None)
"""


def start_sink() -> tuple[subprocess.Popen, str]:
    """The control: a bare aiohttp app that reads each attack body and answers 422."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SINK.replace("{port}", str(port))])
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return process, base


async def logins_while_attacking(session, base, target, count) -> tuple[list[float], int]:
    process, sent = start_attack(target, seconds=4.0 + count * 0.6)
    await asyncio.sleep(3.0)  # the attackers are up and sending
    seconds = await logins(session, base, count)
    await asyncio.to_thread(process.join, 120)
    return seconds, sent.value


async def measure(base: str, pid: int, count: int) -> dict:
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.post(f"{base}/api/v1/auth/register", json=ACCOUNT) as response:
            assert response.status == 201, await response.text()
        out = {"attack": await one(session, base, ATTACK, pid),
               "under_limit": await one(session, base, UNDER_LIMIT, pid)}
        out["idle"] = await logins(session, base, count)
        cpu, started = tree_cpu_seconds(pid), time.perf_counter()
        out["under_attack"], out["attack_requests"] = await logins_while_attacking(
            session, base, base, count)
        out["attack_cpu"] = (tree_cpu_seconds(pid) - cpu, time.perf_counter() - started)
        sink, sink_base = start_sink()
        try:
            out["control"], out["control_requests"] = await logins_while_attacking(
                session, base, sink_base, count)
        finally:
            stop(sink)
    return out


def report(name: str, result: tuple[int, float, float]) -> None:
    status, wall, cpu = result
    print(f"{name:<34} status {status}  wall {wall:6.2f} s  server CPU {cpu:6.2f} s")


async def baseline() -> None:
    with tempfile.TemporaryDirectory() as data:
        process, base = start_threadr(data, EXTRACT_SECONDS="600", EXTRACT_MAX_TAGS="1000000000")
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
                report("attack page, budget off (before)", await one(session, base, ATTACK,
                                                                     process.pid))
        finally:
            stop(process)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--logins", type=int, default=30)
    args = parser.parse_args()
    if args.baseline:
        await baseline()
    with tempfile.TemporaryDirectory() as data:
        process, base = start_threadr(data, TRUSTED_PROXIES="127.0.0.1/32")
        try:
            result = await measure(base, process.pid, args.logins)
        finally:
            stop(process)
    report("attack page (4.9 MB of <p></p>)", result["attack"])
    report("worst page under the tag limit", result["under_limit"])
    idle, busy = result["idle"], result["under_attack"]
    p95_idle, p95_busy = percentile(idle, 0.95), percentile(busy, 0.95)
    print(f"login p50/p95 idle          {percentile(idle, 0.5):.3f} / {p95_idle:.3f} s")
    print(f"login p50/p95 under attack  {percentile(busy, 0.5):.3f} / {p95_busy:.3f} s "
          f"({result['attack_requests']} attack requests meanwhile; "
          f"p95 ratio {p95_busy / p95_idle:.2f}x, bar 2x)")
    control = result["control"]
    print(f"login p50/p95, same attack sent to a bare aiohttp sink on this machine (control): "
          f"{percentile(control, 0.5):.3f} / {percentile(control, 0.95):.3f} s "
          f"({result['control_requests']} requests)")
    cpu, wall = result["attack_cpu"]
    print(f"server CPU during the attack phase: {cpu:.1f} s in {wall:.1f} s "
          f"({cpu / max(1, result['attack_requests']) * 1000:.0f} ms per attack request)")


if __name__ == "__main__":
    asyncio.run(main())
