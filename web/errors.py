"""Translation of domain errors and HTTP exceptions to `{"error": {"code", "message"}}`."""

from __future__ import annotations

from aiohttp import web

from core.errors import QuotaExceeded, RetryableError, ThreadrError

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
    if exc.status == 401:
        return {"WWW-Authenticate": 'Bearer realm="threadr"'}
    return {}


def request_origin(request: web.BaseRequest) -> str:
    """scheme://host[:port] the person used to reach this server."""
    return f"{request.scheme}://{request.host}"


def from_domain(exc: ThreadrError, origin: str = "") -> web.Response:
    return web.json_response(error_payload(exc, origin), status=exc.status, headers=error_headers(exc))


def from_http(exc: web.HTTPException) -> web.Response:
    status = exc.status
    code = _HTTP_CODES.get(status, "http_error")
    message = _HTTP_MESSAGES.get(status) or exc.reason or "Request failed."
    headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
    return web.json_response(error_body(code, message), status=status, headers=headers)


def internal_error(request_id: str) -> web.Response:
    return web.json_response(
        error_body("internal_error", "Something went wrong on our side. Please retry.",
                   request_id=request_id),
        status=500,
    )
