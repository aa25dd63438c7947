"""Account records beside the `Store`: sessions, one-time mail tokens, the audit log, billing
records, the mail ledger, and an account's export and deletion. Written once over `SqlDb`
(SQLite and PostgreSQL); the same contract tests run on both.

The audit log is append-only: this class has no method that updates or deletes an entry
(and a trigger refuses it in the database).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.store.rows import from_json, new_id, to_datetime, user_from_row
from core.store.sql import SqlDb

_SESSION_USER = (
    "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id "
    "WHERE s.id = ? AND s.revoked_at IS NULL"
)


def _times(row: dict | None, *names: str) -> dict | None:
    if row is not None:
        for name in names:
            row[name] = to_datetime(row.get(name))
    return row


class AccountRecords:
    def __init__(self, db: SqlDb) -> None:
        self.db = db

    # --- users ---
    async def set_email(self, user_id: str, email: str, verified_at: datetime | None) -> bool:
        """Set the address (and when it was verified); False when another account has it."""
        async with self.db.transaction() as tx:
            taken = await tx.one("SELECT id FROM users WHERE email = ? AND id <> ?",
                                 email, user_id)
            if taken:
                return False
            return 0 < await tx.change(
                "UPDATE users SET email = ?, email_verified_at = ? WHERE id = ?",
                email, verified_at, user_id)

    async def set_language(self, user_id: str, language: str) -> None:
        await self.db.change("UPDATE users SET language = ? WHERE id = ?", language, user_id)

    async def set_role(self, user_id: str, role: str) -> bool:
        return 0 < await self.db.change("UPDATE users SET role = ? WHERE id = ?", role, user_id)

    # --- sessions (the `sid` of access tokens) ---
    async def create_session(self, user_id: str, at: datetime) -> str:
        session_id = new_id()
        await self.db.change("INSERT INTO sessions (id, user_id, created_at) VALUES (?, ?, ?)",
                             session_id, user_id, at)
        return session_id

    async def session_user(self, session_id: str):
        """The account of a live session, or None (revoked, unknown, account deleted)."""
        row = await self.db.one(_SESSION_USER, session_id)
        return user_from_row(row) if row else None

    async def revoke_session(self, user_id: str, session_id: str, at: datetime) -> bool:
        return 0 < await self.db.change(
            "UPDATE sessions SET revoked_at = ? WHERE id = ? AND user_id = ? "
            "AND revoked_at IS NULL", at, session_id, user_id)

    async def revoke_everything(self, user_id: str, at: datetime) -> int:
        """Revoke every session and extension token of the account; how many."""
        async with self.db.transaction() as tx:
            sessions = await tx.change("UPDATE sessions SET revoked_at = ? WHERE user_id = ? "
                                       "AND revoked_at IS NULL", at, user_id)
            tokens = await tx.change("UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? "
                                     "AND revoked_at IS NULL", at, user_id)
        return sessions + tokens

    # --- one-time mail tokens (stored hashed) ---
    async def create_mail_token(self, token_hash: str, user_id: str, purpose: str, email: str,
                                at: datetime, expires_at: datetime) -> None:
        await self.db.change(
            "INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            token_hash, user_id, purpose, email, at, expires_at)

    async def consume_mail_token(self, token_hash: str, purpose: str, now: datetime):
        """Use a live token once: (user_id, email) it was made for, or None."""
        row = await self.db.one(
            "UPDATE account_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? "
            "AND used_at IS NULL AND expires_at > ? RETURNING user_id, email",
            now, token_hash, purpose, now)
        return (row["user_id"], row["email"]) if row else None

    async def mail_token(self, token_hash: str, purpose: str, now: datetime):
        """(user_id, email) of a live token, without using it."""
        row = await self.db.one(
            "SELECT user_id, email FROM account_tokens WHERE token_hash = ? AND purpose = ? "
            "AND used_at IS NULL AND expires_at > ?", token_hash, purpose, now)
        return (row["user_id"], row["email"]) if row else None

    async def retire_mail_tokens(self, user_id: str, purpose: str, now: datetime) -> int:
        return await self.db.change(
            "UPDATE account_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? "
            "AND used_at IS NULL", now, user_id, purpose)

    # --- audit log (append-only) ---
    async def append_audit(self, *, at: datetime, actor: str, user_id: str | None, action: str,
                           ip: str | None, request_id: str | None, details: dict) -> None:
        await self.db.change(
            "INSERT INTO audit_log (at, actor, user_id, action, ip, request_id, details) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", at, actor, user_id, action, ip, request_id, details)

    async def list_audit(self, user_id: str | None, limit: int = 50,
                         before: int | None = None) -> list[dict]:
        """Newest first; one account's entries, or everyone's when `user_id` is None."""
        sql, args = "SELECT * FROM audit_log WHERE 1 = 1", []
        if user_id is not None:
            sql, args = sql + " AND user_id = ?", [user_id]
        if before is not None:
            sql, args = sql + " AND id < ?", [*args, before]
        rows = await self.db.all(sql + " ORDER BY id DESC LIMIT ?", *args, limit)
        for row in rows:
            _times(row, "at")
            row["details"] = from_json(row["details"]) or {}
        return rows

    # --- billing records and the mail ledger (each effect at most once) ---
    async def add_billing_record(self, *, user_id: str | None, kind: str, source_ref: str,
                                 amount_cents: int, currency: str, days: int,
                                 at: datetime) -> bool:
        """False when this (kind, source_ref) was recorded before."""
        return 1 == await self.db.change(
            "INSERT INTO billing_records (user_id, kind, source_ref, amount_cents, currency, "
            "days, at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, source_ref) DO NOTHING",
            user_id, kind, source_ref, amount_cents, currency, days, at)

    async def claim_mail(self, key: str, at: datetime) -> bool:
        """True the first time `key` is claimed: send that mail; False: it was sent."""
        return 1 == await self.db.change(
            "INSERT INTO mail_ledger (key, sent_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            key, at)

    async def grants_ending(self, start: datetime, end: datetime) -> list[dict]:
        """Live one-time grants ending in [start, end) that are their account's last."""
        rows = await self.db.all(
            "SELECT g.user_id, g.source_ref, g.until FROM premium_grants g "
            "WHERE g.source = 'stripe_payment' AND g.revoked_at IS NULL "
            "AND g.until >= ? AND g.until < ? AND NOT EXISTS (SELECT 1 FROM premium_grants h "
            "WHERE h.user_id = g.user_id AND h.revoked_at IS NULL AND h.until > g.until)",
            start, end)
        return [_times(r, "until") for r in rows]

    async def end_grants(self, user_id: str, now: datetime) -> int:
        """Revoke every live grant of the account (an operator's decision)."""
        return await self.db.change(
            "UPDATE premium_grants SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL "
            "AND until > ?", now, user_id, now)

    async def grant_owner(self, source_ref: str) -> dict | None:
        return _times(await self.db.one(
            "SELECT user_id, starts_at, until, revoked_at FROM premium_grants "
            "WHERE source_ref = ?", source_ref), "starts_at", "until", "revoked_at")

    # --- your data ---
    async def export(self, user_id: str) -> dict[str, Any]:
        """Every row that belongs to the account, minus secrets (hashes, token values)."""
        q = self.db
        threads = await q.all("SELECT id, source_url, source_title, source, options, posts, "
                              "generator, fallback_reason, created_at, edited_at FROM threads "
                              "WHERE user_id = ? ORDER BY created_at", user_id)
        for thread in threads:
            for name in ("source", "options", "posts"):
                thread[name] = from_json(thread[name])
        user = await q.one("SELECT id, email, email_verified_at, role, language, created_at "
                           "FROM users WHERE id = ?", user_id)
        return {
            "account": _times(user, "email_verified_at", "created_at"),
            "identities": await q.all("SELECT platform, external_id, created_at FROM identities "
                                      "WHERE user_id = ? ORDER BY created_at", user_id),
            "threads": threads,
            "usage": await q.all("SELECT platform, generator, prompt_tokens, completion_tokens, "
                                 "cached, at FROM usage_records WHERE user_id = ? ORDER BY at",
                                 user_id),
            "premium_grants": await q.all("SELECT source, source_ref, starts_at, until, "
                                          "revoked_at, created_at FROM premium_grants WHERE "
                                          "user_id = ? ORDER BY starts_at", user_id),
            "billing_records": await q.all("SELECT kind, amount_cents, currency, days, at FROM "
                                           "billing_records WHERE user_id = ? ORDER BY at",
                                           user_id),
            "extension_tokens": await q.all("SELECT id, name, created_at, last_used_at, "
                                            "revoked_at FROM api_tokens WHERE user_id = ?",
                                            user_id),
        }

    async def delete_account(self, user_id: str, audit: dict) -> bool:
        """Delete the account and its data in one transaction, with its audit entry.

        Usage and billing records stay for the books, anonymised (no account, no key)."""
        async with self.db.transaction() as tx:
            await tx.change("UPDATE usage_records SET user_id = NULL, quota_key = 'deleted' "
                            "WHERE user_id = ?", user_id)
            await tx.change("UPDATE billing_records SET user_id = NULL WHERE user_id = ?",
                            user_id)
            await tx.change("UPDATE analytics_events SET user_id = NULL WHERE user_id = ?",
                            user_id)
            await tx.change("DELETE FROM link_codes WHERE (platform, external_id) IN "
                            "(SELECT platform, external_id FROM identities WHERE user_id = ?)",
                            user_id)
            deleted = await tx.change("DELETE FROM users WHERE id = ?", user_id)
            if deleted:
                await AccountRecords(tx).append_audit(**audit)
        return deleted > 0
