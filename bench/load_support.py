"""Shared parts of `bench_load.py` and `soak.py`: servers in subprocesses (Threadr and a bare
aiohttp app), a bounded load generator, RSS and CPU sampling, and an OpenAI-compatible stand-in
that holds every streamed completion half-way until released.

Every Threadr start gets fresh state, whatever the run before left: a new Redis key prefix
(its keys deleted by `stop`) and, with a PostgreSQL URL, a scratch database on that server
(created, migrated, dropped by `stop`). Reusing one database made each run slower than the
last: a fresh Redis counter is rebuilt from the day's usage records in the database, one unit
per round trip (20,000 left by earlier runs = 20,000 round trips inside the measurement)."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
from aiohttp import web

REPO = Path(__file__).resolve().parents[1]
ARTICLE = (
    "Cities are planting trees to cope with heat. Shade from a mature tree can cool a street by "
    "several degrees on a summer afternoon. Researchers measured surface temperatures in forty "
    "neighbourhoods and found the leafiest ones were markedly cooler at night.\n\n"
    "The programmes are not cheap. A city must water young trees for years, and many die before "
    "they give any shade. Planners now pick species that tolerate drought and pollution.\n\n"
    "Residents notice the difference. Surveys show people walk more on shaded streets, and shops "
    "on those streets report more visitors during heat waves. Trees are infrastructure."
) * 2
BARE = """
import asyncio
from aiohttp import web
released = asyncio.Event()
async def hello(request):
    return web.Response(text="Hello, world")
async def sse(request):
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(b'event: meta\\ndata: {}\\n\\n')
    await asyncio.wait_for(released.wait(), 300)
    for i in range(4):
        await response.write(b'event: post\\ndata: {"index": %d}\\n\\n' % i)
    await response.write(b'event: done\\ndata: {}\\n\\n')
    return response
async def release(request):
    released.set()
    return web.Response(text="ok")
