"""The services every use case receives, built once by `core.bootstrap.build_services`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.accounts import PasswordHasher, TokenService
    from core.articles.bounded import BoundedExtractor
    from core.articles.fetch import Fetcher
    from core.counters.base import Counters
    from core.generate.base import Generator
    from core.mail.sender import MailSender
    from core.metrics import Metrics
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
    counters: Counters  # already wrapped with the per-process fallback policy
    fetcher: Fetcher
    generator: Generator  # the configured one (LLM with offline fallback, or offline)
    offline: Generator
    passwords: PasswordHasher
    tokens: TokenService
    quotas: Quotas
    metrics: Metrics
    usage: UsageLog | None = None  # usage records (batched off the request path)
    billing: Any | None = None  # core.billing.Billing when Stripe is configured
    extractor: BoundedExtractor | None = None  # HTML extraction under a budget (None: inline)
    networks: Any | None = None  # core.publish.networks.Networks
    publish_queue: Any | None = None  # core.publish.queue.PublishQueue
    records: AccountRecords | None = None  # sessions, mail tokens, audit log, billing records
    mail: MailSender | None = None  # background mail delivery
    clock: Callable[[], datetime] = field(default=utcnow)
    # Generations in progress in this process, by cache key (single-flight).
    inflight: dict = field(default_factory=dict)  # cache key → the computation in progress
