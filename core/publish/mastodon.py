"""Mastodon: an app registered once per instance, OAuth with PKCE, statuses chained with
``in_reply_to_id`` and sent with an ``Idempotency-Key`` (the same key returns the original
status instead of a second one), and the instance's own length limit."""

from __future__ import annotations

from urllib.parse import urlencode

from core.publish.http import NetHttp, RemoteError
from core.publish.models import Destination, Sent

SCOPES = "read write"


class MastodonNetwork:
    def __init__(self, http: NetHttp) -> None:
        self._http = http

    async def register_app(self, instance: str, redirect_uri: str, website: str) -> dict:
        answer = await self._http.call("POST", f"{instance}/api/v1/apps", form={
            "client_name": "Threadr", "redirect_uris": redirect_uri, "scopes": SCOPES,
            "website": website})
        return {"client_id": answer.body["client_id"],
                "client_secret": answer.body["client_secret"]}

    def authorize_url(self, instance: str, client_id: str, state: str, challenge: str,
                      redirect_uri: str) -> str:
        query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                 "scope": SCOPES, "state": state, "code_challenge": challenge,
                 "code_challenge_method": "S256"}
        return f"{instance}/oauth/authorize?{urlencode(query)}"

    async def exchange(self, instance: str, app: dict, code: str, verifier: str,
                       redirect_uri: str) -> dict:
        answer = await self._http.call("POST", f"{instance}/oauth/token", form={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": app["client_id"], "client_secret": app["client_secret"],
            "code_verifier": verifier, "scope": SCOPES})
        return {"access_token": answer.body["access_token"]}

    async def account(self, instance: str, token: str) -> tuple[str, str]:
        answer = await self._http.call(
            "GET", f"{instance}/api/v1/accounts/verify_credentials", token=token)
        return str(answer.body["id"]), answer.body.get("acct") or answer.body["username"]

    async def max_characters(self, instance: str) -> int:
        """The instance's ``configuration.statuses.max_characters`` (500 when it says none)."""
        try:
            answer = await self._http.call("GET", f"{instance}/api/v2/instance")
            value = answer.body["configuration"]["statuses"]["max_characters"]
            return int(value) if int(value) > 0 else 500
        except (RemoteError, KeyError, TypeError, ValueError):
            return 500

    async def refresh(self, dest: Destination) -> dict:
        raise RemoteError(401, "Mastodon tokens do not expire: this one was revoked")

    async def post(self, dest: Destination, text: str, index: int, chain: list[Sent],
                   key: str) -> Sent:
        body: dict = {"status": text, "visibility": "public"}
        if chain:
            body["in_reply_to_id"] = chain[-1].remote_id
        answer = await self._http.call("POST", f"{dest.server}/api/v1/statuses", body=body,
                                       token=dest.secrets["access_token"],
                                       headers={"Idempotency-Key": key})
        status = answer.body
        return Sent(str(status["id"]), status.get("url") or
                    f"{dest.server}/@{dest.handle}/{status['id']}")

    async def find_sent(self, dest: Destination, text: str, index: int, chain: list[Sent],
                        key: str) -> Sent | None:
        return None  # re-sending with the same Idempotency-Key returns the original

    async def revoke(self, dest: Destination) -> None:
        try:
            await self._http.call("POST", f"{dest.server}/oauth/revoke", form={
                "client_id": dest.secrets.get("client_id", ""),
                "client_secret": dest.secrets.get("client_secret", ""),
                "token": dest.secrets.get("access_token", "")})
        except RemoteError:
            pass