app = web.Application()
app.router.add_get("/", hello)
app.router.add_post("/sse", sse)
app.router.add_post("/release", release)
web.run_app(app, host="127.0.0.1", port={port}, print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _raise_fd_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def wait_up(url: str, process: subprocess.Popen) -> None:
    for _ in range(300):  # bounded: 30 s
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def start_threadr(data_dir: str, *, database_url: str = "", redis_url: str = "",
                  llm_base_url: str = "", log_path: str | None = None,
                  **extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STRIPE_"))}
    prefix = f"threadr_bench_{time.time_ns()}:"
    env.update(THREADR_DATA_DIR=data_dir, THREADR_ENV="test", DATABASE_URL=database_url,
               REDIS_URL=redis_url, REDIS_PREFIX=prefix,
               THREADR_GENERATOR="llm" if llm_base_url else "offline",
               FREE_DAILY_QUOTA="100000000", PREMIUM_DAILY_QUOTA="100000000",
               BURST_PER_MINUTE="100000000", LOG_LEVEL="WARNING", SHUTDOWN_GRACE="2",
               THREADR_HOST="127.0.0.1", THREADR_PORT=str(port), **extra)
    if llm_base_url:
        env.update(OPENAI_BASE_URL=llm_base_url, OPENAI_API_KEY="sk-bench", LLM_TIMEOUT="300",
                   LLM_RATE_PER_MINUTE="100000000", LLM_MAX_RETRIES="0",
                   SSE_HEARTBEAT_SECONDS="600")
    threadr = Path(sys.executable).with_name("threadr")
    scratch = None
    if database_url.startswith(("postgresql://", "postgres://")):
        scratch = database_url.rsplit("/", 1)[0], f"threadr_bench_{time.time_ns()}"
        _pg(scratch[0] + "/postgres", f'CREATE DATABASE "{scratch[1]}"')
        env.update(DATABASE_URL="/".join(scratch))
    if database_url:  # `threadr serve` expects a migrated database (`threadr migrate` first)
        subprocess.run([str(threadr), "migrate"], cwd=REPO, env=env, check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
    cmd = [str(threadr), "serve"] if threadr.exists() else [sys.executable, "-m", "web.server"]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log,
                               preexec_fn=_raise_fd_limit)
    process.scratch = scratch  # dropped by `stop`
    process.redis_keys = (redis_url, prefix) if redis_url else None  # deleted by `stop`
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(f"{base}/healthz", process)
    except BaseException:
        stop(process)
        raise
    return process, base


def _pg(server_url: str, statement: str) -> None:
    """One statement on the PostgreSQL server, from sync code that may sit in an event loop."""
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(server_url, timeout=10)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


def listening(port: int) -> int:
    """How many sockets listen on `port` (each `--workers` process binds its own, sharing the
    port with SO_REUSEPORT; the kernel spreads new connections over those bound now)."""
    hex_port = f":{port:04X}"
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].endswith(hex_port) and fields[3] == "0A":  # local address, LISTEN
                count += 1
    return count


def wait_listening(port: int, count: int, process: subprocess.Popen) -> None:
    """Until `count` worker sockets listen on `port` (bounded: 60 s). /healthz answers as soon
    as the first worker is up; connections opened before the others bind all go to it."""
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        if listening(port) >= count:
            return
        time.sleep(0.1)
    raise SystemExit(f"{count} workers did not all listen on port {port}")


def start_bare() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", BARE.replace("{port}", str(port))],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=_raise_fd_limit)
    base = f"http://127.0.0.1:{port}"
    wait_up(f"{base}/", process)
    return process, base


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    scratch = getattr(process, "scratch", None)
    if scratch:
        _pg(scratch[0] + "/postgres", f'DROP DATABASE IF EXISTS "{scratch[1]}" WITH (FORCE)')
    redis_keys = getattr(process, "redis_keys", None)
    if redis_keys:
        _drop_keys(*redis_keys)


def _drop_keys(redis_url: str, prefix: str) -> None:
    """The run's keys on a shared Redis (thousands a run: cache entries, counters, logs)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        batch = []
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)
    finally:
        client.close()


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from 3 (state) on: comm may hold spaces


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _tree(root: int, parents: dict[int, int]) -> set[int]:
    found = {root}
    while True:
        more = {pid for pid, ppid in parents.items() if ppid in found} - found
        if not more:
            return found
        found |= more


class CpuMeter:
    """CPU seconds used while a scenario ran, from /proc: this process (the load client),
    the server's process tree, redis-server, PostgreSQL (server and backends), and the
    whole machine (`other` = everything else: other jobs sharing the cores)."""

    def __init__(self, servers: dict[str, int]) -> None:
        self.servers = servers  # name → root pid ("threadr", "bare")

    def sample(self) -> dict:
        parents, ticks = {}, {}
        for pid in _all_pids():
            fields = _stat(pid)
            if fields:
                parents[pid] = int(fields[1])
                ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
        groups: dict[str, set[int]] = {"client": {os.getpid()}}
        for name, root in self.servers.items():
            groups[name] = _tree(root, parents)
        groups["redis"] = {p for p in ticks if _comm(p) == "redis-server"}
        groups["postgres"] = {p for p in ticks if _comm(p).startswith("postgres")}
        cpu = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        busy = sum(map(int, cpu)) - int(cpu[3]) - int(cpu[4])  # all but idle and iowait
        return {"groups": {name: {p: ticks[p] for p in pids if p in ticks}
                           for name, pids in groups.items()}, "machine": busy}

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        """CPU seconds per group between two samples (per pid: a new one counts from 0, one
        that ended in between is lost), the machine's busy seconds, and `other`."""
        out = {}
        for name, pids in after["groups"].items():
            start = before["groups"].get(name, {})
            out[name] = round(sum(t - start.get(p, 0) for p, t in pids.items()) / _TICK, 2)
        ours = sum(out.values())
        out["machine"] = round((after["machine"] - before["machine"]) / _TICK, 2)
        out["other"] = round(max(0.0, out["machine"] - ours), 2)
        return out


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def load(session, method, url, body_for, total, concurrency, seconds,
               headers=None) -> dict:
    """Send up to `total` requests (or until `seconds` pass) with `concurrency` workers."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(total))
    deadline = time.perf_counter() + seconds

    async def worker():
        for i in counter:
            if time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            try:
                async with session.request(method, url, json=body_for(i),
                                           headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0  # a failed connection counts as an error
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    return await _timed(worker, concurrency, latencies, statuses)


async def lean_load(base: str, path: str, body_for, total: int, concurrency: int,
                    seconds: float) -> dict:
    """`load` for JSON POSTs on raw keep-alive HTTP/1.1 connections: the same figures for a
    fraction of aiohttp's client CPU. For `--workers` runs, where the load generator shares
    the cores with the workers it measures (aiohttp's client takes ~0.2 ms a request, about
    a tenth of a miss: CPU the second worker would have had)."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Content-Type: application/json\r\nContent-Length: ").encode()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(total))
    deadline = time.perf_counter() + seconds

    async def worker():
        reader = writer = None
        for i in counter:
            if time.perf_counter() > deadline:
                break
            body = json.dumps(body_for(i)).encode()
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(b"%s%d\r\n\r\n%s" % (head, len(body), body))
                answer = await reader.readuntil(b"\r\n\r\n")
                status = int(answer[9:12])
                fields = dict(line.split(b":", 1) for line in answer.lower().split(b"\r\n")[1:-2])
                await reader.readexactly(int(fields[b"content-length"]))  # json_response sets it
                if fields.get(b"connection", b"").strip() == b"close":
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, KeyError,
                    ValueError):
                status = 0  # a failed connection or answer counts as an error
                if writer is not None:
                    writer.close()
                writer = None
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
        if writer is not None:
            writer.close()

    return await _timed(worker, concurrency, latencies, statuses)


