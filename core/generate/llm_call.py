"""Calling the chat API: rate limit, retries within the time budget, response formats, stream.

`ChatCaller.complete(messages, emitter, deadline, max_tokens)` makes the upstream call(s)
for one generation and returns the raw answer text with token usage, or raises
`LLMFailure(reason)`. `messages()` builds the chat messages for each call: a streamed answer
then holds neither them nor its request, only its connection. Whole answers come through
the `openai` SDK; streamed ones over our own lean HTTP/1.1 client (`upstream.StreamClient`),
with the SDK client's endpoint, key, organization and project. One generation makes at most
`1 + max_retries` requests, whatever goes wrong: retries and response-format downgrades
share that budget.

Response format: `json_schema` (strict) first; a server whose answer says it does not
support that format is asked for `json_object` with a `schema` (the llama.cpp servers'
grammar-constrained form), then for plain `json_object`, then for plain text read
tolerantly. A refusal is a 400/415/422 that names the format, or a 5xx that does (llama.cpp
answers "response_format type must be one of …" with 500); any other 5xx is an outage and is
retried in the same format. The downgrade is remembered for the life of the caller (one per
process). Retries: 5xx, 408/409/429 and connection errors, honouring `Retry-After`, bounded
by the budget and the deadline.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import openai
from aiolimiter import AsyncLimiter

from core.generate.llm_output import ProvisionalPosts
from core.generate.llm_stream import ChunkDecoder, PostStreamParser, StreamError
from core.generate.resilience import LLMFailure, RetryPolicy, parse_retry_after
from core.generate.upstream import StreamClient, UpstreamStatus
from core.metrics import Metrics
from core.models import TokenUsage

_REPORT_MARGIN = 0.05  # seconds
MODES = ("json_schema", "json_object_schema", "json_object", "text")
_SCHEMA = {
    "name": "thread", "strict": True,
    "schema": {
        "type": "object", "additionalProperties": False, "required": ["posts"],
        "properties": {"posts": {"type": "array", "items": {"type": "string"}}},
    },
}


# For servers that constrain `json_object` output with a JSON schema (llama.cpp).
_LOOSE_SCHEMA = {
    "type": "object", "required": ["posts"],
    "properties": {"posts": {"type": "array", "minItems": 1,
                             "items": {"type": "string", "minLength": 1}}},
}


@dataclass(frozen=True)
class Answer:
    text: str
    usage: TokenUsage | None


class ChatCaller:
    def __init__(
        self, client: openai.AsyncOpenAI, model: str, metrics: Metrics, *,
        limiter: AsyncLimiter, retry: RetryPolicy, sleep: Callable[[float], Awaitable[None]],
        compatible_server: bool = True,
    ) -> None:
        self._client, self._model, self._metrics = client, model, metrics
        self._limiter, self._retry, self._sleep = limiter, retry, sleep
        self._mode = 0  # index into MODES of the response format known to work
        # OpenAI itself wants max_completion_tokens (its reasoning models refuse max_tokens);
        # compatible servers (llama.cpp, vLLM, Ollama) all know max_tokens.
        self._max_tokens_param = "max_tokens" if compatible_server else "max_completion_tokens"
        self._streams = _stream_client(client)

    def close(self) -> None:
        self._streams.close()

    @property
    def mode(self) -> str:
        return MODES[self._mode]

    async def complete(
        self, messages: Callable[[], list[dict]], emitter: ProvisionalPosts | None,
        deadline: float, max_tokens: int = 0,
    ) -> Answer:
        """The model's answer before `deadline` (event-loop time); `emitter` (streaming) gets
        each post as it completes. Raises `LLMFailure`, or `openai.APITimeoutError` (the
        caller's overall timeout handles both kinds of timeout the same way).
        `max_tokens` (0: not sent) bounds the answer, so a rambling model stops in time."""
        loop = asyncio.get_running_loop()
        budget = 1 + self._retry.max_retries
        for sent in range(1, budget + 1):
            await self._acquire(deadline)
            mode = self._mode
            try:
                if emitter is None:
                    answer = await self._whole(messages(), MODES[mode], max_tokens)
                else:  # here, not in a helper: a held stream keeps each frame of its chain
                    upstream = await self._streams.post(
                        lambda kind=MODES[mode]: self._stream_body(messages(), kind, max_tokens))
                    streamed = _StreamedAnswer()
                    try:
                        while not streamed.done:
                            for draft in streamed.feed(await upstream.read()):
                                await emitter.add(draft)
                    finally:
                        upstream.release()  # kept for the next call if read to its end
                    answer = Answer("".join(streamed.parts), streamed.usage)
            except openai.APITimeoutError:
                raise
            except (openai.APIError, UpstreamStatus, StreamError) as exc:
                reason, wait = self._after_failure(exc, mode, sent, deadline - loop.time())
                if wait is None or sent == budget:
                    raise LLMFailure(reason, f"after {sent} call(s)") from None
                if wait:
                    await self._sleep(wait)
                continue
            self._metrics.llm_calls.labels("ok").inc()
            return answer
        raise AssertionError("unreachable: the last call returns or raises")

    def _after_failure(self, exc: Exception, mode: int, sent: int,
                       remaining: float) -> tuple[str, float | None]:
        """(fallback reason, seconds to wait before the next call or None: give up).
        A format refusal moves this caller to the next format and tries again at once."""
        if mode + 1 < len(MODES) and _format_refused(exc):
            self._mode = max(self._mode, mode + 1)  # concurrent refusals move it once
            self._metrics.llm_calls.labels("format_refused").inc()
            return "llm_unavailable", 0.0
        reason, retry_after, retryable = _classify(exc)
        self._metrics.llm_calls.labels(reason).inc()
        return reason, self._retry.delay(sent - 1, retry_after, remaining) if retryable else None

    async def _acquire(self, deadline: float) -> None:
        """The per-process outbound rate limit; waiting past the budget means fail over.
        It gives up a moment before the deadline, so the reason is the rate limit, not the
        overall timeout that would fire right after."""
        try:
            async with asyncio.timeout_at(deadline - _REPORT_MARGIN):
                await self._limiter.acquire()
        except TimeoutError:
            raise LLMFailure("llm_rate_limited", "outbound rate limit") from None

    async def _whole(self, messages: list[dict], mode: str, max_tokens: int) -> Answer:
        done = await self._client.chat.completions.create(
            **self._request(messages, mode, max_tokens))
        text = (done.choices[0].message.content or "") if done.choices else ""
        return Answer(text, _usage(done.usage))

    def _stream_body(self, messages: list[dict], mode: str, max_tokens: int) -> bytes:
        """ASCII JSON, as the SDK sends: a lone surrogate in the article is escaped, not an
        error. Made once the connection is ready, and not kept (`StreamClient.post`)."""
        return json.dumps({**self._request(messages, mode, max_tokens), "stream": True,
                           "stream_options": {"include_usage": True}}).encode()

    def _request(self, messages: list[dict], mode: str, max_tokens: int) -> dict:
        kwargs: dict = {"model": self._model, "messages": messages}
        if max_tokens > 0:
            kwargs[self._max_tokens_param] = max_tokens
        if mode == "json_schema":
            kwargs["response_format"] = {"type": "json_schema", "json_schema": _SCHEMA}
        elif mode == "json_object_schema":
            kwargs["response_format"] = {"type": "json_object", "schema": _LOOSE_SCHEMA}
        elif mode == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        return kwargs


def _stream_client(client: openai.AsyncOpenAI) -> StreamClient:
    """Streamed completions to the SDK client's own endpoint, with its key, organization,
    project and user agent."""
    headers = {
        "Authorization": f"Bearer {client.api_key}", "Content-Type": "application/json",
        "Accept": "text/event-stream", "User-Agent": client.user_agent,
        "Accept-Encoding": "identity",  # `ChunkDecoder` reads the bytes as sent
    }
    if client.organization:
        headers["OpenAI-Organization"] = client.organization
    if client.project:
        headers["OpenAI-Project"] = client.project
    return StreamClient(f"{str(client.base_url).rstrip('/')}/chat/completions", headers)


class _StreamedAnswer:
    """A streamed answer so far: its text in parts, its usage, and the posts it closed. Only
    this stays between reads (no chunk, no bytes), while the model writes on."""

    __slots__ = ("_decoder", "_parser", "parts", "usage", "done")

    def __init__(self) -> None:
        self._decoder, self._parser = ChunkDecoder(), PostStreamParser()
        self.parts: list[str] = []
        self.usage: TokenUsage | None = None
        self.done = False

    def feed(self, data: bytes | None) -> list[str]:
        """The posts these bytes closed; None: the body ended."""
        if data is None:
            self.done = True
            return []
        drafts = []
        for chunk in self._decoder.feed(data):
            self.usage = _usage(chunk.get("usage")) or self.usage
            for choice in chunk.get("choices") or ():
                piece = (choice.get("delta") or {}).get("content") or ""
                self.parts.append(piece)
                drafts += self._parser.feed(piece)
        self.done = self._decoder.done
        return drafts


def _status(exc: Exception) -> tuple[int, str | None, object] | None:
    """(status, Retry-After, error body) of an error answer, None for a broken connection."""
    if isinstance(exc, UpstreamStatus):
        return exc.status, exc.retry_after, exc.body
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code, exc.response.headers.get("retry-after"), \
            exc.body or exc.message
    return None


def _classify(exc: Exception) -> tuple[str, float | None, bool]:
    """(fallback reason, Retry-After seconds, worth retrying) for a failed call."""
    answered = _status(exc)
    if answered is None:
        return "llm_unavailable", None, True
    status, retry_after, _ = answered
    reason = "llm_rate_limited" if status == 429 else "llm_unavailable"
    return reason, parse_retry_after(retry_after), status >= 500 or status in (408, 409, 429)


_FORMAT_WORDS = re.compile(r"response_format|json_schema|json_object|\bschema\b|grammar",
                           re.IGNORECASE)


def _format_refused(exc: Exception) -> bool:
    """Does this error answer say the requested response format is not supported?"""
    answered = _status(exc)
    if answered is None:
        return False
    status, _, body = answered
    if status not in (400, 415, 422) and status < 500:
        return False
    return bool(_FORMAT_WORDS.search(_error_text(body)))


def _error_text(body: object) -> str:
    if isinstance(body, dict):
        inner = body.get("error", body)
        return str(inner.get("message", inner) if isinstance(inner, dict) else inner)
    return str(body or "")


def _usage(usage) -> TokenUsage | None:
    """From the SDK's model (a whole answer) or a streamed chunk's plain dict."""
    if not usage:
        return None
    if isinstance(usage, dict):
        return TokenUsage(usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0)
    return TokenUsage(usage.prompt_tokens or 0, usage.completion_tokens or 0)
