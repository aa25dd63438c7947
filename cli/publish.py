"""`threadr worker` (runs publications: procrastinate on PostgreSQL, the local runner on the
embedded SQLite default) and `threadr publish THREAD_ID --to DESTINATION_ID [--at TIME]`."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import datetime


def add_publish_parsers(sub) -> None:
    worker = sub.add_parser("worker", help="publish threads when they are due (several "
                                           "workers on several hosts may share one database)")
    worker.add_argument("--concurrency", type=int, default=4, help="publications at once")
    pub = sub.add_parser("publish", help="publish a saved thread to a connected account")
    pub.add_argument("thread_id")
    pub.add_argument("--to", dest="destination_id", required=True, help="destination id")
    pub.add_argument("--at", help="ISO 8601 time with a zone (Premium); default: now")


async def run_worker(args, settings) -> int:
    from core.bootstrap import build_services
    from core.publish.queue import LocalRunner

    async with build_services(settings) as services:
        queue = services.publish_queue
        if not isinstance(queue, LocalRunner):
            await queue.run_worker(services, concurrency=args.concurrency)
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        queue.start()
        await stop.wait()
    return 0


async def run_publish(args, settings) -> int:
    from cli.inputs import CliError
    from core.bootstrap import build_services
    from core.usecases.publications import publish_thread

    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            raise CliError(f"--at must be an ISO 8601 time, not {args.at!r}") from None
        if at.tzinfo is None:
            raise CliError("--at needs a time zone (e.g. 2026-01-01T09:00:00+00:00)")
    async with build_services(settings) as services:
        owner = await services.store.destination_owner(args.destination_id)
        if owner is None:
            raise CliError(f"no destination {args.destination_id!r}")
        pub = await publish_thread(services, owner, args.thread_id, args.destination_id, at)
    print(json.dumps({"id": pub.id, "status": pub.status, "run_at": pub.run_at.isoformat()}))
    return 0
