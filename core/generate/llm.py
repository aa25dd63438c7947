"""The LLM generator: any OpenAI-compatible chat API through the `openai` SDK.

One `generate` = one time budget (`settings.llm_timeout`, covering rate-limit waits, retries
and the whole stream). Failures raise `LLMFailure(reason)`; `FallbackGenerator` turns them
into an offline thread that says why. The circuit breaker counts failed generations (after
their retries), not individual HTTP calls. Upstream calls: `core.generate.llm_call`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import openai
from aiolimiter import AsyncLimiter

from core.deadlines import deadline_at
from core.errors import EmptyArticle
from core.generate.base import OnPost
from core.generate.llm_call import Answer, ChatCaller
from core.generate.llm_output import ProvisionalPosts, UnusableDrafts, repair
from core.generate.llm_prompt import build_messages, estimate_tokens, post_bounds
from core.generate.llm_stream import InvalidModelOutput, read_drafts
from core.generate.prompts import load_prompt
from core.generate.resilience import OPEN, CircuitBreaker, LLMFailure, RetryPolicy
from core.metrics import Metrics
from core.models import Article, Post, Source, Thread, ThreadOptions, TokenUsage
from core.settings import Settings
from core.text.platforms import rules_for

PROMPT = ("thread", 1)
_MAX_OUTPUT_TOKENS = 8000
# The SDK's own telemetry headers: nothing a model server needs, and every held stream keeps
# each header two or three times over (the SDK's request, the transport's, the bytes sent).
_SDK_TELEMETRY = ("X-Stainless-Lang", "X-Stainless-Package-Version", "X-Stainless-OS",
                  "X-Stainless-Arch", "X-Stainless-Runtime", "X-Stainless-Runtime-Version",
                  "X-Stainless-Async")


class LLMGenerator:
    name = "llm"

    def __init__(
        self, settings: Settings, metrics: Metrics, *, client: openai.AsyncOpenAI | None = None,
        clock: Callable[[], float] = time.monotonic, retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`clock` drives the breaker's cooldown, `sleep` the retry backoff (tests inject both)."""
        self._settings, self._metrics = settings, metrics
        self._owns_client = client is None
        # Whole answers: the SDK over aiohttp, already the server's HTTP stack (streamed
        # answers over our own lean HTTP/1.1 client, `upstream.StreamClient`).
        self._client = client or openai.AsyncOpenAI(
            api_key=settings.openai_api_key.reveal() or "not-needed",
            base_url=settings.openai_base_url or None,
            timeout=settings.llm_timeout, max_retries=0,
            http_client=openai.DefaultAioHttpClient(timeout=settings.llm_timeout),
            default_headers={name: openai.Omit() for name in _SDK_TELEMETRY},
        )
        self._caller = ChatCaller(
            self._client, settings.openai_model, metrics,
            limiter=AsyncLimiter(max(1, settings.llm_rate_per_minute), 60),
            retry=retry or RetryPolicy(max_retries=settings.llm_max_retries), sleep=sleep,
            compatible_server=bool(settings.openai_base_url),
        )
        self._prompt = load_prompt(*PROMPT)
        self._breaker = CircuitBreaker(
            settings.llm_breaker_failures, settings.llm_breaker_cooldown, clock,
            on_change=lambda state: metrics.llm_breaker_open.set(1 if state == OPEN else 0),
        )

    async def close(self) -> None:
        """Close the HTTP clients this generator made (a passed-in client is the caller's)."""
        self._caller.close()
        if self._owns_client:
            await self._client.close()

    @property
    def cache_key_part(self) -> str:
        return f"llm:{self._settings.openai_model}:{self._prompt.id}"

    @property
    def breaker_state(self) -> str:
        return self._breaker.state

    @property
    def response_mode(self) -> str:
        """The response format this server is known to accept (json_schema|json_object|text)."""
        return self._caller.mode

    async def generate(
        self, article: Article, options: ThreadOptions, on_post: OnPost | None = None
    ) -> Thread:
        """A thread written by the model; raises `LLMFailure` (or `EmptyArticle`)."""
        if not article.text.strip():
            raise EmptyArticle()
        if not self._breaker.allow():
            raise LLMFailure("circuit_open")
        # One frame for the whole generation (no inner helper): a held stream keeps each
        # frame of its call chain.
        def messages() -> list[dict]:  # built per call, not kept while the answer streams
            return build_messages(self._prompt, article, options, bounds,
                                  self._settings.llm_max_input_tokens)

        deadline = asyncio.get_running_loop().time() + self._settings.llm_timeout
        try:
            bounds = post_bounds(article, options)
            source = Source.from_article(article)
            with deadline_at(deadline):  # not asyncio's: ~650 bytes less a held stream
                emitter = ProvisionalPosts(options, source.link, bounds.target, on_post) \
                    if on_post else None
                answer = await self._caller.complete(
                    messages, emitter, deadline, self._max_tokens(bounds.high)
                )
                usage = self._count_tokens(messages, answer)  # spent even if unusable
                posts = repair(read_drafts(answer.text), options, source.link, bounds.high)
        except (TimeoutError, openai.APITimeoutError):
            self._metrics.llm_calls.labels("timeout").inc()
            self._breaker.record_failure()
            raise LLMFailure("llm_timeout") from None
        except (InvalidModelOutput, UnusableDrafts) as exc:
            self._breaker.record_failure()
            raise LLMFailure("llm_invalid_output", str(exc)) from None
        except LLMFailure:
            self._breaker.record_failure()
            raise
        except BaseException:
            self._breaker.release_probe()
            raise
        self._breaker.record_success()
        return Thread(
            posts=tuple(Post(p, rules_for(options.platform).length(p)) for p in posts),
            generator=self.name,
            source=source, options=options, usage=usage,
        )

    def _max_tokens(self, posts: int) -> int:
        """Room for `posts` posts of up to ~300 tokens each (CJK), so a rambling model stops."""
        return min(_MAX_OUTPUT_TOKENS, 100 + 300 * posts)

    def _count_tokens(self, messages: Callable[[], list[dict]], answer: Answer) -> TokenUsage:
        """The API's `usage` when it reports one, else a cheap estimate; into the metrics."""
        if answer.usage:
            usage = answer.usage
        else:
            system, user = messages()
            usage = TokenUsage(estimate_tokens(system["content"] + user["content"]),
                               estimate_tokens(answer.text))
        self._metrics.llm_tokens.labels("prompt").inc(usage.prompt_tokens)
        self._metrics.llm_tokens.labels("completion").inc(usage.completion_tokens)
        return usage

