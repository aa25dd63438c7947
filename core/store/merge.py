"""Linking an identity to an account, merging the account it had: the one SQL recipe both
stores run inside their own transaction (`?` placeholders; PostgreSQL numbers them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from core.accounts import merged_premium
from core.errors import IdentityLinkedElsewhere
from core.store.rows import utcnow

# Everything an account owns moves to the surviving one (usage records stay as history).
OWNED = ("threads", "api_tokens", "premium_grants", "identities")

Query = Callable[..., Awaitable]  # (sql, *args) -> first column of the first row, or None


async def merge_identity(value: Query, run: Query, tx, platform: str, external_id: str,
                         user_id: str, now: datetime) -> str:
    """Join (platform, external_id) to `user_id`. When the identity already has its own
    account, the two merge: the one with an email (a web account) survives, else `user_id`;
    premium time of both adds up. Returns the surviving account's id. Two web accounts
    cannot merge: `IdentityLinkedElsewhere`."""
    owner = await value("SELECT user_id FROM identities WHERE platform = ? AND external_id = ?",
                        platform, external_id)
    if owner is None:
        await run("INSERT INTO identities (platform, external_id, user_id, created_at) "
                  "VALUES (?, ?, ?, ?)", platform, external_id, user_id, utcnow())
        return user_id
    if owner == user_id:
        return user_id
    await tx.lock_account(user_id)
    await tx.lock_account(owner)
    mine = await value("SELECT email FROM users WHERE id = ?", user_id)
    theirs = await value("SELECT email FROM users WHERE id = ?", owner)
    if mine is not None and theirs is not None:
        raise IdentityLinkedElsewhere()
    keep, gone = (owner, user_id) if theirs is not None else (user_id, owner)
    extra = merged_premium(await tx.premium_until(keep, now), await tx.premium_until(gone, now),
                           now)
    for table in OWNED:
        await run(f"UPDATE {table} SET user_id = ? WHERE user_id = ?", keep, gone)  # noqa: S608
    if extra:
        await tx.add_premium_grant(keep, "merge", f"merge:{gone}", *extra)
    await run("DELETE FROM users WHERE id = ?", gone)
    return keep
