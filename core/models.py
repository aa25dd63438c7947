"""Domain values shared by every part of Threadr: options, posts, threads, articles, callers.

Plain dataclasses and enums; no I/O. Every surface (web, bots, CLI, extension API)
speaks in these types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_valid_id(value: str | None) -> bool:
    """Whether `value` can be one of our ids (checked before it reaches the database, so
    junk such as NUL bytes answers 404, never a database error)."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None

MAX_POST_LENGTH = 280
DEFAULT_MAX_POSTS = 12
PREMIUM_MAX_POSTS = 25
MIN_SUMMARY_POSTS = 3
LONG_SPLIT_POSTS = PREMIUM_MAX_POSTS  # split mode keeps every word; past this it says so
MAX_EDITED_POSTS = 1000  # a split of the longest text (100 kB) stays editable as a whole


class Platform(StrEnum):
    """The network a thread is made for: its length rules (``core.text.platforms``)."""

    X = "x"
    BLUESKY = "bluesky"
    MASTODON = "mastodon"


class Mode(StrEnum):
    SUMMARIZE = "summarize"  # an article becomes a hook, key points and a closing post
    SPLIT = "split"  # the person's own text, kept whole, cut into posts


class Numbering(StrEnum):
    SLASH = "1/n"  # "1/7"
    PAREN = "(1/n)"  # "(1/7)"
    DOT = "1."  # "1."
    THREAD = "thread"  # "🧵 1/" on the first post, "2/", "3/" … after
    NONE = "none"


class NumberingPosition(StrEnum):
    PREFIX = "prefix"
    SUFFIX = "suffix"


class LinkPolicy(StrEnum):
    FIRST = "first"
    LAST = "last"
    NONE = "none"


class Tone(StrEnum):
    NEUTRAL = "neutral"
    CASUAL = "casual"
    PROFESSIONAL = "professional"
    PUNCHY = "punchy"
    EDUCATIONAL = "educational"