async def _timed(worker, concurrency: int, latencies: list[float], statuses: dict) -> dict:
    """Run `concurrency` copies of `worker` (which fill `latencies` and `statuses`): the
    figures every load scenario prints."""
    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {"requests": len(latencies), "seconds": round(elapsed, 3),
            "rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 2), "statuses": statuses}


async def hold(session, url: str, count: int, ready, at_peak) -> dict:
    """Open `count` SSE streams; once each got its first event and `ready()` says so, await
    `at_peak()` (sample, then release), and read every stream to its end."""
    firsts = asyncio.Semaphore(0)
    outcome = {"finished": 0, "failed": 0}

    async def one(i: int) -> None:
        try:
            async with session.post(url, json={"text": f"{ARTICLE} Stream {i}."},
                                    headers={"Accept": "text/event-stream"}) as response:
                await response.content.readuntil(b"\n\n")
                firsts.release()
                body = await response.read()
            outcome["finished" if b"event: done" in body else "failed"] += 1
        except Exception:  # counted; the run goes on
            firsts.release()
            outcome["failed"] += 1

    tasks = [asyncio.create_task(one(i)) for i in range(count)]
    try:
        async with asyncio.timeout(240):
            for _ in range(count):
                await firsts.acquire()
            for _ in range(2400):  # bounded by the timeout above too
                if await ready():
                    break
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # let buffers settle before sampling
    finally:
        await at_peak()
    async with asyncio.timeout(240):
        await asyncio.gather(*tasks)
    return outcome


class HeldLLM:
    """`POST /v1/chat/completions` (streaming): sends the first half of a valid answer, then
    waits until `release_all()` (or 300 s), then the rest. `held` counts streams waiting."""

    POSTS = ["Cities that plant trees cool their streets by several degrees in summer.",
             "The effect is strongest where canopy covers a third of the block.",
             "Shade also cuts energy use: fewer air conditioners run at full power.",
             "The takeaway: street trees are cheap climate infrastructure."]

    def __init__(self) -> None:
        self.held = 0
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def __aenter__(self) -> HeldLLM:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        self.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/v1"
        return self

    async def __aexit__(self, *exc) -> None:
        self._released.set()
        await self._runner.cleanup()

    async def release_all(self) -> None:
        self._released.set()

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        text = json.dumps({"posts": self.POSTS})
        half = len(text) // 2
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await _chunk(response, {"role": "assistant", "content": text[:half]})
        self.held += 1
        try:
            await asyncio.wait_for(self._released.wait(), 300)
        finally:
            self.held -= 1
        await _chunk(response, {"content": text[half:]})
        await _chunk(response, {}, finish="stop")
        await response.write(b"data: [DONE]\n\n")
        return response


async def _chunk(response, delta: dict, finish: str | None = None) -> None:
    payload = {"id": "chatcmpl-bench", "object": "chat.completion.chunk",
               "created": int(time.time()), "model": "bench",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    await response.write(f"data: {json.dumps(payload)}\n\n".encode())
