"""Values of publishing: a destination (with its decrypted secrets, in memory only), a
publication and its recorded posts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.models import Platform

SCHEDULED, PUBLISHING, PUBLISHED, FAILED, CANCELLED = (
    "scheduled", "publishing", "published", "failed", "cancelled")
OPEN = (SCHEDULED, PUBLISHING)


@dataclass
class Destination:
    id: str
    user_id: str
    platform: Platform
    handle: str
    server: str  # API base, PDS or instance origin
    remote_user: str  # X user id, Bluesky DID, Mastodon account id
    secrets: dict = field(repr=False)
    max_chars: int | None
    created_at: datetime

    def public(self) -> dict:
        return {"id": self.id, "platform": self.platform.value, "handle": self.handle,
                "server": self.server, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class Sent:
    """A post the network has: its id (X/Mastodon id, Bluesky rkey) and how to link to it."""

    remote_id: str
    url: str
    uri: str | None = None  # Bluesky strong ref
    cid: str | None = None


@dataclass
class Publication:
    id: str
    user_id: str
    thread_id: str
    destination_id: str
    platform: Platform
    status: str
    run_at: datetime
    posts: list[str]
    error: str | None
    created_at: datetime
    updated_at: datetime
    sent: dict[int, Sent | None] = field(default_factory=dict)  # None: attempted, unknown

    def as_dict(self) -> dict:
        return {
            "id": self.id, "status": self.status, "thread_id": self.thread_id,
            "destination_id": self.destination_id, "platform": self.platform.value,
            "run_at": self.run_at.isoformat(), "error": self.error,
            "created_at": self.created_at.isoformat(),
            "posts": [{"index": i, "text": text,
                       "remote_id": (s := self.sent.get(i)) and s.remote_id,
                       "url": s and s.url} for i, text in enumerate(self.posts)],
        }
