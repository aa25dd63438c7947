"""What the X, Bluesky and Mastodon stand-ins share: OAuth codes with PKCE, bearer tokens
that can be expired or revoked, and faults planned per post number (1-based: the N-th post the
stand-in would store). A fault answers once: an error status with headers, or "lost" — the
post IS stored but the answer is a 500, as when a worker dies between the call and its record.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Fault:
    status: int = 500
    headers: dict = field(default_factory=dict)
    body: dict = field(default_factory=lambda: {"error": "boom"})
    lost: bool = False  # store the post, then answer 500
    delay: float = 0.0  # seconds before answering (after storing when `lost`)


class Faults:
    def __init__(self) -> None:
        self.plan: dict[int, Fault] = {}
        self.fired: list[tuple[int, int]] = []  # (post number, status)

    def take(self, number: int) -> Fault | None:
        fault = self.plan.pop(number, None)
        if fault:
            self.fired.append((number, fault.status))
        return fault

    async def answer(self, fault: Fault) -> web.Response:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return web.json_response(fault.body, status=fault.status, headers=fault.headers)


class Tokens:
    """Access and refresh tokens; `expire()` makes the access tokens fail (a refresh works),
    `revoke()` makes everything fail."""

    def __init__(self) -> None:
        self.access: dict[str, str] = {}  # token -> user
        self.refresh: dict[str, str] = {}
        self.codes: dict[str, dict] = {}
        self.refreshes = 0

    def issue(self, user: str) -> tuple[str, str]:
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.access[access], self.refresh[refresh] = user, user
        return access, refresh

    def user_of(self, request: web.Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        return self.access.get(auth.removeprefix("Bearer ").strip())

    def rotate(self, refresh: str) -> tuple[str, str] | None:
        user = self.refresh.pop(refresh, None)
        if user is None:
            return None
        self.refreshes += 1
        return self.issue(user)

    def expire(self) -> None:
        self.access.clear()

    def revoke(self) -> None:
        self.access.clear()
        self.refresh.clear()

    def new_code(self, **data) -> str:
        code = secrets.token_urlsafe(12)
        self.codes[code] = data
        return code

    def use_code(self, code: str, verifier: str, redirect_uri: str) -> dict | None:
        data = self.codes.pop(code, None)
        if data is None or data["redirect_uri"] != redirect_uri:
            return None
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).decode().rstrip("=") != data["challenge"]:
            return None
        return data


def consent_redirect(request: web.Request, tokens: Tokens, **extra) -> web.Response:
    """The consent page, already approved: back to redirect_uri with a code and the state."""
    q = request.query
    if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
        return web.json_response({"error": "invalid_request"}, status=400)
    code = tokens.new_code(challenge=q["code_challenge"], redirect_uri=q["redirect_uri"],
                           client_id=q.get("client_id"), **extra)
    sep = "&" if "?" in q["redirect_uri"] else "?"
    raise web.HTTPFound(f"{q['redirect_uri']}{sep}code={code}&state={q['state']}")
