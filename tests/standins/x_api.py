"""A stand-in X API v2 on 127.0.0.1: OAuth 2.0 (PKCE) consent and token endpoint with
rotating refresh tokens, /2/users/me, POST /2/tweets (reply chains), a user's recent posts,
rate-limit headers and planned faults. `tweets` is the record tests assert on."""

from __future__ import annotations

import time

from aiohttp import web

from tests.standins.loopback import serve_on_loopback
from tests.standins.social_common import Faults, Tokens, consent_redirect

USER_ID, USERNAME = "1001", "threadr_tester"


class XStandIn:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port  # another address: a test host (tests/hosts)
        self.tokens, self.faults = Tokens(), Faults()
        self.tweets: list[dict] = []
        self.client_id = "x-client"
        self.runner = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> XStandIn:
        app = web.Application()
        app.router.add_get("/i/oauth2/authorize", self.authorize)
        app.router.add_post("/2/oauth2/token", self.token)
        app.router.add_post("/2/oauth2/revoke", self.revoke)
        app.router.add_get("/2/users/me", self.me)
        app.router.add_post("/2/tweets", self.create)
        app.router.add_get("/2/users/{id}/tweets", self.timeline)
        self.runner, self.port = await serve_on_loopback(app, host=self.host, port=self.port)
        return self

    async def close(self) -> None:
        await self.runner.cleanup()

    def _limits(self) -> dict:
        return {"x-rate-limit-limit": "200", "x-rate-limit-remaining": "199",
                "x-rate-limit-reset": str(int(time.time()) + 900)}

    async def authorize(self, request: web.Request) -> web.Response:
        return consent_redirect(request, self.tokens)

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != self.client_id:
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("grant_type") == "authorization_code":
            if not self.tokens.use_code(form.get("code", ""), form.get("code_verifier", ""),
                                        form.get("redirect_uri", "")):
                return web.json_response({"error": "invalid_grant"}, status=400)
            access, refresh = self.tokens.issue(USER_ID)
        elif form.get("grant_type") == "refresh_token":
            pair = self.tokens.rotate(form.get("refresh_token", ""))
            if pair is None:
                return web.json_response({"error": "invalid_request",
                                          "error_description": "Value passed for the token "
                                          "was invalid."}, status=400)
            access, refresh = pair
        else:
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        return web.json_response({"token_type": "bearer", "expires_in": 7200,
                                  "access_token": access, "refresh_token": refresh,
                                  "scope": "tweet.read tweet.write users.read offline.access"})

    async def revoke(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.tokens.refresh.pop(form.get("token", ""), None)
        return web.json_response({"revoked": True})

    def _unauthorized(self) -> web.Response:
        return web.json_response({"title": "Unauthorized", "type": "about:blank",
                                  "status": 401, "detail": "Unauthorized"}, status=401)

    async def me(self, request: web.Request) -> web.Response:
        if self.tokens.user_of(request) is None:
            return self._unauthorized()
        return web.json_response({"data": {"id": USER_ID, "name": "Tester",
                                           "username": USERNAME}})

    async def create(self, request: web.Request) -> web.Response:
        if self.tokens.user_of(request) is None:
            return self._unauthorized()
        body = await request.json()
        fault = self.faults.take(len(self.tweets) + 1)
        if fault and not fault.lost:
            return await self.faults.answer(fault)
        parent = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if parent and not any(t["id"] == parent for t in self.tweets):
            return web.json_response({"errors": [{"message": "parent not found"}]}, status=400)
        tweet = {"id": str(1_800_000_000_000 + len(self.tweets)), "text": body["text"],
                 "in_reply_to": parent}
        self.tweets.append(tweet)
        if fault:
            return await self.faults.answer(fault)
        return web.json_response({"data": {"id": tweet["id"], "text": tweet["text"]}},
                                 status=201, headers=self._limits())

    async def timeline(self, request: web.Request) -> web.Response:
        if self.tokens.user_of(request) is None:
            return self._unauthorized()
        data = [{"id": t["id"], "text": t["text"],
                 **({"referenced_tweets": [{"type": "replied_to", "id": t["in_reply_to"]}]}
                    if t["in_reply_to"] else {})} for t in reversed(self.tweets)]
        return web.json_response({"data": data[:int(request.query.get("max_results", 10))]})
