"""The generator contract shared by the offline and LLM generators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from core.models import Article, Thread, ThreadOptions

# Called with (index, post_text) as each post becomes ready, so a surface can stream it.
# Streamed posts are provisional; the returned Thread is authoritative.
OnPost = Callable[[int, str], Awaitable[None]]


class Generator(Protocol):
    """Turns an article into a thread whose every post is ≤ 280 weighted characters.

    `name` is what `Thread.generator` reports ("offline" or "llm"). `generate` never
    returns a post that breaks the rules of SPEC §2; it raises a `ThreadrError` only when
    no thread can be made at all (e.g. an empty article). `cache_key_part` identifies the
    generator and its configuration (model, prompt version) for the thread cache.
    `breaker_state` is the LLM circuit breaker's state ("closed", "open", "half_open"), or
    None when no LLM is behind it. `close` releases what the generator opened.
    """

    name: str

    @property
    def cache_key_part(self) -> str: ...

    @property
    def breaker_state(self) -> str | None: ...

    async def close(self) -> None: ...

    async def generate(
        self, article: Article, options: ThreadOptions, on_post: OnPost | None = None
    ) -> Thread: ...
