"""Thread use cases: generate (quota → cache → generate → save → charge) and history.

Every surface (web, bots, CLI) calls these; none of them re-implements a step.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from core.errors import InvalidInput, NotFound, PostTooLong, QuotaExceeded
from core.generate.base import OnPost
from core.models import (
    DEFAULT_MAX_POSTS,
    PREMIUM_MAX_POSTS,
    Caller,
    Post,
    Source,
    Thread,
    ThreadOptions,
    ThreadRequest,
    is_valid_id,
)
from core.services import Services
from core.text.platforms import rules_for
from core.usage import UsageRecord
from core.usecases.premium import premium_status
from core.usecases.sources import load_article, validate_request

if TYPE_CHECKING:
    from core.counters.thread_cache import CachedThread
    from core.quotas import Reservation

log = logging.getLogger("threadr.threads")

OnMeta = Callable[[Source], Awaitable[None]]

_USAGE_RECORD_BUDGET = 1.0  # seconds the best-effort usage record may add to an answer
_EXPENSIVE_SECONDS = 1.0  # a failure that took longer than this counts against the burst limit


async def generate_thread(
    services: Services,
    caller: Caller,
    request: ThreadRequest,
    *,
    on_meta: OnMeta | None = None,
    on_post: OnPost | None = None,
    admitted: bool = False,
    body_key: str | None = None,
) -> Thread:
    """Turn a URL, an HTML page or pasted text into a thread for `caller`.

    Order: validate → burst limit → article → cache → quota reservation → single-flight
    generate → save to history (signed-in callers) → charge. A quota unit is charged only for
    a delivered, freshly generated thread: a failure or a cache hit costs nothing, and a hit
    is served even when today's quota is used up. A request that names only a URL reserves
    its unit before the page is fetched (the fetch is the cost), so there a hit needs quota.
    `body_key` (`body_key()` of the raw request) lets `known_request` answer the same body
    again without parsing it.
    Raises domain errors (QuotaExceeded, RateLimited, BlockedUrl, Paywalled, …).
    """
    validate_request(services.settings, request)
    if not admitted:  # `admitted`: the door already called `admit` (before reading the body)
        await admit(services, caller)
    premium = (await premium_status(services, caller.user_id)).active
    caller = caller.for_plan(premium)
    _check_post_limit(request.options, premium)
    fetches = not (request.text or request.html)  # a URL alone: the page must be fetched
    reservation = await _reserve(services, caller, premium) if fetches else None
    delivery = _Delivery(on_post)
    started = asyncio.get_running_loop().time()
    try:
        article = await load_article(services.fetcher, request, services.extractor)
        key = _cache_key(services, request, article.text)
        hit = None if fetches else await services.thread_cache.peek(key)
    except BaseException:
        await _settle_failure(services, caller, reservation, delivery, started)
        raise
    if hit is None and reservation is None:
        reservation = await _reserve(services, caller, premium)
    try:
        if on_meta:
            await on_meta(Source.from_article(article))
        if hit is not None:
            thread = hit.thread
            if on_post:
                for i, post in enumerate(thread.posts):
                    await delivery.send(i, post.text)
        else:
            thread = await _cached_or_generate(services, key, article, request.options,
                                               delivery.send if on_post else None)
        if body_key and not fetches and (thread.cached or worth_caching(thread)):
            services.thread_cache.remember(body_key, key)
        if caller.user_id:
            thread = await services.store.save_thread(caller.user_id, thread)
    except BaseException:
        await _settle_failure(services, caller, reservation, delivery, started)
        raise
    if thread.cached:
        if reservation is not None:
            await reservation.release()
        services.metrics.cache_hits.inc()
    else:
        await reservation.commit()
    await _record_usage(services, caller, thread)
    return thread


def body_key(services: Services, raw: bytes) -> str:
    """A digest of a raw thread request (and of the generator it goes to), for
    `known_request`: equal bytes ask for the same thread."""
    digest = hashlib.sha256(services.generator.cache_key_part.encode())
    digest.update(b"\0")
    digest.update(raw)
    return digest.hexdigest()


async def known_request(services: Services, caller: Caller,
                        body_key: str) -> tuple[Thread, CachedThread | None] | None:
    """The lean cache hit: a request body answered before from the thread cache (text or
    HTML: its thread depends on the body alone), served without parsing the body again and
    without a quota unit. None: not known here, go through `generate_thread`.

    Returns the thread and, for an anonymous caller, the shared cache entry (whose
    `rendition` the door may fill and reuse); a signed-in caller's thread is saved to their
    history (one store write) and has its own id. Still a usage record and a cache hit.
    The caller was `admit`ted already (burst limit)."""
    entry = await services.thread_cache.known(body_key)
    if entry is None:
        return None
    thread = entry.thread
    if caller.user_id:
        premium = (await premium_status(services, caller.user_id)).active
        caller = caller.for_plan(premium)
        _check_post_limit(thread.options, premium)
        thread = await services.store.save_thread(caller.user_id, thread)
        entry = None
    else:
        _check_post_limit(thread.options, False)
    services.metrics.cache_hits.inc()
    await _record_usage(services, caller, thread)
    return thread, entry


async def _reserve(services: Services, caller: Caller, premium: bool) -> Reservation:
    try:
        return await services.quotas.reserve(caller.quota_key, premium)
    except QuotaExceeded:
        await _record_outcome(services, "quota_rejected", caller, "quota_exceeded")
        raise


async def admit(services: Services, caller: Caller) -> None:
    """The burst limits of a generation (`RateLimited`), checked before anything costly, e.g.
    before the web door reads a 5 MB body."""
    for subject in caller.burst_subjects:
        await services.quotas.check_burst(subject, "generate")


class _Delivery:
    """Passes posts to the caller's `on_post` and remembers whether one reached them."""

    __slots__ = ("_on_post", "delivered")  # one per held stream

    def __init__(self, on_post: OnPost | None) -> None:
        self._on_post = on_post
        self.delivered = False

    async def send(self, index: int, text: str) -> None:
        await self._on_post(index, text)
        self.delivered = True


