"""POST/GET /api/v1/threads and GET/PATCH/DELETE /api/v1/threads/{id}."""

from __future__ import annotations

import json
import logging

from aiohttp import hdrs, web

from core.errors import ThreadrError
from core.models import Source, ThreadOptions, ThreadRequest
from core.text.platforms import rules_for
from core.usecases import threads as usecase
from web.errors import error_payload, internal_error_payload, request_origin
from web.inputs import (
    SMALL_BODY,
    caller,
    parse_body,
    parse_json,
    query_int,
    small_json_body,
    user_id,
)
from web.keys import REQUEST_ID, SERVICES
from web.schemas import SourceOut, ThreadCreate, ThreadList, ThreadOut, ThreadPatch, out
from web.sse import ClientGone, EventStream

log = logging.getLogger("threadr.web")
_OPTION_FIELDS = tuple(ThreadOptions.__dataclass_fields__)


def _thread_request(body: ThreadCreate) -> ThreadRequest:
    """Sizes and the choice of source are re-checked by the core (`validate_request`)."""
    options = ThreadOptions(**{name: getattr(body, name) for name in _OPTION_FIELDS})
    return ThreadRequest(url=body.url, html=body.html, text=body.text, options=options)


def wants_stream(request: web.Request) -> bool:
    return "text/event-stream" in request.headers.get(hdrs.ACCEPT, "")


async def create_thread(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    settings = services.settings
    limit = max(settings.max_html_bytes, settings.max_text_bytes) + SMALL_BODY
    who = await caller(request)
    await usecase.admit(services, who)  # a refused client's body is never read or parsed
    if not wants_stream(request) and (raw := await small_json_body(request)) is not None:
        key = usecase.body_key(services, raw)
        if (hit := await usecase.known_request(services, who, key)) is not None:
            return _answer(*hit)  # the same body answered before: no parse, no quota unit
        thread_request = _thread_request(parse_body(raw, ThreadCreate))
        thread = await usecase.generate_thread(services, who, thread_request, admitted=True,
                                               body_key=key)
        return _answer(thread, None)
    # the ThreadCreate is not kept: a stream holds the ThreadRequest alone while it lasts
    thread_request = _thread_request(await parse_json(request, ThreadCreate, limit))
    if not wants_stream(request):
        thread = await usecase.generate_thread(services, who, thread_request, admitted=True)
        return web.json_response(out(ThreadOut, thread))
    return await _stream_thread(request, who, thread_request)


def _answer(thread, entry) -> web.Response:
    """The thread as JSON; a shared cache entry keeps its serialised answer for the next hit."""
    body = entry.rendition if entry is not None else None
    if body is None:
        body = json.dumps(out(ThreadOut, thread)).encode()
        if entry is not None:
            entry.rendition = body
    return web.Response(body=body, content_type="application/json", charset="utf-8")


async def _stream_thread(request: web.Request, who, thread_request) -> web.StreamResponse:
    services = request.app[SERVICES]
    stream = EventStream(request, heartbeat=services.settings.sse_heartbeat_seconds)

    async def on_meta(source: Source) -> None:
        await stream.send("meta", {"source": out(SourceOut, source)})

    length = rules_for(thread_request.options.platform).length

    async def on_post(index: int, text: str) -> None:
        await stream.send("post", {"index": index, "text": text, "weighted_length": length(text)})

    try:
        with stream:
            thread = await usecase.generate_thread(services, who, thread_request,
                                                   on_meta=on_meta, on_post=on_post,
                                                   admitted=True)
    except ClientGone:
        log.info("client left the stream", extra={"request_id": request[REQUEST_ID]})
        return stream.response or web.Response(status=499)
    except ThreadrError as exc:
        if not stream.started:
            raise
        await _send_quietly(stream, "error", error_payload(exc, request_origin(request))["error"])
        return await stream.finish()
    except Exception:
        if not stream.started:
            raise
        log.exception("stream failed", extra={"request_id": request[REQUEST_ID]})
        await _send_quietly(stream, "error", internal_error_payload()["error"])
        return await stream.finish()
    await _send_quietly(stream, "done", out(ThreadOut, thread))
    return await stream.finish()


async def _send_quietly(stream: EventStream, event: str, data: dict) -> None:
    try:
        await stream.send(event, data)
    except ClientGone:
        pass


async def list_threads(request: web.Request) -> web.Response:
    limit = query_int(request, "limit", 20, 1, 100)
    before = request.query.get("before") or None
    threads = await usecase.list_threads(request.app[SERVICES], user_id(request), limit=limit,
                                         before=before)
    next_before = threads[-1].id if len(threads) == limit else None
    return web.json_response(out(ThreadList, {"threads": threads, "next_before": next_before}))


def _versioned(thread) -> web.Response:
    """The thread with its version as an ETag (a quoted integer), for `If-Match` on PATCH."""
    return web.json_response(out(ThreadOut, thread), headers={"ETag": f'"{thread.version}"'})


def _if_match(request: web.Request) -> int | None:
    """The version named by `If-Match` (None when absent or `*`); a value that is not one of
    our ETags can never match, so it answers 412 like a stale one."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    return int(value) if value.isdigit() and len(value) < 10 else -1


async def get_thread(request: web.Request) -> web.Response:
    thread = await usecase.get_thread(request.app[SERVICES], user_id(request),
                                      request.match_info["thread_id"])
    return _versioned(thread)


async def update_thread(request: web.Request) -> web.Response:
    # a split thread carries all of its text: as much as a thread request may send
    body = await parse_json(request, ThreadPatch,
                            request.app[SERVICES].settings.max_text_bytes + SMALL_BODY)
    thread = await usecase.update_thread(request.app[SERVICES], user_id(request),
                                         request.match_info["thread_id"], body.posts,
                                         expected_version=_if_match(request))
    return _versioned(thread)


async def delete_thread(request: web.Request) -> web.Response:
    await usecase.delete_thread(request.app[SERVICES], user_id(request),
                                request.match_info["thread_id"])
    return web.Response(status=204)
