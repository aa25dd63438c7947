"""Bluesky (AT Protocol XRPC): app-password sessions, posts as ``app.bsky.feed.post`` records
with facets and root/parent strong refs, under a deterministic record key (a TID derived from
the publication and the post index), so a re-sent post is found with ``getRecord``."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from core.publish.http import NetHttp, RemoteError
from core.publish.models import Destination, Sent
from core.text.facets import MENTION, facets

POST = "app.bsky.feed.post"
TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


def record_key(publication_id: str, created_at: datetime, index: int) -> str:
    """A valid TID (53-bit microseconds + 10-bit clock id), the same on every attempt."""
    micros = int(created_at.timestamp() * 1_000_000) + index
    clock = int.from_bytes(hashlib.sha256(publication_id.encode()).digest()[:2]) % 1024
    value, out = (micros << 10) | clock, ""
    for _ in range(13):
        out = TID_CHARS[value & 31] + out
        value >>= 5
    return out


class BlueskyNetwork:
    def __init__(self, http: NetHttp) -> None:
        self._http = http

    def _xrpc(self, server: str, method: str) -> str:
        return f"{server.rstrip('/')}/xrpc/{method}"

    async def create_session(self, server: str, identifier: str, password: str) -> dict:
        answer = await self._http.call(
            "POST", self._xrpc(server, "com.atproto.server.createSession"),
            body={"identifier": identifier, "password": password})
        return answer.body

    async def refresh(self, dest: Destination) -> dict:
        answer = await self._call(dest, "POST", "com.atproto.server.refreshSession",
                                  token=dest.secrets["refresh_jwt"])
        return {"access_jwt": answer.body["accessJwt"], "refresh_jwt": answer.body["refreshJwt"]}

    async def _call(self, dest: Destination, method: str, name: str, token: str | None = None,
                    **kwargs):
        try:
            return await self._http.call(method, self._xrpc(dest.server, name),
                                         token=token or dest.secrets["access_jwt"], **kwargs)
        except RemoteError as exc:
            if exc.status == 400 and isinstance(exc.body, dict) and exc.body.get("error") in (
                    "ExpiredToken", "InvalidToken"):
                raise RemoteError(401, exc.message, body=exc.body) from None
            raise

    async def post(self, dest: Destination, text: str, index: int, chain: list[Sent],
                   key: str) -> Sent:
        record: dict = {"$type": POST, "text": text,
                        "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z")}
        if found := await self._facets(dest, text):
            record["facets"] = found
        if chain:
            record["reply"] = {"root": {"uri": chain[0].uri, "cid": chain[0].cid},
                               "parent": {"uri": chain[-1].uri, "cid": chain[-1].cid}}
        try:
            answer = await self._call(dest, "POST", "com.atproto.repo.createRecord", body={
                "repo": dest.remote_user, "collection": POST, "rkey": key, "record": record})
        except RemoteError as exc:
            # a record with this key may exist already (a PDS has answered 500 there)
            if exc.unauthorized or exc.status == 429:
                raise
            if existing := await self.find_sent(dest, text, index, chain, key):
                return existing
            raise
        return self._sent(dest, key, answer.body["uri"], answer.body["cid"])

    async def find_sent(self, dest: Destination, text: str, index: int, chain: list[Sent],
                        key: str) -> Sent | None:
        try:
            answer = await self._call(dest, "GET", "com.atproto.repo.getRecord", params={
                "repo": dest.remote_user, "collection": POST, "rkey": key})
        except RemoteError as exc:
            if exc.status == 400:  # RecordNotFound
                return None
            raise
        return self._sent(dest, key, answer.body["uri"], answer.body["cid"])

    async def _facets(self, dest: Destination, text: str) -> list[dict]:
        out = []
        for facet in facets(text):
            if facet.kind != MENTION:
                out.append(facet.record())
                continue
            try:  # an unknown handle stays plain text
                answer = await self._call(dest, "GET", "com.atproto.identity.resolveHandle",
                                          params={"handle": facet.value})
                out.append(facet.record(answer.body["did"]))
            except (RemoteError, KeyError, TypeError):
                continue
        return out

    async def revoke(self, dest: Destination) -> None:
        try:
            await self._call(dest, "POST", "com.atproto.server.deleteSession",
                             token=dest.secrets.get("refresh_jwt"))
        except RemoteError:
            pass

    def _sent(self, dest: Destination, key: str, uri: str, cid: str) -> Sent:
        return Sent(key, f"https://bsky.app/profile/{dest.handle}/post/{key}", uri, cid)
