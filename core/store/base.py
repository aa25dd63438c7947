"""The storage contracts, one small Protocol per concern (`Users`, `Identities`, `LinkCodes`,
`ApiTokens`, `ThreadHistory`, `UsageLog`, `Premium`, `Lifecycle`) and `Store`, all of them.
Implementations: `core.store.postgres` and `core.store.sqlite`.

Both pass the same contract tests (tests/integration/test_store_contract.py). All times are
timezone-aware UTC datetimes. Ids are opaque strings. A method that finds nothing returns
None / False rather than raising, except where noted. Any failure to reach the database
raises `core.errors.StorageUnavailable`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from core.models import ApiToken, Post, Thread, User

if TYPE_CHECKING:
    from core.usage import UsageRecord


class BillingTx(Protocol):
    """Operations inside one database transaction, for exactly-once webhook handling."""

    async def lock_account(self, user_id: str) -> None:
        """Serialise billing changes of one account until this transaction ends (so two
        concurrent purchases cannot both extend premium from the same expiry)."""

    async def mark_event_processed(self, event_id: str, event_type: str) -> bool:
        """Record the event id; False when it was already recorded (a replay: do nothing)."""

    async def add_premium_grant(
        self, user_id: str, source: str, source_ref: str, starts_at: datetime, until: datetime
    ) -> bool:
        """Add a grant keyed by `source_ref` (e.g. a payment intent); False if it exists."""

    async def revoke_premium_grants(self, source_ref: str, revoked_at: datetime) -> int:
        """Revoke every grant with this `source_ref`; returns how many were revoked."""

    async def set_premium_grant_until(self, source_ref: str, until: datetime) -> bool:
        """Move the end of an existing grant (subscription periods)."""

    async def premium_until(self, user_id: str, now: datetime) -> datetime | None: ...

    async def find_grant_user(self, source_ref: str) -> str | None: ...


class Users(Protocol):
    async def create_user(self, email: str | None, password_hash: str | None) -> User:
        """Create an account. Raises `EmailTaken` when the (normalised) email exists."""

    async def get_user(self, user_id: str) -> User | None: ...

    async def get_user_by_email(self, email: str) -> User | None: ...

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace a password hash (re-hashing with stronger parameters after a login)."""


class Identities(Protocol):
    """Telegram/Discord identities, each pointing at one account."""

    async def user_for_identity(self, platform: str, external_id: str) -> str:
        """The account behind a platform identity, created atomically on first use."""

    async def link_identity(self, platform: str, external_id: str, user_id: str) -> None:
        """Point an identity at `user_id` (creating it if needed)."""

    async def merge_identity(
        self, platform: str, external_id: str, user_id: str, now: datetime
    ) -> str:
        """In one transaction, join the identity to `user_id`; an account the identity already
        had merges (history, tokens, identities, premium grants move; premium time adds up;
        the account with an email survives). Returns the surviving account's id. Raises
        `IdentityLinkedElsewhere` when both accounts have an email."""

    async def unlink_identity(self, user_id: str, platform: str) -> bool:
        """Detach this account's identity on `platform`; False when there is none."""

    async def list_identities(self, user_id: str) -> list[tuple[str, str]]: ...


class LinkCodes(Protocol):
    async def create_link_code(
        self, code_hash: str, platform: str, external_id: str, expires_at: datetime
    ) -> None: ...

    async def consume_link_code(self, code_hash: str, now: datetime) -> tuple[str, str] | None:
        """Atomically use a code: the (platform, external_id) it was made for, at most once."""


class ApiTokens(Protocol):
    """Extension tokens (stored hashed)."""

    async def create_api_token(self, user_id: str, name: str, token_hash: str) -> ApiToken: ...

    async def get_api_token(self, token_hash: str) -> ApiToken | None:
        """The live (not revoked) token with this hash."""

    async def list_api_tokens(self, user_id: str) -> list[ApiToken]:
        """The live (not revoked) tokens, newest first."""

    async def revoke_api_token(self, user_id: str, token_id: str, now: datetime) -> bool: ...

    async def touch_api_token(self, token_id: str, now: datetime) -> None:
        """Record a use of the token (`last_used_at`)."""


class ThreadHistory(Protocol):
    async def save_thread(self, user_id: str, thread: Thread) -> Thread:
        """Store a delivered thread; returns it with `id` and `created_at` set."""

    async def get_thread(self, user_id: str, thread_id: str) -> Thread | None:
        """Only the owner's thread: another user's id answers None."""

    async def list_threads(
        self, user_id: str, limit: int = 20, before: str | None = None
    ) -> list[Thread]:
        """Newest first; `before` is the id of the last thread of the previous page."""

    async def update_thread_posts(
        self, user_id: str, thread_id: str, posts: Sequence[Post], now: datetime,
        expected_version: int | None = None,
    ) -> Thread | None:
        """Replace the posts and bump `version` in one statement; None when the thread is
        not the owner's. With `expected_version`, the update applies only if the stored
        version still equals it (compare-and-set in SQL), else `VersionConflict`."""

    async def delete_thread(self, user_id: str, thread_id: str) -> bool: ...


class UsageLog(Protocol):
    """Accounting of delivered threads; quotas rebuild a lost day counter from it."""

    async def record_usage(
        self, quota_key: str, user_id: str | None, platform: str, generator: str,
        prompt_tokens: int, completion_tokens: int, cached: bool, at: datetime,
    ) -> None: ...

    async def record_usages(self, records: Sequence[UsageRecord]) -> None:
        """Many records in one transaction (all or none): the buffered usage log's batches."""

    async def count_usage(self, quota_key: str, since: datetime) -> int:
        """Units charged to `quota_key` since `since` (fresh threads; cache hits are free).
        Quotas rebuild a day's counter from it when the counter was lost (Redis restart)."""

    async def record_event(self, name: str, user_id: str | None, props: dict) -> None:
        """An analytics event (e.g. a refused or failed generation, for the operator's KPIs)."""

class Premium(Protocol):
    async def premium_until(self, user_id: str, now: datetime) -> datetime | None:
        """The end of the latest live (not revoked, not ended) grant, if any."""

    def billing_transaction(self) -> AbstractAsyncContextManager[BillingTx]:
        """A transaction; commits on normal exit, rolls back on exception."""


class Lifecycle(Protocol):
    async def ping(self) -> None:
        """Raise StorageUnavailable if the database cannot answer."""

    async def close(self) -> None: ...


class Store(Users, Identities, LinkCodes, ApiTokens, ThreadHistory, UsageLog, Premium, Lifecycle,
            Protocol):
    """Everything both stores implement; a use case may ask for just the part it uses."""
