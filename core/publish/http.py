"""HTTP for the network clients: one aiohttp session whose resolver refuses non-public
addresses (the article fetcher's policy, `core.articles.netguard`), JSON in and out, and
errors that say whether to retry, refresh the token, or give up — and when a rate limit ends.

Plain aiohttp rather than each network's SDK: tweepy's AsyncClient has no configurable API
host, Mastodon.py is synchronous, and atproto's client hides the record key we need to choose
(a deterministic rkey is how a re-sent Bluesky post is recognised). One small layer also gives
the three networks the same retry and rate-limit handling.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver

from core.articles.netguard import AddressPolicy, check_address, parse_target
from core.errors import BlockedUrl


class RemoteError(Exception):
    """A network answered with an error (status 0: no answer at all)."""

    def __init__(self, status: int, message: str, retry_at: datetime | None = None,
                 body: Any = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status, self.message, self.retry_at, self.body = status, message, retry_at, body

    @property
    def transient(self) -> bool:
        return self.status in (0, 408, 429) or self.status >= 500

    @property
    def unauthorized(self) -> bool:
        return self.status == 401


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: Any


class _GuardedResolver(AbstractResolver):
    """Resolves like the system, then refuses any address the policy forbids."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy, self._inner = policy, aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
        found = await self._inner.resolve(host, port, family)
        for info in found:
            check_address(info["host"], port, self._policy)
        return found

    async def close(self) -> None:
        await self._inner.close()


def retry_time(headers: Mapping[str, str], now: datetime) -> datetime | None:
    """When a rate limit ends: X ``x-rate-limit-reset`` and Bluesky ``ratelimit-reset`` (Unix
    seconds), Mastodon ``X-RateLimit-Reset`` (ISO 8601), or ``Retry-After`` (seconds)."""
    for name in ("x-rate-limit-reset", "ratelimit-reset"):
        if (raw := headers.get(name)) and raw.strip().isdigit():
            return datetime.fromtimestamp(int(raw), UTC)
    if raw := headers.get("x-ratelimit-reset"):
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            pass
    if (raw := headers.get("retry-after")) and raw.strip().isdigit():
        return now + timedelta(seconds=int(raw))
    return None


class NetHttp:
    def __init__(self, policy: AddressPolicy, timeout: float = 20.0) -> None:
        self.policy = policy
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=_GuardedResolver(policy)),
            timeout=aiohttp.ClientTimeout(total=timeout))

    async def close(self) -> None:
        await self._session.close()

    def vet(self, url: str) -> str:
        """A user-supplied server URL, checked by the SSRF policy; its origin, no slash."""
        target = parse_target(url, self.policy)
        return str(target.url.origin())

    async def call(self, method: str, url: str, *, token: str | None = None,
                   body: Any = None, form: Mapping[str, str] | None = None,
                   params: Mapping[str, str] | None = None,
                   headers: Mapping[str, str] | None = None) -> Answer:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            async with self._session.request(method, url, json=body, data=form, params=params,
                                             headers=sent, allow_redirects=False) as resp:
                body = await _body(resp)
                answer = Answer(resp.status, resp.headers, body)
        except BlockedUrl:
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RemoteError(0, f"no answer ({type(exc).__name__})") from None
        if answer.status >= 400:
            raise RemoteError(answer.status, _message(answer.body),
                              retry_time(answer.headers, datetime.now(UTC)), answer.body)
        return answer


async def _body(resp: aiohttp.ClientResponse) -> Any:
    raw = await resp.read()
    if "json" in (resp.content_type or ""):
        try:
            return json.loads(raw or b"null")
        except ValueError:
            return None
    return raw.decode("utf-8", "replace")[:2000]


def _message(body: Any) -> str:
    """The network's own words: X ``errors``/``detail``, XRPC ``message``, Mastodon ``error``."""
    if isinstance(body, dict):
        for key in ("detail", "message", "error_description", "error", "title"):
            if isinstance(body.get(key), str):
                return body[key][:300]
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message", ""))[:300]
    return str(body)[:300] if body else "error"
