"""Publishing jobs on PostgreSQL with procrastinate (the production `PublishQueue`).

Why procrastinate: the jobs live in the PostgreSQL Threadr already runs (no extra service),
with scheduled jobs (`schedule_at`), retries, periodic tasks and any number of workers on any
number of hosts (``SELECT … FOR UPDATE SKIP LOCKED``); it is actively maintained and asyncio
native. (arq would add Redis as a store of record for scheduled posts.)

The web process only defers jobs; `threadr worker` runs them. Exactly-once does not rest on
the queue: a job runs `run_publication`, which leases the publication in Threadr's own table,
so a job run twice (a retried stalled job, the sweeper) finds the lease or the finished state.
The sweeper, a periodic task, re-defers publications whose worker died (lease expired) and
retries jobs procrastinate itself reports as stalled.
"""

from __future__ import annotations

import logging
from datetime import datetime

import procrastinate
from procrastinate import exceptions

log = logging.getLogger("threadr.publish")
QUEUE = "publish"
SWEEP_CRON = "* * * * * */5"  # every 5 s (6th column: seconds)


class ProcrastinateQueue:
    def __init__(self, database_url: str) -> None:
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=database_url, min_size=1,
                                                     max_size=6))
        self._services = None
        self._opened = False
        self._publish = self.app.task(name="threadr.publish", queue=QUEUE)(self._run)
        self.app.periodic(cron=SWEEP_CRON)(
            self.app.task(name="threadr.sweep", queue=QUEUE)(self._sweep))

    async def _open(self) -> None:
        if not self._opened:
            await self.app.open_async()
            self._opened = True
            await self.ensure_schema()

    async def ensure_schema(self) -> None:
        """Install procrastinate's tables if they are missing (``threadr migrate`` does it;
        the first use in a process checks again)."""
        if not self._opened:
            await self._open()
            return
        found = await self.app.connector.execute_query_one_async(
            "SELECT to_regclass('procrastinate_jobs') AS t")
        if found["t"] is None:
            try:
                await self.app.schema_manager.apply_schema_async()
            except Exception:  # another worker won the race: fine if the tables are there
                again = await self.app.connector.execute_query_one_async(
                    "SELECT to_regclass('procrastinate_jobs') AS t")
                if again["t"] is None:
                    raise

    async def enqueue(self, publication_id: str, at: datetime) -> None:
        await self._open()
        try:
            await self._publish.configure(schedule_at=at, queueing_lock=publication_id
                                          ).defer_async(publication_id=publication_id)
        except exceptions.AlreadyEnqueued:
            pass  # a job for it is already waiting

    async def run_worker(self, services, concurrency: int = 4) -> None:
        """Run jobs until SIGINT/SIGTERM (``threadr worker``)."""
        self._services = services
        await self.ensure_schema()
        await self.app.run_worker_async(queues=[QUEUE], concurrency=concurrency,
                                        fetch_job_polling_interval=1.0,
                                        update_heartbeat_interval=2.0,
                                        stalled_worker_timeout=10.0)

    async def _run(self, publication_id: str) -> None:
        from core.publish.publisher import run_publication

        status = await run_publication(self._services, publication_id)
        log.info("publication run", extra={"publication": publication_id, "status": status})

    async def _sweep(self, timestamp: int) -> None:
        services = self._services
        for job in await self.app.job_manager.get_stalled_jobs(
                queue=QUEUE, task_name="threadr.publish", seconds_since_heartbeat=10):
            await self.app.job_manager.retry_job(job)
        for pub_id in await services.store.due_publications(services.clock()):
            await self.enqueue(pub_id, services.clock())

    async def close(self) -> None:
        if self._opened:
            await self.app.close_async()
            self._opened = False
