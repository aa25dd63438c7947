"""A stand-in Discord HTTP API and gateway on 127.0.0.1, for the real discord.py client.

    async with DiscordApi() as api:
        settings = settings.with_(discord_api_base=api.api_base, discord_gateway_url=api.gateway)
        interaction_id = await api.slash("thread", url="https://…", user_id=7)
        callback = await api.wait_for("callback", interaction_id=interaction_id)

Gateway (websocket, JSON text frames): HELLO → IDENTIFY → READY, heartbeats ACKed,
`INTERACTION_CREATE` dispatched by `slash()` / `press()`. HTTP: /users/@me,
/oauth2/applications/@me, command sync (PUT), interaction callbacks, follow-up webhooks
(POST, PATCH @original). Every call is recorded in `calls` as (kind, payload) with
`received_at` (loop time), so tests can look at what the bot sent and when.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import UTC, datetime

from aiohttp import WSMsgType, web

from tests.standins.loopback import serve_on_loopback, wait_until

APP_ID = "900000000000000001"
BOT_USER = {"id": APP_ID, "username": "Threadr", "discriminator": "0", "global_name": "Threadr",
            "avatar": None, "bot": True, "flags": 0, "verified": True, "mfa_enabled": False}
WAIT_LIMIT = 10.0


class DiscordApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.commands: list[dict] = []
        self._ids = itertools.count(1_000_000_000_000_000_000)
        self._seq = itertools.count(2)
        self._sockets: list[web.WebSocketResponse] = []
        self._identified = asyncio.Event()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gw"

    async def __aenter__(self) -> DiscordApi:
        app = web.Application()
        app.router.add_get("/gw", self._gateway)
        app.router.add_get("/gw/", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner, self.port = await serve_on_loopback(app, handler_cancellation=True)
        return self

    async def __aexit__(self, *exc) -> None:
        for ws in list(self._sockets):
            await ws.close()
        await self._runner.cleanup()

    # --- scripting ---
    async def slash(self, name: str, *, user_id: int = 4242, guild: bool = False,
                    **options) -> str:
        """Dispatch a slash command from a DM (or a server channel); returns its id."""
        data = {"id": self._command_id(name), "name": name, "type": 1,
                "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()]}
        return await self._interaction(2, data, user_id, guild=guild)

    async def press(self, custom_id: str, *, user_id: int = 4242) -> str:
        """Dispatch a button press on a bot message; returns the interaction id."""
        return await self._interaction(3, {"custom_id": custom_id, "component_type": 2}, user_id,
                                       message=self._message({"content": ""}))

    async def _interaction(self, kind: int, data: dict, user_id: int, guild: bool = False,
                           **extra) -> str:
        await asyncio.wait_for(self._identified.wait(), WAIT_LIMIT)
        interaction_id = str(next(self._ids))
        user = {"id": str(user_id), "username": "ada", "discriminator": "0",
                "global_name": "Ada", "avatar": None}
        payload = {"id": interaction_id, "application_id": APP_ID, "type": kind,
                   "token": f"tok{interaction_id}", "version": 1, "data": data,
                   "attachment_size_limit": 8_388_608, "user": user, "locale": "en-US",
                   "channel_id": "5000", "app_permissions": "0", "entitlements": [],
                   "authorizing_integration_owners": {}, "context": 1,
                   "channel": {"id": "5000", "type": 1, "recipients": [user]}, **extra}
        if guild:  # a server channel: `member` instead of `user`
            del payload["user"]
            payload.update(guild_id="6000", context=0, member={
                "user": user, "roles": [], "joined_at": datetime.now(UTC).isoformat(),
                "flags": 0, "permissions": "2147483647", "deaf": False, "mute": False},
                channel={"id": "5000", "type": 0, "guild_id": "6000", "name": "general",
                         "position": 0, "permission_overwrites": [], "nsfw": False})
        self.calls.append(("dispatch", {"interaction_id": interaction_id,
                                        "received_at": asyncio.get_running_loop().time()}))
        await self._dispatch("INTERACTION_CREATE", payload)
        return interaction_id

    # --- looking at what the bot did ---
    def sent(self, kind: str, **match) -> list[dict]:
        return [p for k, p in self.calls if k == kind
                and all(str(p.get(key)) == str(v) for key, v in match.items())]

    async def wait_until(self, predicate, limit: float = WAIT_LIMIT) -> None:
        """Wait (bounded) until `predicate()` holds; rechecked after every call and every 20 ms."""
        await wait_until(self._changed, predicate, limit)

    # --- gateway ---
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250},
                                      "s": None, "t": None}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            frame = json.loads(msg.data)
            if frame["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif frame["op"] == 2:
                await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": 1, "d": {
                    "v": 10, "user": BOT_USER, "session_id": "session-1", "guilds": [],
                    "resume_gateway_url": self.gateway, "private_channels": [],
                    "application": {"id": APP_ID, "flags": 0}}}))
                self._identified.set()
        self._sockets.remove(ws)
        return ws

    async def _dispatch(self, event: str, data: dict) -> None:
        frame = json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data})
        for ws in self._sockets:
            await ws.send_str(frame)

    # --- REST ---
    async def _rest(self, request: web.Request) -> web.Response:
        path, method = request.match_info["path"], request.method
        body = await _body(request)
        if path == "users/@me":
            return _json(BOT_USER)
        if path == "oauth2/applications/@me":
            return _json(_application())
        if method == "PUT" and path == f"applications/{APP_ID}/commands":
            self.commands = [{**c, "id": str(next(self._ids)), "application_id": APP_ID,
                              "version": "1", "default_member_permissions": None,
                              "dm_permission": True, "nsfw": False} for c in body]
            await self._record("sync", {"commands": self.commands})
            return _json(self.commands)
        parts = path.split("/")
        if parts[0] == "interactions" and parts[-1] == "callback":
            await self._record("callback", {"interaction_id": parts[1], "token": parts[2], **body})
            return _json({"interaction": {"id": parts[1], "type": 2},
                          "resource": {"type": body.get("type")}})
        if parts[0] == "webhooks" and method in ("POST", "PATCH"):
            kind = "followup" if method == "POST" else "edit"
            await self._record(kind, {"token": parts[2], **body})
            return _json(self._message(body))
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    async def _record(self, kind: str, payload: dict) -> None:
        payload["received_at"] = asyncio.get_running_loop().time()
        self.calls.append((kind, payload))
        async with self._changed:
            self._changed.notify_all()

    def _command_id(self, name: str) -> str:
        return next((c["id"] for c in self.commands if c["name"] == name), "1")

    def _message(self, body: dict) -> dict:
        return {"id": str(next(self._ids)), "channel_id": "5000", "type": 0,
                "content": body.get("content") or "", "author": BOT_USER,
                "embeds": body.get("embeds") or [], "attachments": [], "mentions": [],
                "mention_roles": [], "pinned": False, "mention_everyone": False, "tts": False,
                "timestamp": datetime.now(UTC).isoformat(), "edited_timestamp": None,
                "flags": body.get("flags") or 0, "components": body.get("components") or [],
                "application_id": APP_ID, "webhook_id": APP_ID}


async def _body(request: web.Request):
    if not request.can_read_body:
        return {}
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        return json.loads(form.get("payload_json") or "{}")
    raw = await request.read()
    return json.loads(raw) if raw else {}


def _application() -> dict:
    return {"id": APP_ID, "name": "Threadr", "description": "", "icon": None,
            "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
            "owner": {k: BOT_USER[k] for k in ("id", "username", "discriminator", "avatar")},
            "flags": 0, "team": None, "summary": "", "rpc_origins": []}


def _json(data, status: int = 200) -> web.Response:
    # exactly `application/json`: discord.py reads anything else as text
    return web.Response(status=status, body=json.dumps(data).encode(),
                        headers={"Content-Type": "application/json"})
