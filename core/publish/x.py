"""X API v2: OAuth 2.0 Authorization Code with PKCE, posting a reply chain, and finding a post
after a crash (X has no idempotency key: look at the user's recent posts before re-sending)."""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp

from core.publish.http import NetHttp, RemoteError
from core.publish.models import Destination, Sent
from core.settings import Settings

SCOPES = "tweet.read tweet.write users.read offline.access"


class XNetwork:
    def __init__(self, settings: Settings, http: NetHttp) -> None:
        self._s, self._http = settings, http
        self.base = settings.x_api_base.rstrip("/")

    def authorize_url(self, state: str, challenge: str, redirect_uri: str) -> str:
        query = {"response_type": "code", "client_id": self._s.x_client_id,
                 "redirect_uri": redirect_uri, "scope": SCOPES, "state": state,
                 "code_challenge": challenge, "code_challenge_method": "S256"}
        return f"{self._s.x_authorize_url}?{urlencode(query)}"

    async def _token(self, form: dict) -> dict:
        headers = {}
        if self._s.x_client_secret:
            auth = aiohttp.BasicAuth(self._s.x_client_id, self._s.x_client_secret.reveal())
            headers["Authorization"] = auth.encode()
        answer = await self._http.call("POST", self._s.x_token_url, headers=headers,
                                       form={**form, "client_id": self._s.x_client_id})
        body = answer.body
        return {"access_token": body["access_token"],
                "refresh_token": body.get("refresh_token", "")}

    async def exchange(self, code: str, verifier: str, redirect_uri: str) -> dict:
        return await self._token({"grant_type": "authorization_code", "code": code,
                                  "redirect_uri": redirect_uri, "code_verifier": verifier})

    async def me(self, secrets: dict) -> tuple[str, str]:
        answer = await self._http.call("GET", f"{self.base}/2/users/me",
                                       token=secrets["access_token"])
        return answer.body["data"]["id"], answer.body["data"]["username"]

    async def refresh(self, dest: Destination) -> dict:
        """New tokens (X rotates the refresh token: the old one stops working)."""
        return await self._token({"grant_type": "refresh_token",
                                  "refresh_token": dest.secrets.get("refresh_token", "")})

    async def post(self, dest: Destination, text: str, index: int, chain: list[Sent],
                   key: str) -> Sent:
        body: dict = {"text": text}
        if chain:
            body["reply"] = {"in_reply_to_tweet_id": chain[-1].remote_id}
        answer = await self._http.call("POST", f"{self.base}/2/tweets", body=body,
                                       token=dest.secrets["access_token"])
        return self._sent(dest, answer.body["data"]["id"])

    async def find_sent(self, dest: Destination, text: str, index: int, chain: list[Sent],
                        key: str) -> Sent | None:
        """The post with this text replying to the chain's last post, among the recent ones."""
        answer = await self._http.call(
            "GET", f"{self.base}/2/users/{dest.remote_user}/tweets",
            params={"max_results": "100", "tweet.fields": "referenced_tweets"},
            token=dest.secrets["access_token"])
        parent = chain[-1].remote_id if chain else None
        for tweet in answer.body.get("data") or []:
            replied = [r["id"] for r in tweet.get("referenced_tweets") or []
                       if r.get("type") == "replied_to"]
            if tweet.get("text") == text and (replied[:1] == [parent] if parent else not replied):
                return self._sent(dest, tweet["id"])
        return None

    async def revoke(self, dest: Destination) -> None:
        try:
            await self._http.call("POST", f"{self.base}/2/oauth2/revoke", form={
                "token": dest.secrets.get("refresh_token", ""), "client_id": self._s.x_client_id,
                "token_type_hint": "refresh_token"})
        except RemoteError:
            pass  # already gone: removing it here is what matters

    def _sent(self, dest: Destination, post_id: str) -> Sent:
        return Sent(post_id, f"https://x.com/{dest.handle}/status/{post_id}")