@dataclass(frozen=True, slots=True)
class ThreadOptions:
    """What the person asked for. Validated at the door (pydantic), trusted here."""

    mode: Mode = Mode.SUMMARIZE
    numbering: Numbering = Numbering.SLASH
    numbering_position: NumberingPosition = NumberingPosition.SUFFIX
    link: LinkPolicy = LinkPolicy.LAST
    max_posts: int | None = None  # None: as the article needs, 3..DEFAULT_MAX_POSTS
    tone: Tone = Tone.NEUTRAL
    hashtags: int = 0  # 0..3
    emoji: bool = False
    language: str | None = None  # None: the article's own language
    platform: Platform = Platform.X

    def with_(self, **changes) -> ThreadOptions:
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return {
            "mode": self.mode.value,
            "numbering": self.numbering.value,
            "numbering_position": self.numbering_position.value,
            "link": self.link.value,
            "max_posts": self.max_posts,
            "tone": self.tone.value,
            "hashtags": self.hashtags,
            "emoji": self.emoji,
            "language": self.language,
            "platform": self.platform.value,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ThreadOptions:
        return cls(
            mode=Mode(data.get("mode", Mode.SUMMARIZE)),
            numbering=Numbering(data.get("numbering", Numbering.SLASH)),
            numbering_position=NumberingPosition(
                data.get("numbering_position", NumberingPosition.SUFFIX)
            ),
            link=LinkPolicy(data.get("link", LinkPolicy.LAST)),
            max_posts=data.get("max_posts"),
            tone=Tone(data.get("tone", Tone.NEUTRAL)),
            hashtags=int(data.get("hashtags", 0)),
            emoji=bool(data.get("emoji", False)),
            language=data.get("language"),
            platform=Platform(data.get("platform", Platform.X)),
        )


@dataclass(frozen=True, slots=True)
class Article:
    """The main content of a page, as extracted from its HTML (or pasted text)."""

    text: str
    title: str | None = None
    author: str | None = None
    site_name: str | None = None
    published: str | None = None  # ISO 8601 date or datetime, as found
    canonical_url: str | None = None
    language: str | None = None  # BCP 47 primary tag, e.g. "en"
    url: str | None = None  # the URL it was fetched from / sent with
    paywalled: bool = False  # schema.org isAccessibleForFree: false


@dataclass(frozen=True, slots=True)
class Source:
    """Where a thread came from, as shown to the person."""

    url: str | None = None
    title: str | None = None
    author: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    published: str | None = None

    @classmethod
    def from_article(cls, article: Article) -> Source:
        return cls(
            url=article.url,
            title=article.title,
            author=article.author,
            site_name=article.site_name,
            canonical_url=article.canonical_url,
            language=article.language,
            published=article.published,
        )

    def as_dict(self) -> dict:
        return {
            "url": self.url,
            "title": self.title,
            "author": self.author,
            "site_name": self.site_name,
            "canonical_url": self.canonical_url,
            "language": self.language,
            "published": self.published,
        }

    @property
    def link(self) -> str | None:
        """The link a thread shares: the canonical URL when known, else the given one."""
        return self.canonical_url or self.url


@dataclass(frozen=True, slots=True)
class Post:
    text: str
    weighted_length: int

    def as_dict(self) -> dict:
        return {"text": self.text, "weighted_length": self.weighted_length}


@dataclass(frozen=True, slots=True)
class TokenUsage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Thread:
    """A finished thread: every post already obeys X's rules (≤ 280 weighted)."""

    posts: tuple[Post, ...]
    generator: str  # "offline" | "llm"
    source: Source = field(default_factory=Source)
    options: ThreadOptions = field(default_factory=ThreadOptions)
    fallback_reason: str | None = None  # set when the offline generator stood in for the LLM
    usage: TokenUsage | None = None
    id: str | None = None  # set once saved to history
    created_at: datetime | None = None
    edited_at: datetime | None = None
    cached: bool = False
    version: int = 1  # +1 per saved edit; PATCH with If-Match compares it (stale → 412)

    @property
    def warnings(self) -> list[dict]:
        """What the person should know about this thread (`{"code", "message"}` each)."""
        n = len(self.posts)
        if self.options.mode == Mode.SPLIT and n > LONG_SPLIT_POSTS:
            return [{"code": "long_split", "message": (
                f"Your text became {n} posts, every word kept: more than {LONG_SPLIT_POSTS}, "
                "which is long for a thread. Summarize it into a thread instead for a "
                "shorter one.")}]
        return []

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "version": self.version,
            "posts": [p.as_dict() for p in self.posts],
            "generator": self.generator,
            "fallback_reason": self.fallback_reason,
            "warnings": self.warnings,
            "source": self.source.as_dict(),
            "options": self.options.as_dict(),
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "edited_at": self.edited_at.isoformat() if self.edited_at else None,
            "cached": self.cached,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Thread:
        """Inverse of `as_dict` (used by the thread cache)."""
        usage = data.get("usage")
        return cls(
            posts=tuple(Post(p["text"], int(p["weighted_length"])) for p in data["posts"]),
            generator=data["generator"],
            source=Source(**(data.get("source") or {})),
            options=ThreadOptions.from_dict(data.get("options") or {}),
            fallback_reason=data.get("fallback_reason"),
            usage=TokenUsage(**usage) if usage else None,
            id=data.get("id"),
            created_at=_parse_dt(data.get("created_at")),
            edited_at=_parse_dt(data.get("edited_at")),
            cached=bool(data.get("cached", False)),
            version=int(data.get("version") or 1),
        )


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True)
class ThreadRequest:
    """What a surface asks to turn into a thread: a URL, an HTML page + its URL, or text."""

    url: str | None = None
    html: str | None = None
    text: str | None = None
    options: ThreadOptions = field(default_factory=ThreadOptions)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking. Quotas and premium follow the account when there is one, else the IP.

    `platform` is where the request came in: web, extension, telegram, discord, cli, api.
    """

    platform: str
    user_id: str | None = None
    ip: str | None = None
    # An account whose email is not verified gets the anonymous allowance: its quota is its
    # IP's, shared with anonymous use from there (fresh accounts cannot multiply the quota).
    shares_ip_quota: bool = False
    identity: str | None = None  # the chat user on that platform (bots)
    chat: str | None = None  # the chat or channel the request came from (bots)

    @property
    def burst_subjects(self) -> tuple[str, ...]:
        """Who a burst limit counts against: the client IP (web), the chat user and the chat
        (bots), so no surface is unlimited."""
        subjects = [self.ip] if self.ip else []
        if self.identity:
            subjects.append(f"{self.platform}:{self.identity}")
        if self.chat:
            subjects.append(f"{self.platform}-chat:{self.chat}")
        return tuple(subjects)

    def for_plan(self, premium: bool) -> Caller:
        """Premium belongs to the account, never to an IP: a paying account, verified or
        not, counts on its own."""
        return replace(self, shares_ip_quota=False) if premium else self

    @property
    def quota_key(self) -> str:
        if self.user_id and not (self.shares_ip_quota and self.ip):
            return f"user:{self.user_id}"
        return f"ip:{self.ip or 'unknown'}"


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str | None  # None for an account created by a bot on first use
    password_hash: str | None
    created_at: datetime
    email_verified_at: datetime | None = None
    role: str = "user"  # user | admin
    language: str | None = None  # for mail, when known

    @property
    def verified(self) -> bool:
        return self.email_verified_at is not None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a bearer token stands for: the account, how it signed in, what it may do."""

    user_id: str
    verified: bool = True
    admin: bool = False
    session_id: str | None = None  # set for access tokens (JWT `sid`)
    token_id: str | None = None  # set for a long-lived extension token


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A long-lived, revocable token for the browser extension (stored hashed)."""

    id: str
    user_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """Where a caller stands today."""

    plan: str  # "free" | "premium"
    limit: int
    used: int
    remaining: int
    resets_at: datetime  # next UTC midnight
    premium_until: datetime | None = None
