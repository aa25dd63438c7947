"""Start-up time: `threadr serve` until its first 200 from `/healthz`, next to a bare aiohttp
app started the same way in the same run, and `threadr thread -f short.txt` wall time.

    .venv/bin/python bench/bench_startup.py [--runs 5]

`serve (fresh)` starts on an empty data dir (keys, SQLite schema made), `serve (again)` on
the data dir the fresh start left. Embedded defaults (no DATABASE_URL / REDIS_URL, offline
generator). Each figure is the median of `--runs` starts; the ratio is to the bare app's.
Loopback only; every start is bounded (30 s) and the server is stopped right after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_support import REPO, free_port, stop  # noqa: E402

BARE = """
from aiohttp import web
async def healthz(request):
    return web.json_response({"status": "ok"})
app = web.Application()
app.router.add_get("/healthz", healthz)
web.run_app(app, host="127.0.0.1", port={port}, print=None, access_log=None)
"""
SHORT = ("Tiny forests grow fast. Cities plant them on vacant lots, a few hundred square metres "
         "at a time. Critics want long-term data before the next hundred sites are planted.")


def _threadr() -> list[str]:
    script = Path(sys.executable).with_name("threadr")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


def _env(data_dir: str, port: int) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPENAI_", "STRIPE_", "TELEGRAM_", "DISCORD_"))}
    env.update(PYTHONPATH=str(REPO), THREADR_DATA_DIR=data_dir, DATABASE_URL="", REDIS_URL="",
               THREADR_GENERATOR="offline", THREADR_HOST="127.0.0.1", THREADR_PORT=str(port),
               LOG_LEVEL="WARNING")
    return env


def time_to_ready(cmd: list[str], env: dict, port: int) -> float:
    """Seconds from spawning `cmd` to the first 200 from its `/healthz`."""
    url = f"http://127.0.0.1:{port}/healthz"
    began = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        while time.perf_counter() - began < 30:
            if process.poll() is not None:
                raise SystemExit(f"{cmd[-1]} exited with {process.returncode}: "
                                 f"{process.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - began
            except OSError:
                time.sleep(0.005)
        raise SystemExit(f"{url} did not answer 200 within 30 s")
    finally:
        stop(process)


def bare_start() -> float:
    port = free_port()
    return time_to_ready([sys.executable, "-c", BARE.replace("{port}", str(port))],
                         dict(os.environ), port)


def serve_start(data_dir: str) -> float:
    port = free_port()
    return time_to_ready([*_threadr(), "serve"], _env(data_dir, port), port)


def thread_short(data_dir: str, source: Path) -> float:
    began = time.perf_counter()
    subprocess.run([*_threadr(), "thread", "-f", str(source)], cwd=REPO, check=True,
                   env=_env(data_dir, 0), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bare, fresh, again, thread = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "short.txt"
        source.write_text(SHORT)
        for run in range(args.runs):  # interleaved, so all see the same machine
            bare.append(bare_start())
            data_dir = f"{tmp}/data{run}"
            fresh.append(serve_start(data_dir))
            again.append(serve_start(data_dir))
            thread.append(thread_short(data_dir, source))
    base = statistics.median(bare)
    print(f"median of {args.runs} starts (seconds to the first 200 from /healthz)")
    print(f"{'bare aiohttp':<22} {base:6.3f} s")
    for name, values in (("threadr serve (fresh)", fresh), ("threadr serve (again)", again)):
        value = statistics.median(values)
        print(f"{name:<22} {value:6.3f} s  {value / base:5.1f}× bare   (min {min(values):.3f}, "
              f"max {max(values):.3f})")
    print(f"{'threadr thread -f short.txt':<28} {statistics.median(thread):6.3f} s wall")


if __name__ == "__main__":
    main()
