"""A stand-in Bluesky PDS on 127.0.0.1: createSession / refreshSession (app password),
createRecord of app.bsky.feed.post (lexicon limits: 300 graphemes, 3000 bytes; reply refs must
name existing records; a taken rkey answers 500 as a real PDS was seen to), getRecord,
resolveHandle, and planned faults. `records` is what tests assert on."""

from __future__ import annotations

import hashlib
import re
import time

import regex
from aiohttp import web

from tests.standins.loopback import serve_on_loopback
from tests.standins.social_common import Faults, Tokens

DID, HANDLE, APP_PASSWORD = "did:plc:standintester", "tester.bsky.test", "abcd-efgh-ijkl-mnop"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
KNOWN = {"alice.bsky.test": "did:plc:alice"}


class BlueskyStandIn:
    def __init__(self) -> None:
        self.tokens, self.faults = Tokens(), Faults()
        self.records: dict[str, dict] = {}  # rkey -> {uri, cid, value}
        self.order: list[str] = []
        self.runner, self.port = None, 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> BlueskyStandIn:
        app = web.Application()
        for name in ("createSession", "refreshSession", "deleteSession"):
            app.router.add_post(f"/xrpc/com.atproto.server.{name}", getattr(self, name))
        app.router.add_post("/xrpc/com.atproto.repo.createRecord", self.create_record)
        app.router.add_get("/xrpc/com.atproto.repo.getRecord", self.get_record)
        app.router.add_get("/xrpc/com.atproto.identity.resolveHandle", self.resolve)
        self.runner, self.port = await serve_on_loopback(app)
        return self

    async def close(self) -> None:
        await self.runner.cleanup()

    def _error(self, status: int, error: str, message: str) -> web.Response:
        return web.json_response({"error": error, "message": message}, status=status)

    def _session(self, pair: tuple[str, str]) -> web.Response:
        return web.json_response({"accessJwt": pair[0], "refreshJwt": pair[1], "did": DID,
                                  "handle": HANDLE, "active": True})

    async def createSession(self, request: web.Request) -> web.Response:  # noqa: N802
        body = await request.json()
        if body.get("identifier") not in (HANDLE, DID) or body.get("password") != APP_PASSWORD:
            return self._error(401, "AuthenticationRequired", "Invalid identifier or password")
        return self._session(self.tokens.issue(DID))

    async def refreshSession(self, request: web.Request) -> web.Response:  # noqa: N802
        pair = self.tokens.rotate(request.headers.get("Authorization", "")[7:])
        if pair is None:
            return self._error(400, "ExpiredToken", "Token has been revoked")
        return self._session(pair)

    async def deleteSession(self, request: web.Request) -> web.Response:  # noqa: N802
        self.tokens.refresh.pop(request.headers.get("Authorization", "")[7:], None)
        return web.Response()

    async def resolve(self, request: web.Request) -> web.Response:
        did = KNOWN.get(request.query.get("handle", ""))
        return web.json_response({"did": did}) if did else self._error(
            400, "InvalidRequest", "Unable to resolve handle")

    async def create_record(self, request: web.Request) -> web.Response:
        if self.tokens.user_of(request) is None:
            return self._error(400, "ExpiredToken", "Token has expired")
        body = await request.json()
        record, rkey = body.get("record") or {}, body.get("rkey", "")
        if body.get("repo") != DID or body.get("collection") != "app.bsky.feed.post":
            return self._error(400, "InvalidRequest", "wrong repo or collection")
        if not TID.match(rkey):
            return self._error(400, "InvalidRequest", "Invalid rkey: not a TID")
        text = record.get("text", "")
        if len(regex.findall(r"\X", text)) > 300 or len(text.encode()) > 3000:
            return self._error(400, "InvalidRequest",
                               "Invalid app.bsky.feed.post record: Record/text must not be "
                               "longer than 300 graphemes")
        reply = record.get("reply")
        if reply and not all(self._ref_ok(reply.get(k) or {}) for k in ("root", "parent")):
            return self._error(400, "InvalidRequest", "reply refs do not match records")
        if rkey in self.records:
            return self._error(500, "InternalServerError", "Internal Server Error")
        fault = self.faults.take(len(self.order) + 1)
        if fault and not fault.lost:
            return await self.faults.answer(fault)
        uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
        cid = "bafyrei" + hashlib.sha256(f"{uri}{text}".encode()).hexdigest()[:40]
        self.records[rkey] = {"uri": uri, "cid": cid, "value": record}
        self.order.append(rkey)
        if fault:
            return await self.faults.answer(fault)
        return web.json_response({"uri": uri, "cid": cid}, headers={
            "ratelimit-limit": "5000", "ratelimit-remaining": "4999",
            "ratelimit-reset": str(int(time.time()) + 3600)})

    def _ref_ok(self, ref: dict) -> bool:
        rkey = str(ref.get("uri", "")).rsplit("/", 1)[-1]
        found = self.records.get(rkey)
        return bool(found and found["uri"] == ref.get("uri") and found["cid"] == ref.get("cid"))

    async def get_record(self, request: web.Request) -> web.Response:
        found = self.records.get(request.query.get("rkey", ""))
        if found is None or request.query.get("repo") != DID:
            return self._error(400, "RecordNotFound", "Could not locate record")
        return web.json_response(found)
