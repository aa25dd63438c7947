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


@dataclass(frozen=True)
class Sent:
    """A post the network has: its id (X/Mastodon id, Bluesky rkey) and how to link to it."""

    remote_id: str
    url: str
    uri: str | None = None  # Bluesky strong ref
    cid: str | None = None


@dataclass(frozen=True)
class PublishedPost:
    """One post of a publication as shown: its text and, once sent, its id and link."""

    index: int
    text: str
    remote_id: str | None
    url: str | None


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

    @property
    def published_posts(self) -> list[PublishedPost]:
        return [PublishedPost(i, text, (s := self.sent.get(i)) and s.remote_id, s and s.url)
                for i, text in enumerate(self.posts)]
