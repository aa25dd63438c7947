"""A scriptable OpenAI-compatible server on 127.0.0.1 for tests and benchmarks.

Speaks `POST /v1/chat/completions`, streaming (SSE `data: {...}` chunks, then
`data: [DONE]`) and not, so the real `openai` SDK is exercised. Each call takes the next
scripted `Reply` (or `default` when the script is empty):

    async with OpenAIStandIn() as llm:
        llm.script(Reply(status=429, headers={"Retry-After": "1"}), Reply(posts=["a", "b"]))
        client = AsyncOpenAI(base_url=llm.base_url, api_key="x")

`calls` holds every request body received; `streams_finished` counts streams fully sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web

from tests.standins.loopback import serve_on_loopback

DEFAULT_POSTS = [
    "Cities that plant trees cool their streets by several degrees in summer.",
    "The effect is strongest where canopy covers at least a third of the block.",
    "Shade also cuts energy use: fewer air conditioners run at full power.",
    "The takeaway: street trees are cheap climate infrastructure.",
]


@dataclass
class Reply:
    """One scripted answer. `content` overrides the JSON built from `posts`."""

    posts: list = field(default_factory=lambda: list(DEFAULT_POSTS))
    content: str | None = None
    status: int = 200
    headers: dict = field(default_factory=dict)
    hang: bool = False  # never answer (until the server closes)
    chunk_size: int = 16  # characters of content per streamed chunk
    chunk_delay: float = 0.0  # seconds between streamed chunks
    usage: tuple[int, int] | None = (120, 60)  # prompt, completion tokens; None: not sent
    # When set, the stream pauses halfway through until this event is set (or 10 s pass):
    # lets a test prove that posts arrive before the stream ends, without timing anything.
    gate: asyncio.Event | None = None
    cut: bool = False  # the connection drops halfway through a stream (a crashed server)

    def text(self) -> str:
        if self.content is not None:
            return self.content
        return json.dumps({"posts": self.posts}, ensure_ascii=False)


class OpenAIStandIn:
    def __init__(self, *, refuse: dict[str, int] | None = None, model: str = "stand-in") -> None:
        # response_format kinds this server answers with an error status, e.g.
        # {"json_schema": 500} like llama.cpp's server. Kinds: json_schema, json_object_schema
        # (json_object with a "schema"), json_object, text (no response_format).
        self.refuse = refuse or {}
        self.model = model
        self.default = Reply()
        self.calls: list[dict] = []
        self.headers: list = []  # each call's request headers
        self.streams_finished = 0
        self._script: deque[Reply] = deque()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def script(self, *replies: Reply) -> None:
        self._script.extend(replies)

    async def __aenter__(self) -> OpenAIStandIn:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner, port = await serve_on_loopback(
            app, handler_cancellation=True, shutdown_timeout=0.5)
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(self, *exc) -> None:
        self._closing.set()
        if self._runner:
            await self._runner.cleanup()

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.calls.append(body)
        self.headers.append(request.headers.copy())  # case-insensitive
        reply = self._script.popleft() if self._script else self.default
        fmt = _format_kind(body.get("response_format"))
        if fmt in self.refuse:
            return _error(self.refuse[fmt], f"response_format {fmt} is not supported")
        if reply.hang:
            await _wait(self._closing, 120)
            return _error(504, "gave up")
        if reply.status != 200:
            return _error(reply.status, "scripted failure", reply.headers)
        if body.get("stream"):
            return await self._stream(request, body, reply)
        return web.json_response(self._completion(reply))

    def _completion(self, reply: Reply) -> dict:
        return {
            "id": "chatcmpl-standin", "object": "chat.completion", "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": reply.text()}}],
            "usage": _usage(reply),
        }

    async def _stream(self, request: web.Request, body: dict, reply: Reply):
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        text = reply.text()
        pieces = [text[i:i + reply.chunk_size] for i in range(0, len(text), reply.chunk_size)]
        for i, piece in enumerate(pieces):
            delta = {"content": piece} if i else {"role": "assistant", "content": piece}
            await _send(resp, self._chunk([{"index": 0, "delta": delta, "finish_reason": None}]))
            if reply.chunk_delay:
                await asyncio.sleep(reply.chunk_delay)
            if reply.gate is not None and i == len(pieces) // 2:
                await _wait(reply.gate, 10)
            if reply.cut and i == len(pieces) // 2:
                request.transport.close()
                return resp
        await _send(resp, self._chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}]))
        if (body.get("stream_options") or {}).get("include_usage") and reply.usage:
            await _send(resp, {**self._chunk([]), "usage": _usage(reply)})
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        self.streams_finished += 1
        return resp

    def _chunk(self, choices: list) -> dict:
        return {"id": "chatcmpl-standin", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": self.model, "choices": choices}


def _format_kind(response_format: dict | None) -> str:
    if not response_format:
        return "text"
    kind = response_format.get("type", "text")
    return "json_object_schema" if kind == "json_object" and "schema" in response_format else kind


async def _wait(event: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        pass


def _usage(reply: Reply) -> dict | None:
    if reply.usage is None:
        return None
    p, c = reply.usage
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


async def _send(resp: web.StreamResponse, payload: dict) -> None:
    await resp.write(f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode())


def _error(status: int, message: str, headers: dict | None = None) -> web.Response:
    body = {"error": {"message": message, "type": "server_error", "code": status}}
    return web.json_response(body, status=status, headers=headers or {})
