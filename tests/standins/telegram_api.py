"""A stand-in Telegram Bot API on 127.0.0.1, for the real python-telegram-bot client.

    async with TelegramApi() as api:
        settings = settings.with_(telegram_token=SecretStr(api.token),
                                  telegram_api_base=api.base_url)
        api.send_text(user_id=7, text="https://…")          # queued for getUpdates
        sent = await api.wait_for("editMessageText")        # what the bot called

Speaks the Bot API's form-encoded requests and `{"ok": …}` answers: getMe, getUpdates (long
poll), sendMessage, editMessageText, answerCallbackQuery, setMyCommands, deleteWebhook,
setWebhook, sendChatAction. `fail_next(method, retry_after)` answers that method's next call
with a real 429 flood-control error. Every call is recorded in `calls` (method, params).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time

from aiohttp import web

from tests.standins.loopback import serve_on_loopback, wait_until

BOT_ID = 424242
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Threadr", "username": "ThreadrBot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
WAIT_LIMIT = 10.0  # seconds any wait in here may take (bounded loops)


class TelegramApi:
    def __init__(self, token: str = "123456:TEST-token") -> None:
        self.token = token
        self.calls: list[tuple[str, dict]] = []
        self.updates: list[dict] = []
        self._failures: dict[str, list[int]] = {}
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def __aenter__(self) -> TelegramApi:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner, self.port = await serve_on_loopback(app, handler_cancellation=True)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._runner.cleanup()

    # --- scripting the conversation ---
    def send_text(self, user_id: int, text: str, *, forwarded: bool = False,
                  update_id: int | None = None) -> dict:
        """Queue a private-chat message from `user_id`; commands get their bot_command entity."""
        message = self._message(user_id, text)
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0].split("\n", 1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if forwarded:
            message["forward_origin"] = {"type": "hidden_user", "date": int(time.time()),
                                         "sender_user_name": "Someone"}
        return self.push({"message": message}, update_id)

    def press(self, user_id: int, message_id: int, data: str) -> dict:
        """Queue an inline-button press on the bot's message `message_id`."""
        query = {"id": str(next(self._update_ids)), "chat_instance": "ci-1",
                 "from": _user(user_id), "data": data,
                 "message": {**self._message(user_id, "…"), "message_id": message_id,
                             "from": BOT_USER}}
        return self.push({"callback_query": query})

    def push(self, update: dict, update_id: int | None = None) -> dict:
        """Queue an update as is (the same `update_id` twice = a redelivery)."""
        update = {"update_id": update_id or next(self._update_ids), **update}
        self.updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def fail_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        self._failures.setdefault(method, []).extend([retry_after] * times)

    # --- looking at what the bot did ---
    def sent(self, *methods: str) -> list[dict]:
        return [params for name, params in self.calls if name in methods]

    async def wait_for(self, method: str, count: int = 1, **match) -> list[dict]:
        """Wait (bounded) until `method` was called `count` times with params matching."""
        def found():
            return [p for n, p in self.calls if n == method
                    and all(str(p.get(k)) == str(v) for k, v in match.items())]
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(found()) >= count),
                                   WAIT_LIMIT)
        return found()

    async def wait_until(self, predicate, limit: float = WAIT_LIMIT) -> None:
        """Wait (bounded) until `predicate()` holds; rechecked after every call and every 20 ms
        (for conditions on the bot's own state)."""
        await wait_until(self._changed, predicate, limit)

    # --- the API ---
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = dict(await request.post()) if request.can_read_body else {}
        if self._failures.get(method):
            retry_after = self._failures[method].pop(0)
            self.calls.append((f"{method}:429", params))
            return _error(429, f"Too Many Requests: retry after {retry_after}",
                          {"retry_after": retry_after})
        if method == "getUpdates":
            return _ok(await self._get_updates(params))
        result = self._answer(method, params)
        if result is None:
            return _error(404, "Not Found: method not found")
        self.calls.append((method, params))
        await self._notify()
        return _ok(result)

    def _answer(self, method: str, params: dict):
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            message_id = int(params.get("message_id") or next(self._message_ids))
            chat_id = int(params["chat_id"])
            return {**self._message(chat_id, params.get("text", ""), BOT_USER),
                    "message_id": message_id}
        if method in ("answerCallbackQuery", "setMyCommands", "deleteWebhook", "setWebhook",
                      "sendChatAction", "close", "logOut"):
            return True
        return None

    async def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)

        def ready():
            return [u for u in self.updates if u["update_id"] >= offset or u.get("_again")]
        async with self._changed:
            if not ready() and timeout > 0:
                try:
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(ready())), timeout)
                except TimeoutError:
                    pass
        batch = ready()
        for update in batch:
            self.updates.remove(update)
        return [{k: v for k, v in u.items() if k != "_again"} for u in batch]

    def redeliver(self, update: dict) -> None:
        """Deliver an already delivered update once more (what Telegram does after a timeout)."""
        self.updates.append({**update, "_again": True})
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    @staticmethod
    def _message(chat_id: int, text: str, sender: dict | None = None) -> dict:
        return {"message_id": 1, "date": int(time.time()), "text": text,
                "chat": {"id": chat_id, "type": "private", "first_name": "Ada"},
                "from": sender or _user(chat_id)}


def _user(user_id: int) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": "Ada"}


def _ok(result) -> web.Response:
    return web.Response(text=json.dumps({"ok": True, "result": result}),
                        content_type="application/json")


def _error(status: int, description: str, parameters: dict | None = None) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")
