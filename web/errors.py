"""Translation of domain errors and HTTP exceptions to `{"error": {"code", "message"}}`.

The one mapping from a domain error to its HTTP status, used by the middleware (every route,
the mounted Telegram webhook included) and by the SSE stream's `error` event.
"""

from __future__ import annotations

from aiohttp import web

from core import errors as e
from core.errors import QuotaExceeded, RetryableError, ThreadrError

# A subclass without its own row answers its nearest ancestor's status.
STATUS: dict[type[ThreadrError], int] = {
    e.ThreadrError: 400,
    e.InvalidInput: 422,
    e.PayloadTooLarge: 413,
    e.ClientClosed: 400,
    e.UnsupportedMediaType: 415,
    e.BlockedUrl: 400,
    e.FetchFailed: 502,
    e.PageTooLarge: 422,
    e.UnsupportedContent: 422,
    e.Paywalled: 422,
    e.PageTooComplex: 422,
    e.EmptyArticle: 422,
    e.QuotaExceeded: 429,
    e.RateLimited: 429,
    e.Unauthorized: 401,
    e.InvalidCredentials: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.VersionConflict: 412,
    e.InvalidLinkCode: 400,
    e.ServiceUnavailable: 503,
    e.MigrationsPending: 503,  # refused at start-up: an answer only if raised later
    e.BillingNotConfigured: 503,
    e.BillingError: 502,
    e.InvalidWebhook: 400,
    e.PremiumRequired: 403,
    e.DestinationRefused: 400,
    e.NetworkUnavailable: 502,
    e.PublishingNotConfigured: 503,
    e.InvalidToken: 400,
}


def status_of(exc: ThreadrError) -> int:
    return next(STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS)

_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid_input", 429: "rate_limited",
}
_HTTP_MESSAGES = {
    404: "Not found.", 405: "This method is not allowed here.",
    413: "The request body is too large.",
}


def error_body(code: str, message: str, **extra) -> dict:
    body = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return {"error": body}


def error_payload(exc: ThreadrError, origin: str = "") -> dict:
    """`origin` (scheme://host of the request) makes a relative upgrade link absolute."""
    extra = {}
    if isinstance(exc, QuotaExceeded):
        link = exc.upgrade_url
        if link and link.startswith("/"):
            link = origin + link
        extra = {"upgrade_url": link, "resets_at": exc.resets_at, "limit": exc.limit}
    for key in ("fields", "index", "weighted_length", "current_version"):
        if isinstance(exc.details.get(key), list | int | str):
            extra[key] = exc.details[key]
    return error_body(exc.code, exc.message, **extra)


def error_headers(exc: ThreadrError) -> dict[str, str]:
    if isinstance(exc, RetryableError):
        return {"Retry-After": str(exc.retry_after)}
    if status_of(exc) == 401:
        return {"WWW-Authenticate": 'Bearer realm="threadr"'}
    return {}


def request_origin(request: web.BaseRequest) -> str:
    """scheme://host[:port] the person used to reach this server."""
    return f"{request.scheme}://{request.host}"


def from_domain(exc: ThreadrError, origin: str = "") -> web.Response:
    return web.json_response(error_payload(exc, origin), status=status_of(exc),
                             headers=error_headers(exc))


def from_http(exc: web.HTTPException) -> web.Response:
    status = exc.status
    code = _HTTP_CODES.get(status, "http_error")
    message = _HTTP_MESSAGES.get(status) or exc.reason or "Request failed."
    headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
    return web.json_response(error_body(code, message), status=status, headers=headers)


def internal_error_payload(request_id: str | None = None) -> dict:
    return error_body("internal_error", "Something went wrong on our side. Please retry.",
                      request_id=request_id)


def internal_error(request_id: str) -> web.Response:
    return web.json_response(internal_error_payload(request_id), status=500)
