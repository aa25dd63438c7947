"""The one composition root: every service built from a `Settings`, closed in reverse order.

    async with build_services(settings) as services:
        ...

The web app enters it from a cleanup_ctx, the bots from their start-up hooks, the CLI from
its command. Tests pass replacements (e.g. `store=`) to swap a dependency; the root closes
exactly what it built, never what it was given.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.keyfiles import jwt_secret
from core.services import Services, utcnow
from core.settings import Settings

if TYPE_CHECKING:  # prometheus_client is imported by the servers, not by `threadr thread`
    from core.articles.bounded import BoundedExtractor
    from core.articles.fetch import Fetcher
    from core.billing import Billing
    from core.counters.base import SharedState
    from core.generate.base import Generator
    from core.mail.sender import MailSender
    from core.metrics import Metrics
    from core.publish.networks import Networks
    from core.publish.queue import PublishQueue
    from core.store.account_records import AccountRecords
    from core.store.base import Store
    from core.usage import UsageLog

log = logging.getLogger("threadr.bootstrap")


def build_generator(settings: Settings, metrics: Metrics | None) -> Generator:
    """The configured generator: offline, or the LLM wrapped with the offline fallback."""
    from core.generate.offline import OfflineGenerator

    if settings.generator != "llm":
        return OfflineGenerator()
    from core.generate.fallback import FallbackGenerator
    from core.generate.llm import LLMGenerator

    return FallbackGenerator(LLMGenerator(settings, metrics), OfflineGenerator(), metrics)


@asynccontextmanager
async def build_services(
    settings: Settings,
    *,
    store: Store | None = None,
    usage: UsageLog | None = None,
    counters: SharedState | None = None,
    fetcher: Fetcher | None = None,
    generator: Generator | None = None,
    billing: Billing | None = None,
    extractor: BoundedExtractor | None = None,
    records: AccountRecords | None = None,
    mail: MailSender | None = None,
    networks: Networks | None = None,
    publish_queue: PublishQueue | None = None,
    metrics: Metrics | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> AsyncIterator[Services]:
    """Open what `settings` configure unless given; close what was opened here (never what
    was given), in reverse order, on exit."""
    from core.accounts import PasswordHasher, TokenService
    from core.articles.bounded import BoundedExtractor
    from core.articles.fetch import SafeFetcher
    from core.counters.factory import open_counters
    from core.counters.thread_cache import SingleFlightThreadCache
    from core.metrics import Metrics
    from core.quotas import Quotas
    from core.store.factory import open_store
    from core.usecases.threads import worth_caching

    metrics = metrics or Metrics()
    async with AsyncExitStack() as stack:
        if store is None:
            store = await open_store(settings)
            stack.push_async_callback(store.close)
        if usage is None:  # closed before the store: its last batch is written on close
            usage = _build_usage_log(settings, store)
            stack.push_async_callback(usage.close)
        if counters is None:
            counters = await open_counters(settings, metrics)
            stack.push_async_callback(counters.close)
        if fetcher is None:
            fetcher = SafeFetcher(settings)
            stack.push_async_callback(fetcher.close)
        if generator is None:
            generator = build_generator(settings, metrics)
            stack.push_async_callback(generator.close)
        if billing is None and settings.billing_configured:
            billing = _build_billing(settings)
            stack.push_async_callback(billing.close)
        if extractor is None:
            extractor = BoundedExtractor(settings.extract_seconds, settings.extract_max_tags)
        if records is None:
            from core.store.account_records import AccountRecords
            from core.store.sql import sql_db_for

            records = AccountRecords(sql_db_for(store))
        if mail is None:
            mail = build_mail_sender(settings)
            stack.push_async_callback(mail.close)
        services = Services(
            settings=settings,
            store=store,
            counters=counters,
            fetcher=fetcher,
            generator=generator,
            passwords=PasswordHasher(),
            tokens=TokenService(jwt_secret(settings), settings.jwt_audience,
                                settings.jwt_ttl_minutes),
            quotas=Quotas(counters, settings, metrics, charged_since=usage.count_since),
            metrics=metrics,
            cache=counters,
            thread_cache=SingleFlightThreadCache(counters, counters, settings.cache_ttl_seconds,
                                                 keep=worth_caching),
            usage=usage,
            billing=billing,
            extractor=extractor,
            networks=networks,
            publish_queue=publish_queue,
            records=records,
            mail=mail,
            clock=clock,
        )
        if services.networks is None:
            services.networks = _build_networks(settings)
            stack.push_async_callback(services.networks.close)
        if services.publish_queue is None:  # the local runner needs the services themselves
            services.publish_queue = _build_publish_queue(services)
            stack.push_async_callback(services.publish_queue.close)
        yield services


@dataclass
class Preview:
    """What `preview_thread` uses: the generator, and the fetcher when there is a URL."""

    generator: Any
    fetcher: Any = None


@asynccontextmanager
async def build_preview(settings: Settings, *, fetch: bool) -> AsyncIterator[Preview]:
    """The CLI's `thread` command: a generator, plus the SSRF-safe fetcher only when a URL is
    fetched. No store, counters, fork server or SDK: nothing the command does not use is
    imported (start-up ≤ 0.5 s; tests/cli/test_cli_startup.py checks the imports)."""
    async with AsyncExitStack() as stack:
        metrics = None
        if settings.generator == "llm":
            from core.metrics import Metrics

            metrics = Metrics()
        generator = build_generator(settings, metrics)
        stack.push_async_callback(generator.close)
        fetcher = None
        if fetch:
            from core.articles.fetch import SafeFetcher

            fetcher = SafeFetcher(settings)
            stack.push_async_callback(fetcher.close)
        yield Preview(generator=generator, fetcher=fetcher)


def build_mail_sender(settings: Settings):
    """SMTP when `SMTP_URL` is set, else `.eml` files in `<data dir>/outbox/`."""
    from core.mail.sender import MailSender

    if settings.smtp_url:
        from core.mail.smtp import SmtpMailer

        mailer = SmtpMailer(settings.smtp_url.reveal(), settings.mail_from)
    else:
        from core.mail.outbox import OutboxMailer

        mailer = OutboxMailer(settings.data_dir / "outbox", settings.mail_from)
    return MailSender(mailer, settings.mail_attempts, settings.mail_backoff_seconds)


def warm_up(services: Services) -> None:
    """Blocking (~0.6 s once per process; run it in a thread): compile the length engine's
    patterns, import the extractor (lxml, trafilatura) and start the extraction fork server,
    so the first page does not pay for them. Optional: each happens on first use otherwise."""
    from core.articles import extract_article
    from core.errors import EmptyArticle
    from core.text import weighted_length

    weighted_length("warm up https://example.com 🧵")
    try:
        extract_article("<html><body><article><p>Warm up.</p></article></body></html>")
    except EmptyArticle:
        pass
    if services.extractor is not None:
        services.extractor.start()


def _build_usage_log(settings: Settings, store):
    """Usage records batched off the request path (USAGE_FLUSH_SECONDS), or written per
    request when it is 0."""
    from core.usage import BufferedUsageLog, DirectUsageLog

    if settings.usage_flush_seconds <= 0:
        return DirectUsageLog(store)
    usage = BufferedUsageLog(store, settings.usage_flush_seconds)
    usage.start()
    return usage


def _build_networks(settings: Settings) -> Networks:
    from core.publish.networks import Networks

    return Networks(settings)  # production refuses to start without TOKEN_ENCRYPTION_KEY


def _build_publish_queue(services: Services) -> PublishQueue:
    """PostgreSQL: procrastinate jobs (run by `threadr worker`); the embedded default (SQLite):
    the local runner, started inside `threadr serve`."""
    from core.publish.publisher import run_publication
    from core.publish.queue import LocalRunner, runs_in_serve

    if not runs_in_serve(services.settings):
        from core.publish.jobs import ProcrastinateQueue

        return ProcrastinateQueue(services.settings.effective_database_url)
    return LocalRunner(services.store, services.clock,
                       lambda pub_id: run_publication(services, pub_id))


def _build_billing(settings: Settings) -> Billing:
    from core.billing import StripeBilling

    return StripeBilling(settings)
