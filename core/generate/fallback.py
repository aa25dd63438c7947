"""The configured generator when an LLM is set up: the LLM, with the offline one standing in.

On any LLM failure (timeout, rate limit, server down, unusable output, open breaker) the
offline generator answers, and the thread says so: `generator="offline"` and
`fallback_reason` (e.g. "llm_timeout", "llm_rate_limited", "llm_unavailable",
"llm_invalid_output", "circuit_open"). `generate` never raises except `EmptyArticle` (and
whatever the offline generator itself raises). Split mode (the person's own text kept whole)
is the offline generator's job: it is served there directly, without a fallback reason.

Posts streamed through `on_post` before an LLM failure are provisional: the offline
generator streams its own posts from index 0 again, and the returned Thread is authoritative.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from core.errors import EmptyArticle
from core.generate.base import Generator, OnPost
from core.generate.resilience import LLMFailure
from core.metrics import Metrics
from core.models import Article, Mode, Thread, ThreadOptions

if TYPE_CHECKING:
    from core.generate.llm import LLMGenerator

log = logging.getLogger("threadr.generate")


class FallbackGenerator:
    def __init__(self, primary: LLMGenerator, offline: Generator, metrics: Metrics) -> None:
        self._primary, self._offline, self._metrics = primary, offline, metrics
        self.name = primary.name

    @property
    def cache_key_part(self) -> str:
        return self._primary.cache_key_part

    @property
    def breaker_state(self) -> str:
        return self._primary.breaker_state

    async def close(self) -> None:
        await self._primary.close()
        await self._offline.close()

    async def generate(
        self, article: Article, options: ThreadOptions, on_post: OnPost | None = None
    ) -> Thread:
        if options.mode == Mode.SPLIT:
            return await self._offline.generate(article, options, on_post)
        try:
            return await self._primary.generate(article, options, on_post)
        except EmptyArticle:
            raise
        except LLMFailure as exc:
            reason = exc.reason
            log.warning("LLM failed, offline generator answers", extra={"reason": reason})
        except Exception as exc:  # a bug in the LLM path must not cost the person the thread
            reason = "llm_error"
            log.exception("LLM generator crashed (%s)", type(exc).__name__)
        self._metrics.generations.labels(self.name, "fallback_" + reason).inc()
        thread = await self._offline.generate(article, options, on_post)
        return replace(thread, generator="offline", fallback_reason=reason)
