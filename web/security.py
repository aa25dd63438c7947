"""Security headers, the CORS policy and the client address behind trusted proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp import hdrs, web

from core.settings import Settings

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# An API answer is data, never a document: it may load nothing and be framed nowhere. The
# page-only headers (opener, permissions) mean nothing there, and each header is sent and
# parsed with every answer.
API_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = {"authorization", "content-type", "accept", "x-request-id", "if-match"}
EXPOSED_HEADERS = "Retry-After, X-Request-Id, ETag"


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class CorsPolicy:
    """Cross-origin access for the public page origin, configured origins and our extensions."""

    def __init__(self, origins: Iterable[str]) -> None:
        self.origins = frozenset(o for o in (_origin_of(x) for x in origins) if o)

    @classmethod
    def from_settings(cls, settings: Settings) -> CorsPolicy:
        origins = [settings.public_origin(), *settings.cors_origins]
        for ext_id in settings.extension_ids:
            if "://" in ext_id:
                origins.append(ext_id)
            else:
                origins += [f"chrome-extension://{ext_id}", f"moz-extension://{ext_id}"]
        return cls(origins)

    def allows(self, origin: str | None) -> bool:
        return bool(origin) and origin.lower() in self.origins

    def preflight(self, request: web.Request) -> web.Response:
        """Answer an OPTIONS preflight: 204 with the grants, or 403 when refused."""
        origin = request.headers.get("Origin")
        method = request.headers.get("Access-Control-Request-Method", "").upper()
        asked = {
            h.strip().lower()
            for h in request.headers.get("Access-Control-Request-Headers", "").split(",")
            if h.strip()
        }
        if not self.allows(origin) or method not in ALLOWED_METHODS or not asked <= ALLOWED_HEADERS:
            return web.json_response(
                {"error": {"code": "cors_denied", "message": "This origin is not allowed."}},
                status=403,
            )
        return web.Response(status=204, headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ", ".join(sorted(ALLOWED_HEADERS)),
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        })

    def decorate(self, request: web.Request, response: web.StreamResponse) -> None:
        """An allowed origin's grant on an API answer (whose `Vary: Origin` the app's
        response hook adds to every API answer, granted or not)."""
        if request.path.startswith("/api/"):
            origin = request.headers.get(hdrs.ORIGIN)
            if self.allows(origin):
                response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
                response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = EXPOSED_HEADERS


def is_preflight(request: web.Request) -> bool:
    return (
        request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
    )


class ProxyPolicy:
    """Finds the client address: the socket peer, or the right-most untrusted
    X-Forwarded-For hop when the peer is a trusted proxy."""

    def __init__(self, trusted: Iterable[str]) -> None:
        self.networks = tuple(ipaddress.ip_network(c.strip(), strict=False) for c in trusted)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks if net.version == ip.version)

    def client_ip(self, peer: str | None, forwarded_for: list[str]) -> str | None:
        if peer is None or not self._trusted(peer):
            return peer
        hops = [h.strip() for value in forwarded_for for h in value.split(",") if h.strip()]
        for hop in reversed(hops):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return peer  # a malformed chain cannot be believed past this point
            if not self._trusted(hop):
                return hop
        return hops[0] if hops else peer

    def for_request(self, request: web.Request) -> str | None:
        peer = None
        info = request.protocol.peername  # the connection's, read once per connection
        if isinstance(info, tuple | list) and info:
            peer = str(info[0])
        if not self.networks:  # no trusted proxy: the socket peer, whatever the headers say
            return peer
        return self.client_ip(peer, request.headers.getall("X-Forwarded-For", []))

