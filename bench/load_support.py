"""Shared parts of `bench_load.py` and `soak.py`: servers in subprocesses (Threadr and a bare
aiohttp app), a bounded load generator, RSS sampling, and an OpenAI-compatible stand-in that
holds every streamed completion half-way until released."""

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
    env.update(THREADR_DATA_DIR=data_dir, THREADR_ENV="test", DATABASE_URL=database_url,
               REDIS_URL=redis_url, REDIS_PREFIX=f"threadr_bench_{time.time_ns()}:",
               THREADR_GENERATOR="llm" if llm_base_url else "offline",
               FREE_DAILY_QUOTA="100000000", PREMIUM_DAILY_QUOTA="100000000",
               BURST_PER_MINUTE="100000000", LOG_LEVEL="WARNING", SHUTDOWN_GRACE="2",
               THREADR_HOST="127.0.0.1", THREADR_PORT=str(port), **extra)
    if llm_base_url:
        env.update(OPENAI_BASE_URL=llm_base_url, OPENAI_API_KEY="sk-bench", LLM_TIMEOUT="300",
                   LLM_RATE_PER_MINUTE="100000000", LLM_MAX_RETRIES="0",
                   SSE_HEARTBEAT_SECONDS="600")
    threadr = Path(sys.executable).with_name("threadr")
    if database_url:  # `threadr serve` expects a migrated database (`threadr migrate` first)
        subprocess.run([str(threadr), "migrate"], cwd=REPO, env=env, check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
    cmd = [str(threadr), "serve"] if threadr.exists() else [sys.executable, "-m", "web.server"]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log,
                               preexec_fn=_raise_fd_limit)
    base = f"http://127.0.0.1:{port}"
    wait_up(f"{base}/healthz", process)
    return process, base


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


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


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
