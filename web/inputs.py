"""Reading requests: JSON bodies within a size limit, pydantic validation, the caller."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import TypeVar

from aiohttp import ClientPayloadError, hdrs, web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import BaseModel, ValidationError

from core.errors import (
    ClientClosed,
    InvalidInput,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from core.models import Caller, Principal
from core.usecases import sessions
from web.keys import CLIENT_IP, LARGE_BODY_SLOT, PREFETCHED, PRINCIPAL, SERVICES, USER_ID

M = TypeVar("M", bound=BaseModel)
SMALL_BODY = 64 * 1024
MAX_INT_DIGITS = 20  # any integer we accept fits; a 4,300-digit one costs CPU, then a 500


class _IntTooLong(ValueError):
    pass


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _IntTooLong()
    return int(text)


async def read_body(request: web.Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it is known to exceed `limit`."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge()
    chunks, size = [], 0
    try:
        while chunk := await request.content.readany():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge()
            chunks.append(chunk)
    except (ConnectionError, ClientPayloadError, HttpProcessingError) as exc:
        raise ClientClosed() from exc  # a hang-up or a truncated body: not our error
    return b"".join(chunks)


async def small_json_body(request: web.Request) -> bytes | None:
    """The raw body of a JSON request declared (Content-Length) at most `SMALL_BODY`, for a
    handler that may answer without parsing it (then `parse_body`); None: use `parse_json`."""
    if request.content_type != "application/json":
        raise UnsupportedMediaType()
    if request.content_length is None or request.content_length > SMALL_BODY:
        return None
    return await read_body(request, SMALL_BODY)


async def parse_json(request: web.Request, model: type[M], limit: int = SMALL_BODY) -> M:
    if (raw := await small_json_body(request)) is not None:
        return parse_body(raw, model)
    # Reading and parsing a 5 MB body costs the event loop ~0.1 s: large bodies are taken one
    # at a time per process (the others wait, unread) and parsed in a worker thread, so a
    # stream of them cannot hold up everyone else's requests.
    async with request.app[LARGE_BODY_SLOT]:
        started = time.perf_counter()
        try:
            raw = await read_body(request, limit)
            if len(raw) <= SMALL_BODY:
                return parse_body(raw, model)
            return await asyncio.to_thread(parse_body, raw, model)
        finally:  # a duty cycle: large bodies get at most half of the process's time
            await asyncio.sleep(time.perf_counter() - started)


def parse_body(raw: bytes, model: type[M]) -> M:
    """A raw JSON body as `model` (`InvalidInput` with a clear message otherwise)."""
    try:
        data = json.loads(raw, parse_int=_bounded_int)
    except _IntTooLong:
        raise InvalidInput(f"Integers are limited to {MAX_INT_DIGITS} digits.") from None
    except (UnicodeDecodeError, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise InvalidInput("The body is not valid JSON.") from None
    _check_text(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = [
            {"loc": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        first = fields[0]
        where = f"{first['loc']}: " if first["loc"] else ""
        raise InvalidInput(f"{where}{first['message']}", fields=fields) from None


def _check_text(data) -> None:
    """Every key and string must be storable text: no U+0000 (PostgreSQL cannot store it in
    text or jsonb) and no lone surrogate ("\\ud800" is valid JSON, not valid UTF-8).
    Iterative: any nesting depth."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise InvalidInput("The body contains a NUL character (U+0000).")
            try:
                item.encode()
            except UnicodeEncodeError:
                raise InvalidInput("The body contains invalid Unicode.") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def bearer(request: web.Request) -> str | None:
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use 'Authorization: Bearer <token>'.")
    return token.strip()


async def principal(request: web.Request, *, required: bool,
                    prefetch: Callable | None = None) -> Principal | None:
    """Who is signed in (checked once per request); 401 for a bad token, or a missing one
    when `required`. `prefetch`: the route's (`web.routing.Route.prefetch`)."""
    token = bearer(request)
    if token is None:
        if required:
            raise Unauthorized()
        return None
    if PRINCIPAL in request:
        return request[PRINCIPAL]
    services = request.app[SERVICES]
    session = sessions.session_token(services, token) if prefetch else None
    if session is not None:
        who, request[PREFETCHED] = await prefetch(request, session)
    else:
        who = await sessions.principal(services, token)
    request[PRINCIPAL] = who
    return who


async def current_user(request: web.Request, *, required: bool,
                       prefetch: Callable | None = None) -> str | None:
    """The signed-in user's id; 401 for a bad token, or a missing one when `required`."""
    who = await principal(request, required=required, prefetch=prefetch)
    return who.user_id if who else None


def user_id(request: web.Request) -> str | None:
    """The caller's user id as the route's guard established it (None: anonymous). A route
    declared auth="required" never reaches its handler without one."""
    return request[USER_ID]


async def caller(request: web.Request) -> Caller:
    who = await principal(request, required=False)
    platform = "extension" if who is not None and who.token_id else "web"
    return Caller(platform=platform, user_id=who.user_id if who else None,
                  ip=request[CLIENT_IP], shares_ip_quota=who is not None and not who.verified)


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be an integer.") from None
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}.")
    return value
