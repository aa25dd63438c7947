"""Row ↔ model mapping shared by the SQLite and PostgreSQL stores.

Rows are anything indexable by column name (`sqlite3.Row`, `asyncpg.Record`). SQLite hands
back times as ISO-8601 text and JSON as text; PostgreSQL hands back `datetime` and decoded
JSON. The readers here accept both.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from core.models import ApiToken, Post, Source, Thread, ThreadOptions, User


def new_id() -> str:
    """An opaque, non-guessable id (122 random bits)."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


def normalise_email(email: str | None) -> str | None:
    if email is None:
        return None
    return email.strip().lower() or None


def to_text(value: datetime | None) -> str | None:
    """One fixed UTC format, so SQLite can sort and compare times as text."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: the store only accepts timezone-aware times")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def to_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value).astimezone(UTC)


def from_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def posts_to_json(posts: Sequence[Post]) -> list[dict]:
    return [p.as_dict() for p in posts]


def user_from_row(row: Mapping) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        password_hash=row["password_hash"],
        created_at=to_datetime(row["created_at"]),
        email_verified_at=to_datetime(_get(row, "email_verified_at")),
        role=_get(row, "role") or "user",
        language=_get(row, "language"),
    )


def _get(row: Mapping, key: str) -> Any:
    """A column that only exists once migration 0005 ran."""
    try:
        return row[key]
    except (KeyError, IndexError):
        return None


def token_from_row(row: Mapping) -> ApiToken:
    return ApiToken(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        created_at=to_datetime(row["created_at"]),
        last_used_at=to_datetime(row["last_used_at"]),
        revoked_at=to_datetime(row["revoked_at"]),
    )


def thread_from_row(row: Mapping) -> Thread:
    source = from_json(row["source"]) or {}
    return Thread(
        id=row["id"],
        posts=tuple(
            Post(text=p["text"], weighted_length=int(p["weighted_length"]))
            for p in from_json(row["posts"])
        ),
        generator=row["generator"],
        fallback_reason=row["fallback_reason"],
        source=Source(**{k: source.get(k) for k in Source.__dataclass_fields__}),
        options=ThreadOptions.from_dict(from_json(row["options"]) or {}),
        created_at=to_datetime(row["created_at"]),
        edited_at=to_datetime(row["edited_at"]),
        version=int(row["version"]),
    )


THREAD_COLUMNS = (
    "id, user_id, source_url, source_title, source, options, posts, generator, "
    "fallback_reason, created_at, edited_at, version"
)