async def _settle_failure(services, caller, reservation, delivery, started) -> None:
    """A hang-up after the first post reached the person is charged (the work was done and
    seen); any other failure gives the unit back. A failure that cost real work (over
    `_EXPENSIVE_SECONDS`) still counts one more against the burst limit."""
    services.metrics.generations.labels(services.generator.name, "failed").inc()
    error = sys.exc_info()[1]
    await _record_outcome(services, "thread_failed", caller,
                          getattr(error, "code", type(error).__name__))
    if delivery.delivered:
        if reservation is not None:  # none: a cached thread replayed, which costs nothing
            await reservation.commit()
            await _record_usage(services, caller, None)
        return
    if reservation is not None:
        await reservation.release()
    if asyncio.get_running_loop().time() - started > _EXPENSIVE_SECONDS:
        for subject in caller.burst_subjects:
            await services.quotas.charge_burst(subject, "generate")


async def preview_thread(services: Services, request: ThreadRequest) -> Thread:
    """A thread for the person at the keyboard (`threadr thread`): no quota, no cache, no
    history. Same article loading (SSRF-safe fetcher) and generator as `generate_thread`."""
    article = await load_article(services.fetcher, request)
    return await services.generator.generate(article, request.options)


def _check_post_limit(options: ThreadOptions, premium: bool) -> None:
    if options.max_posts is None:
        return
    cap = PREMIUM_MAX_POSTS if premium else DEFAULT_MAX_POSTS
    if options.max_posts > cap:
        plan = "premium" if premium else "the free plan"
        raise InvalidInput(f"At most {cap} posts per thread on {plan}.")


