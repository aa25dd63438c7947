"""Running the web app: `serve(settings)` for `threadr serve`, `python -m web.server` too."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import multiprocessing
import signal
import socket
import sys
from collections.abc import Callable, Sequence

from aiohttp import web

from core.datadir import lock
from core.settings import Settings, SettingsError
from web.app import Mount, create_app
from web.guard import GuardedRunner, exit_after
from web.keys import DRAINING

log = logging.getLogger("threadr.server")
MountsFactory = Callable[[Settings], Sequence[Mount]]
_HARD_STOP_MARGIN = 3.0  # seconds past SHUTDOWN_GRACE for closing pools before a hard exit


async def _serve(settings: Settings, host: str, port: int, *, reuse_port: bool = False,
                 announce: bool = True, mounts: MountsFactory | None = None) -> None:
    app = create_app(settings, mounts=mounts(settings) if mounts else ())
    runner = GuardedRunner(app, access_log=None, handle_signals=False,
                           shutdown_timeout=settings.shutdown_grace,
                           header_timeout=settings.http_header_timeout,
                           body_timeout=settings.http_body_timeout)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, reuse_address=True, reuse_port=reuse_port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1] if site._server else port
        shown = f"[{host}]" if ":" in host else host
        if announce:
            print(f"Threadr on http://{shown}:{bound}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        exit_after(settings.drain_seconds + settings.shutdown_grace + _HARD_STOP_MARGIN)
        app[DRAINING].set()  # the load balancer takes us out while we still serve
        await asyncio.sleep(settings.drain_seconds)
    finally:
        await runner.cleanup()


class PortInUse(OSError):
    """Another process already listens on the address `threadr serve` was asked to use."""

    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} is in use; pass --port or stop the other server")
        self.port = port


def check_port_free(host: str, port: int) -> None:
    """Bind and release the address (as the server will, without SO_REUSEPORT), so a busy
    port is one clear line before anything starts, not a traceback from deep inside."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(port) from None
            raise


def run(settings: Settings, host: str, port: int, mounts: MountsFactory | None = None) -> None:
    """Serve until SIGINT/SIGTERM, then finish in-flight requests (`shutdown_grace`).

    `settings.workers` > 1 starts that many processes sharing the port (SO_REUSEPORT); it
    needs Redis, since in-process counters would give each worker its own quotas.
    """
    problems = settings.safety_problems()
    if problems:
        raise ValueError(problems[0])
    if port:
        check_port_free(host, port)
    held = None if settings.redis_url else lock(settings.data_dir)  # noqa: F841 - kept open
    workers = settings.workers
    if workers > 1 and not settings.redis_url:
        log.warning("WORKERS > 1 needs REDIS_URL (shared quotas); serving with one process")
        workers = 1
    if workers <= 1:
        _run(_serve(settings, host, port, mounts=mounts))
        return
    _run_workers(settings, host, port, workers, mounts)


def _worker(settings: Settings, host: str, port: int, announce: bool,
            mounts: MountsFactory | None) -> None:
    from core.logs import configure_logging

    configure_logging(settings)
    with contextlib.suppress(KeyboardInterrupt):
        _run(_serve(settings, host, port, reuse_port=True, announce=announce, mounts=mounts))


def _run(serving) -> None:
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(serving)


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (every platform but Windows): the same server on a
    libuv event loop keeps ~5 kB less for each held SSE stream (`bench/bench_load.py`: 47 ->
    42 kB at 1,000) and takes ~5-8% less CPU for a cached thread (two servers measured in
    turn); else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _run_workers(settings: Settings, host: str, port: int, workers: int,
                 mounts: MountsFactory | None) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(settings, host, port, i == 0, mounts))
                 for i in range(workers)]
    for process in processes:
        process.start()

    def stop(*_):
        for process in processes:
            if process.is_alive():
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process in processes:
        process.join()  # until a signal: then each worker has its own hard stop


def serve(settings: Settings, mounts: MountsFactory | None = None) -> None:
    """`threadr serve`: the host and port come from the settings. `mounts(settings)` gives
    extra endpoints (a picklable function, since workers are separate processes)."""
    run(settings, settings.host, settings.port, mounts)


def main(argv: list[str] | None = None) -> int:
    from core.logs import configure_logging

    parser = argparse.ArgumentParser(prog="python -m web.server")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"python -m web.server: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    run(settings, args.host or settings.host, settings.port if args.port is None else args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
