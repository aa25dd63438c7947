"""The services every use case receives, built once by `core.bootstrap.build_services`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.accounts import PasswordHasher, TokenService
    from core.articles.bounded import BoundedExtractor
    from core.articles.fetch import Fetcher
    from core.billing import Billing
    from core.counters.base import Backend, Cache
    from core.counters.thread_cache import ThreadCache
    from core.generate.base import Generator
    from core.mail.sender import MailSender
    from core.metrics import Metrics
    from core.publish.networks import Networks
    from core.publish.queue import PublishQueue
    from core.quotas import Quotas
    from core.settings import Settings
    from core.store.account_records import AccountRecords
    from core.store.base import Store
    from core.usage import UsageLog


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    store: Store
    counters: Backend  # the shared-state backend (for readiness), behind the fallback policy
    fetcher: Fetcher
    generator: Generator  # the configured one (LLM with offline fallback, or offline)
    passwords: PasswordHasher
    tokens: TokenService
    quotas: Quotas
    metrics: Metrics
    cache: Cache  # short-lived bytes (the bots' buttons)
    thread_cache: ThreadCache  # get_or_compute with single-flight
    usage: UsageLog | None = None  # usage records (batched off the request path)
    billing: Billing | None = None  # when Stripe is configured
    extractor: BoundedExtractor | None = None  # HTML extraction under a budget (None: inline)
    networks: Networks | None = None  # publishing to X / Bluesky / Mastodon
    publish_queue: PublishQueue | None = None  # scheduled and running publications
    records: AccountRecords | None = None  # sessions, mail tokens, audit log, billing records
    mail: MailSender | None = None  # background mail delivery
    clock: Callable[[], datetime] = field(default=utcnow)
