"""A stand-in Mastodon instance on 127.0.0.1: /api/v1/apps, OAuth consent and /oauth/token
(PKCE), verify_credentials, /api/v2/instance (its own max_characters), POST /api/v1/statuses
honouring Idempotency-Key and the instance's length rules, revoke, and planned faults.
`statuses` is what tests assert on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from core.text.platforms import rules_for
from tests.standins.loopback import serve_on_loopback
from tests.standins.social_common import Faults, Tokens, consent_redirect

ACCOUNT_ID, USERNAME = "109000000000000001", "tester"


class MastodonStandIn:
    def __init__(self, max_characters: int = 500) -> None:
        self.tokens, self.faults = Tokens(), Faults()
        self.max_characters = max_characters
        self.apps: dict[str, dict] = {}
        self.statuses: list[dict] = []
        self.keys: dict[tuple[str, str], dict] = {}
        self.runner, self.port = None, 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> MastodonStandIn:
        app = web.Application()
        app.router.add_post("/api/v1/apps", self.register)
        app.router.add_get("/oauth/authorize", self.authorize)
        app.router.add_post("/oauth/token", self.token)
        app.router.add_post("/oauth/revoke", self.revoke)
        app.router.add_get("/api/v1/accounts/verify_credentials", self.verify)
        app.router.add_get("/api/v2/instance", self.instance)
        app.router.add_post("/api/v1/statuses", self.create)
        self.runner, self.port = await serve_on_loopback(app)
        return self

    async def close(self) -> None:
        await self.runner.cleanup()

    async def register(self, request: web.Request) -> web.Response:
        form = await request.post()
        client_id = f"app{len(self.apps) + 1}"
        self.apps[client_id] = {"client_id": client_id, "client_secret": f"{client_id}-secret",
                                "redirect_uri": form["redirect_uris"]}
        return web.json_response({"id": str(len(self.apps)), "name": form["client_name"],
                                  **self.apps[client_id]})

    async def authorize(self, request: web.Request) -> web.Response:
        if request.query.get("client_id") not in self.apps:
            return web.json_response({"error": "invalid_client"}, status=400)
        return consent_redirect(request, self.tokens)

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        app = self.apps.get(form.get("client_id", ""))
        if app is None or app["client_secret"] != form.get("client_secret"):
            return web.json_response({"error": "invalid_client"}, status=401)
        if not self.tokens.use_code(form.get("code", ""), form.get("code_verifier", ""),
                                    form.get("redirect_uri", "")):
            return web.json_response({"error": "invalid_grant"}, status=400)
        access, _ = self.tokens.issue(ACCOUNT_ID)
        return web.json_response({"access_token": access, "token_type": "Bearer",
                                  "scope": "read write", "created_at": 0})

    async def revoke(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.tokens.access.pop(form.get("token", ""), None)
        return web.json_response({})

    def _unauthorized(self) -> web.Response:
        return web.json_response({"error": "The access token is invalid"}, status=401)

    async def verify(self, request: web.Request) -> web.Response:
        if self.tokens.user_of(request) is None:
            return self._unauthorized()
        return web.json_response({"id": ACCOUNT_ID, "username": USERNAME, "acct": USERNAME})

    async def instance(self, request: web.Request) -> web.Response:
        return web.json_response({"domain": "127.0.0.1", "configuration": {"statuses": {
            "max_characters": self.max_characters, "characters_reserved_per_url": 23}}})

    async def create(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "")[7:]
        if self.tokens.user_of(request) is None:
            return self._unauthorized()
        key = request.headers.get("Idempotency-Key")
        if key and (token, key) in self.keys:
            return web.json_response(self.keys[(token, key)])
        body = await request.json()
        text, parent = body.get("status", ""), body.get("in_reply_to_id")
        if rules_for("mastodon", self.max_characters).length(text) > self.max_characters:
            return web.json_response({"error": "Validation failed: Text character limit of "
                                      f"{self.max_characters} exceeded"}, status=422)
        if parent and not any(s["id"] == parent for s in self.statuses):
            return web.json_response({"error": "Record not found"}, status=404)
        fault = self.faults.take(len(self.statuses) + 1)
        if fault and not fault.lost:
            return await self.faults.answer(fault)
        status = {"id": str(110_000_000_000_000_000 + len(self.statuses)), "content": text,
                  "in_reply_to_id": parent, "visibility": body.get("visibility", "public"),
                  "url": f"{self.base}/@{USERNAME}/{110_000_000_000_000_000 + len(self.statuses)}"}
        self.statuses.append(status)
        if key:
            self.keys[(token, key)] = status
        if fault:
            return await self.faults.answer(fault)
        reset = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
        return web.json_response(status, headers={"X-RateLimit-Limit": "300",
                                                  "X-RateLimit-Remaining": "299",
                                                  "X-RateLimit-Reset": reset})