def _cache_key(services: Services, request: ThreadRequest, text: str) -> str:
    digest = hashlib.sha256()
    digest.update(services.generator.cache_key_part.encode())
    digest.update(json.dumps(request.options.as_dict(), sort_keys=True).encode())
    digest.update((request.url or "").encode())
    digest.update(b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return "thread:" + digest.hexdigest()


async def _cached_or_generate(
    services: Services, key: str, article, options: ThreadOptions, on_post: OnPost | None
) -> Thread:
    """The cached thread for `key` (its posts replayed to `on_post`), or one computed once for
    every concurrent caller (`ThreadCache`: single-flight in and across processes). Only the
    first caller's `on_post` sees posts as they are made, until that caller leaves."""
    relay = _Relay(on_post)
    send = relay.send if on_post else None
    try:  # a function making the coroutine, not a coroutine around it: one frame less held
        thread = await services.thread_cache.get_or_compute(
            key, lambda: services.generator.generate(article, options, send))
    except asyncio.CancelledError:
        relay.detach()  # this caller is gone: no more posts to its stream
        raise
    if not thread.cached:  # this caller's own generation (others get it as cached)
        services.metrics.generations.labels(thread.generator, "ok").inc()
    elif on_post:
        for i, post in enumerate(thread.posts):
            await on_post(i, post.text)
    return thread


def worth_caching(thread: Thread) -> bool:
    """A fallback is not what the LLM would say: it is served, not cached (keep trying)."""
    return not thread.fallback_reason


class _Relay:
    """The first requester's `on_post`, until it leaves; a failing stream (its client hung
    up) never fails the shared computation."""

    __slots__ = ("_on_post",)  # one per held stream

    def __init__(self, on_post: OnPost | None) -> None:
        self._on_post = on_post

    def detach(self) -> None:
        self._on_post = None

    async def send(self, index: int, text: str) -> None:
        if self._on_post is None:
            return
        try:
            await self._on_post(index, text)
        except Exception:
            log.info("the first requester stopped listening; the thread is still made")
            self._on_post = None


async def _record_outcome(services: Services, name: str, caller: Caller, code: str) -> None:
    """A rejected or failed generation, for the operator's error and rejection rates."""
    try:
        async with asyncio.timeout(_USAGE_RECORD_BUDGET):
            await services.store.record_event(name, caller.user_id,
                                              {"platform": caller.platform, "code": code})
    except Exception:  # accounting must never change the answer
        log.warning("could not record a generation outcome", exc_info=True)


def _generator_label(thread: Thread) -> str:
    """`offline`, `llm`, or `fallback:<reason>` (the operator's KPIs count each)."""
    if thread.fallback_reason:
        return f"fallback:{thread.fallback_reason}"[:64]
    return thread.generator


async def _record_usage(services: Services, caller: Caller, thread: Thread | None) -> None:
    """The usage record (also what quotas are rebuilt from); `None`: a charged hang-up.
    Handed to the usage log (batched off the request path by default, core.usage)."""
    usage = thread.usage if thread else None
    record = UsageRecord(
        caller.quota_key, caller.user_id, caller.platform,
        _generator_label(thread) if thread else services.generator.name,
        usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0,
        thread.cached if thread else False, services.clock(),
    )
    try:  # bounded: a hung database must not hold a thread that is already made
        if not services.usage.writes_now:  # buffered: no I/O, nothing to bound
            await services.usage.add(record)
            return
        async with asyncio.timeout(_USAGE_RECORD_BUDGET):
            await services.usage.add(record)
    except Exception:  # accounting must never cost the person their thread
        log.warning("could not record usage", exc_info=True)


async def list_threads(
    services: Services, user_id: str, limit: int = 20, before: str | None = None
) -> list[Thread]:
    """The caller's saved threads, newest first (`before`: id of the last one already seen)."""
    if before is not None and not is_valid_id(before):
        raise InvalidInput("`before` is not a thread id.")
    return await services.store.list_threads(user_id, max(1, min(limit, 100)), before)


async def get_thread(services: Services, user_id: str, thread_id: str) -> Thread:
    """One of the caller's threads; NotFound for a missing id or someone else's thread."""
    _check_id(thread_id)
    thread = await services.store.get_thread(user_id, thread_id)
    if thread is None:
        raise NotFound("Thread not found.")
    return thread


async def update_thread(
    services: Services, user_id: str, thread_id: str, posts: list[str],
    expected_version: int | None = None,
) -> Thread:
    """Replace a thread's posts with the person's edits, each re-checked by the length engine
    with the rules of the platform the thread is made for.

    With `expected_version` (the version the editor started from) a stale edit raises
    `VersionConflict` instead of overwriting someone else's change.
    """
    current = await get_thread(services, user_id, thread_id)  # checks the id too
    rules = rules_for(current.options.platform)
    checked = []
    for i, text in enumerate(posts):
        text = text.strip()
        length = rules.length(text)
        if not text:
            raise InvalidInput(f"Post {i + 1} is empty.")
        if not rules.fits(text):
            raise PostTooLong(
                f"Post {i + 1} is {length} characters long; {rules.name} allows {rules.limit}"
                + (f" (and {rules.max_bytes} bytes)." if rules.max_bytes else "."),
                index=i, weighted_length=length,
            )
        checked.append(Post(text, length))
    if not checked:
        raise InvalidInput("A thread needs at least one post.")
    thread = await services.store.update_thread_posts(
        user_id, thread_id, checked, services.clock(), expected_version
    )
    if thread is None:
        raise NotFound("Thread not found.")
    return thread


async def delete_thread(services: Services, user_id: str, thread_id: str) -> None:
    """Delete one of the caller's threads; NotFound otherwise."""
    _check_id(thread_id)
    if not await services.store.delete_thread(user_id, thread_id):
        raise NotFound("Thread not found.")


def _check_id(thread_id: str) -> None:
    if not is_valid_id(thread_id):
        raise NotFound("Thread not found.")
