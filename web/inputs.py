"""Reading requests: JSON bodies within a size limit, pydantic validation, the caller."""

from __future__ import annotations

import json
from typing import TypeVar

from aiohttp import ClientPayloadError, web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import BaseModel, ValidationError

from core.errors import (
    ClientClosed,
    InvalidInput,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from core.models import Caller
from core.usecases import accounts
from web.keys import CLIENT_IP, SERVICES

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


async def parse_json(request: web.Request, model: type[M], limit: int = SMALL_BODY) -> M:
    if request.content_type != "application/json":
        raise UnsupportedMediaType()
    raw = await read_body(request, limit)
    try:
        data = json.loads(raw, parse_int=_bounded_int)
    except _IntTooLong:
        raise InvalidInput(f"Integers are limited to {MAX_INT_DIGITS} digits.") from None
    except (UnicodeDecodeError, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise InvalidInput("The body is not valid JSON.") from None
    try:  # lone surrogates ("\ud800") are valid JSON but not text anything downstream can store
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise InvalidInput("The body contains invalid Unicode.") from None
    if _has_nul(data):  # PostgreSQL cannot store U+0000 in text or jsonb
        raise InvalidInput("The body contains a NUL character (U+0000).")
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


def _has_nul(data) -> bool:
    """Whether any key or string value contains U+0000 (iterative: any nesting depth)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use 'Authorization: Bearer <token>'.")
    return token.strip()


async def current_user(request: web.Request, *, required: bool) -> str | None:
    """The signed-in user's id; 401 for a bad token, or a missing one when `required`."""
    token = bearer(request)
    if token is None:
        if required:
            raise Unauthorized()
        return None
    return await accounts.authenticate(request.app[SERVICES], token)


async def caller(request: web.Request) -> Caller:
    user_id = await current_user(request, required=False)
    token = bearer(request) or ""
    platform = "extension" if token.startswith("thr_") else "web"
    return Caller(platform=platform, user_id=user_id, ip=request[CLIENT_IP])


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
