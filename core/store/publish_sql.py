"""Publishing storage (migration 0004), one SQL text for both stores.

Mixed into `PostgresStore` and `SqliteStore`, which supply the dialect: `_p_one`, `_p_all`,
`_p_change` run a statement with ``?`` placeholders; `_p_time` and `_p_json` shape values.
Secrets arrive sealed (`core.publish.crypto`): this layer never sees a token in clear.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.store.rows import from_json, new_id, to_datetime

DEST = "id, user_id, platform, handle, server, remote_user, secrets, max_chars, created_at"
PUB = ("id, user_id, thread_id, destination_id, platform, status, run_at, posts, error, "
       "created_at, updated_at")


def _dest(row) -> dict | None:
    if row is None:
        return None
    out = dict(row)
    out["created_at"] = to_datetime(out["created_at"])
    return out


class PublishSql:
    async def _p_one(self, sql: str, args: tuple, write: bool = False) -> Any: ...
    async def _p_all(self, sql: str, args: tuple) -> list: ...
    async def _p_change(self, sql: str, args: tuple) -> int: ...
    def _p_time(self, value: datetime | None) -> Any: ...
    def _p_json(self, value: Any) -> Any: ...

    # --- destinations ---
    async def add_destination(self, user_id: str, platform: str, handle: str, server: str,
                              remote_user: str, sealed: str, max_chars: int | None,
                              now: datetime) -> dict:
        """A new destination, or the same account connected again (its tokens replaced)."""
        found = await self._p_one(
            f"SELECT {DEST} FROM destinations WHERE user_id = ? AND platform = ? "
            "AND server = ? AND remote_user = ?", (user_id, platform, server, remote_user))
        if found:
            await self._p_change("UPDATE destinations SET secrets = ?, handle = ?, "
                                 "max_chars = ? WHERE id = ?",
                                 (sealed, handle, max_chars, found["id"]))
            return await self.get_destination(user_id, found["id"])
        dest_id = new_id()
        await self._p_change(
            f"INSERT INTO destinations ({DEST}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (dest_id, user_id, platform, handle, server, remote_user, sealed, max_chars,
             self._p_time(now)))
        return await self.get_destination(user_id, dest_id)

    async def get_destination(self, user_id: str, dest_id: str) -> dict | None:
        return _dest(await self._p_one(
            f"SELECT {DEST} FROM destinations WHERE id = ? AND user_id = ?", (dest_id, user_id)))

    async def destination_owner(self, dest_id: str) -> str | None:
        row = await self._p_one("SELECT user_id FROM destinations WHERE id = ?", (dest_id,))
        return row["user_id"] if row else None

    async def list_destinations(self, user_id: str) -> list[dict]:
        rows = await self._p_all(f"SELECT {DEST} FROM destinations WHERE user_id = ? "
                                 "ORDER BY created_at, id", (user_id,))
        return [_dest(r) for r in rows]

    async def set_destination_secrets(self, dest_id: str, sealed: str) -> None:
        await self._p_change("UPDATE destinations SET secrets = ? WHERE id = ?",
                             (sealed, dest_id))

    async def delete_destination(self, user_id: str, dest_id: str) -> bool:
        return 1 == await self._p_change(
            "DELETE FROM destinations WHERE id = ? AND user_id = ?", (dest_id, user_id))

    # --- OAuth states and Mastodon apps ---
    async def save_oauth_state(self, state_hash: str, user_id: str, platform: str, server: str,
                               sealed: str, expires_at: datetime) -> None:
        await self._p_change(
            "INSERT INTO oauth_states (state_hash, user_id, platform, server, secrets, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (state_hash, user_id, platform, server, sealed, self._p_time(expires_at)))

    async def consume_oauth_state(self, state_hash: str, platform: str,
                                  now: datetime) -> dict | None:
        """Use a state once, before it expires: its (user_id, server, secrets)."""
        row = await self._p_one(
            "UPDATE oauth_states SET used_at = ? WHERE state_hash = ? AND platform = ? "
            "AND used_at IS NULL AND expires_at > ? RETURNING user_id, server, secrets",
            (self._p_time(now), state_hash, platform, self._p_time(now)), write=True)
        return dict(row) if row else None

    async def mastodon_app(self, instance: str) -> dict | None:
        row = await self._p_one("SELECT client_id, client_secret FROM mastodon_apps "
                                "WHERE instance = ?", (instance,))
        return dict(row) if row else None

    async def save_mastodon_app(self, instance: str, client_id: str, sealed: str,
                                now: datetime) -> dict:
        """Keep the first app registered for an instance (two concurrent registrations)."""
        await self._p_change(
            "INSERT INTO mastodon_apps (instance, client_id, client_secret, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (instance) DO NOTHING",
            (instance, client_id, sealed, self._p_time(now)))
        return await self.mastodon_app(instance)

    # --- publications ---
    async def add_publication(self, user_id: str, thread_id: str, destination_id: str,
                              platform: str, status: str, run_at: datetime, posts: list[str],
                              now: datetime) -> str:
        pub_id = new_id()
        await self._p_change(
            f"INSERT INTO publications ({PUB}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
            (pub_id, user_id, thread_id, destination_id, platform, status,
             self._p_time(run_at), self._p_json(posts), self._p_time(now), self._p_time(now)))
        return pub_id

    async def get_publication(self, pub_id: str, user_id: str | None = None) -> dict | None:
        sql = f"SELECT {PUB} FROM publications WHERE id = ?"
        row = await self._p_one(sql + (" AND user_id = ?" if user_id else ""),
                                (pub_id, user_id) if user_id else (pub_id,))
        if row is None:
            return None
        out = _publication(row)
        out["sent"] = [dict(r) for r in await self._p_all(
            "SELECT idx, remote_id, uri, cid, url FROM publication_posts "
            "WHERE publication_id = ? ORDER BY idx", (pub_id,))]
        return out

    async def list_publications(self, user_id: str, limit: int) -> list[str]:
        rows = await self._p_all("SELECT id FROM publications WHERE user_id = ? "
                                 "ORDER BY created_at DESC, id LIMIT ?", (user_id, limit))
        return [r["id"] for r in rows]

    async def cancel_publication(self, user_id: str, pub_id: str, now: datetime) -> bool:
        return 1 == await self._p_change(
            "UPDATE publications SET status = 'cancelled', updated_at = ? "
            "WHERE id = ? AND user_id = ? AND status = 'scheduled'",
            (self._p_time(now), pub_id, user_id))

    async def claim_publication(self, pub_id: str, now: datetime, until: datetime) -> bool:
        """Take (or extend) the lease of a due, open publication: one worker at a time."""
        return 1 == await self._p_change(
            "UPDATE publications SET status = 'publishing', lease_until = ?, updated_at = ? "
            "WHERE id = ? AND status IN ('scheduled', 'publishing') AND run_at <= ? "
            "AND (lease_until IS NULL OR lease_until < ?)",
            (self._p_time(until), self._p_time(now), pub_id, self._p_time(now),
             self._p_time(now)))

    async def extend_lease(self, pub_id: str, until: datetime) -> None:
        await self._p_change("UPDATE publications SET lease_until = ? WHERE id = ?",
                             (self._p_time(until), pub_id))

    async def due_publications(self, now: datetime, limit: int = 50) -> list[str]:
        rows = await self._p_all(
            "SELECT id FROM publications WHERE status IN ('scheduled', 'publishing') "
            "AND run_at <= ? AND (lease_until IS NULL OR lease_until < ?) "
            "ORDER BY run_at LIMIT ?", (self._p_time(now), self._p_time(now), limit))
        return [r["id"] for r in rows]

    async def next_run_at(self) -> datetime | None:
        """When the next open publication is due (a leased one: when its lease ends)."""
        row = await self._p_one("SELECT MIN(COALESCE(lease_until, run_at)) AS at "
                                "FROM publications WHERE status IN ('scheduled', 'publishing')",
                                ())
        return to_datetime(row["at"]) if row and row["at"] else None

    async def finish_publication(self, pub_id: str, status: str, error: str | None,
                                 now: datetime) -> None:
        await self._p_change(
            "UPDATE publications SET status = ?, error = ?, lease_until = NULL, updated_at = ? "
            "WHERE id = ?", (status, error, self._p_time(now), pub_id))

    async def mark_post_sent(self, pub_id: str, idx: int, now: datetime) -> None:
        """Before a send: after a crash, this row says "look it up before sending again"."""
        await self._p_change(
            "INSERT INTO publication_posts (publication_id, idx, sent_at) VALUES (?, ?, ?) "
            "ON CONFLICT (publication_id, idx) DO NOTHING", (pub_id, idx, self._p_time(now)))

    async def record_post(self, pub_id: str, idx: int, remote_id: str, uri: str | None,
                          cid: str | None, url: str, now: datetime) -> None:
        await self._p_change(
            "UPDATE publication_posts SET remote_id = ?, uri = ?, cid = ?, url = ?, "
            "published_at = ? WHERE publication_id = ? AND idx = ?",
            (remote_id, uri, cid, url, self._p_time(now), pub_id, idx))


def _publication(row) -> dict:
    out = dict(row)
    for key in ("run_at", "created_at", "updated_at"):
        out[key] = to_datetime(out[key])
    out["posts"] = from_json(out["posts"])
    return out
