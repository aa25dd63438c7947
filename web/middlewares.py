"""Request id, client IP, CORS preflight, error translation, access log and metrics."""

from __future__ import annotations

import asyncio
import logging
import re
import time

from aiohttp import web
from multidict import istr

from core.errors import ThreadrError
from core.logs import request_id_var
from core.unique import unique_id
from web import errors
from web.keys import CLIENT_IP, CORS, PROXIES, REQUEST_ID, SERVICES
from web.security import API_SECURITY_HEADERS, SECURITY_HEADERS, is_preflight

access_log = logging.getLogger("threadr.access")
error_log = logging.getLogger("threadr.web")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _route_label(request: web.Request) -> str:
    info = request.match_info
    resource = getattr(info.route, "resource", None) if info is not None else None
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def observe(request: web.Request, handler) -> web.StreamResponse:
    """The one middleware: request id, client IP, access log and metrics around everything
    else, and errors translated as `translate_errors` does. One frame, not two: a held
    stream keeps every middleware's frame for as long as it lasts."""
    incoming = request.headers.get(_REQUEST_ID)
    request_id = incoming if incoming and _SAFE_ID.match(incoming) else unique_id()
    request[REQUEST_ID] = request_id
    request[CLIENT_IP] = request.app[PROXIES].for_request(request)
    context = request_id_var.set(request_id)  # every log line of this request carries it
    started = time.perf_counter()
    status = 500
    try:
        try:
            if is_preflight(request):
                response = request.app[CORS].preflight(request)
            else:
                response = await handler(request)
        except Exception as exc:
            response = _error_response(request, exc)
        status = response.status
        return response
    except asyncio.CancelledError:
        status = 499  # the client closed the connection: no answer, and not our failure
        raise
    finally:
        elapsed = time.perf_counter() - started
        route = _route_label(request)
        metrics = request.app[SERVICES].metrics
        metrics.http_request(request.method, route, status, elapsed)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info("request", extra={
                "request_id": request_id, "method": request.method, "route": route,
                "path": request.path, "status": status, "ms": round(elapsed * 1000, 2),
                "ip": request[CLIENT_IP],
            })
        request_id_var.reset(context)


@web.middleware
async def translate_errors(request: web.Request, handler) -> web.StreamResponse:
    """Every failure leaves as JSON `{"error": {...}}`; nothing internal reaches a client.
    (`observe` does this itself; this one is for an app without it.)"""
    try:
        if is_preflight(request):
            return request.app[CORS].preflight(request)
        return await handler(request)
    except Exception as exc:
        return _error_response(request, exc)


def _error_response(request: web.Request, exc: Exception) -> web.StreamResponse:
    """The JSON answer for what a handler raised (called in its `except` block); a redirect
    or other HTTP status under 400 is raised on."""
    if isinstance(exc, ThreadrError):
        return errors.from_domain(exc, errors.request_origin(request))
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        return errors.from_http(exc)
    request_id = request.get(REQUEST_ID, "-")
    error_log.exception("unhandled error", extra={"request_id": request_id})
    return errors.internal_error(request_id)


# case-insensitive keys made once: a plain str key is case-folded again on every use. Every
# API answer says `Vary: Origin`: CORS may grant it to one origin and not to another.
_PAGE = tuple((istr(name), value) for name, value in
              [*SECURITY_HEADERS.items(), ("Server", "Threadr")])
_API = tuple((istr(name), value) for name, value in
             [*API_SECURITY_HEADERS.items(), ("Server", "Threadr"), ("Vary", "Origin")])
_ORIGIN, _REQUEST_ID = istr("Origin"), istr("X-Request-Id")


async def on_response_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Security and CORS headers on every response, streamed (SSE) ones included; a header
    the handler set itself is kept."""
    headers = response.headers
    chosen = _API if request.path.startswith("/api/") else _PAGE
    headers.extend([(name, value) for name, value in chosen if name not in headers])
    if _ORIGIN in request.headers:  # a browser's cross-origin call: grant it or not
        request.app[CORS].decorate(request, response)
    if (request_id := request.get(REQUEST_ID)) is not None and _REQUEST_ID not in headers:
        headers[_REQUEST_ID] = request_id
