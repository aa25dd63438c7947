"""Pydantic v2 models of the API v1 bodies: request validation, the OpenAPI schemas, and the
one serialisation of every JSON answer (`out(ThreadOut, thread)`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    model_validator,
)

from core.models import (
    MAX_EDITED_POSTS,
    PREMIUM_MAX_POSTS,
    LinkPolicy,
    Mode,
    Numbering,
    NumberingPosition,
    Platform,
    Tone,
    Usage,
)

_STRICT = ConfigDict(extra="forbid")


class ThreadCreate(BaseModel):
    """A URL, an HTML page with its URL (the extension), or pasted text (optionally with the
    URL it came from, used as the thread's link); and the options."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "anyOf": [{"required": ["url"]}, {"required": ["text"]}],
        # both given (as strings; an explicit null is "not given")
        "not": {"required": ["html", "text"],
                "properties": {"html": {"type": "string"}, "text": {"type": "string"}}},
    })
    url: str | None = Field(None, min_length=1, max_length=2048)
    html: str | None = Field(None, min_length=1)
    text: str | None = Field(None, min_length=1)
    mode: Mode = Mode.SUMMARIZE
    numbering: Numbering = Numbering.SLASH
    numbering_position: NumberingPosition = NumberingPosition.SUFFIX
    link: LinkPolicy = LinkPolicy.LAST
    max_posts: StrictInt | None = Field(None, ge=1, le=PREMIUM_MAX_POSTS)
    tone: Tone = Tone.NEUTRAL
    hashtags: StrictInt = Field(0, ge=0, le=3)
    emoji: StrictBool = False
    language: str | None = Field(None, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    platform: Platform = Field(Platform.X, description="The network whose length rules the "
                               "posts follow: x (280 weighted), bluesky (300 graphemes), "
                               "mastodon (500, URLs count 23)")

    @model_validator(mode="after")
    def _one_source(self) -> ThreadCreate:
        if self.html is not None and self.url is None:
            raise ValueError("html needs the page's url")
        if self.text is not None and self.html is not None:
            raise ValueError("send either html (with its url) or text, not both")
        if self.text is None and self.url is None:
            raise ValueError("send a url, an html page with its url, or text")
        return self


class ThreadPatch(BaseModel):
    model_config = _STRICT
    posts: list[str] = Field(min_length=1, max_length=MAX_EDITED_POSTS)


class Credentials(BaseModel):
    model_config = _STRICT
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class TokenCreate(BaseModel):
    model_config = _STRICT
    name: str = Field("Browser extension", min_length=1, max_length=100)


class LinkCode(BaseModel):
    model_config = _STRICT
    code: str = Field(min_length=1, max_length=32, description="The code a bot's /link gave")


class FitIn(BaseModel):
    model_config = _STRICT
    text: str = Field(min_length=1, max_length=2000,
                      description="The body of one over-long post (not a whole article)")
    total: StrictInt = Field(1, ge=1, le=200, description="Posts in the thread, this one included")
    numbering: Numbering = Numbering.SLASH
    numbering_position: NumberingPosition = NumberingPosition.SUFFIX


# ---- responses: the handlers answer `out(Model, domain_object)` ----

# A timestamp as the API has always written it: `datetime.isoformat()` (…+00:00).
Iso = Annotated[datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str)]


def out(model: type[BaseModel], value: Any) -> dict:
    """`value` (a domain object or a dict) as the JSON of `model`: the one serialisation."""
    return model.model_validate(value, from_attributes=True).model_dump(mode="json")



class ErrorDetail(BaseModel):
    code: str
    message: str
    upgrade_url: str | None = None
    resets_at: str | None = None
    limit: int | None = None
    request_id: str | None = None
    fields: list[dict] | None = None
    index: int | None = None
    weighted_length: int | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class PostOut(BaseModel):
    text: str
    weighted_length: int


class SourceOut(BaseModel):
    url: str | None
    title: str | None
    author: str | None
    site_name: str | None
    canonical_url: str | None
    language: str | None
    published: str | None


class OptionsOut(BaseModel):
    mode: Mode
    numbering: Numbering
    numbering_position: NumberingPosition
    link: LinkPolicy
    max_posts: int | None
    tone: Tone
    hashtags: int
    emoji: bool
    language: str | None
    platform: Platform


class WarningOut(BaseModel):
    code: str = Field(description="`long_split`: a split thread past 25 posts")
    message: str


class ThreadOut(BaseModel):
    id: str | None
    posts: list[PostOut]
    generator: str
    fallback_reason: str | None
    warnings: list[WarningOut]
    source: SourceOut
    options: OptionsOut
    created_at: Iso | None
    edited_at: Iso | None
    cached: bool
    version: int = Field(1, description="+1 per saved edit; send it back as `If-Match`")


class ThreadList(BaseModel):
    threads: list[ThreadOut]
    next_before: str | None


# `User.verified` (a domain object) or `email_verified` (a dict) answers as `email_verified`.
EmailVerified = Annotated[bool, Field(validation_alias=AliasChoices("email_verified", "verified"))]


class UserOut(BaseModel):
    id: str
    email: str | None
    email_verified: EmailVerified
    created_at: Iso | None


class AuthOut(BaseModel):
    token: str
    user: UserOut


class UsageOut(BaseModel):
    plan: str
    limit: int
    used: int
    remaining: int
    resets_at: Iso
    premium_until: Iso | None


def usage_out(usage: Usage) -> dict:
    """`out(UsageOut, usage)` written out: the hottest answer (`GET /api/v1/usage`, every
    page load and extension pop-up) in a third of the time, without a validation the use
    case's own `Usage` does not need (tests/web/test_response_shapes.py keeps them equal)."""
    until = usage.premium_until
    return {"plan": usage.plan, "limit": usage.limit, "used": usage.used,
            "remaining": usage.remaining, "resets_at": usage.resets_at.isoformat(),
            "premium_until": until.isoformat() if until is not None else None}


class TokenOut(BaseModel):
    id: str
    name: str
    created_at: Iso
    last_used_at: Iso | None


class TokenCreated(TokenOut):
    token: str = Field(description="The raw token, shown once: `thr_…`")


class TokenList(BaseModel):
    tokens: list[TokenOut]


class ConfigOut(BaseModel):
    billing: bool
    max_text_bytes: int
    max_html_bytes: int
    max_post_length: int


class HealthOut(BaseModel):
    status: str
    checks: dict[str, str] = {}


class IdentityOut(BaseModel):
    platform: str
    external_id: str


class AccountOut(BaseModel):
    """The account as `core.usecases.accounts.get_account` describes it."""

    id: str
    email: str | None
    email_verified: bool
    admin: bool
    created_at: Iso | None
    premium_until: Iso | None
    premium: bool
    identities: list[IdentityOut]


def account_out(account: dict) -> dict:
    """`out(AccountOut, account)` written out for `GET /api/v1/me` (as `usage_out`)."""
    created, until = account["created_at"], account["premium_until"]
    return {"id": account["id"], "email": account["email"],
            "email_verified": account["email_verified"], "admin": account["admin"],
            "created_at": created.isoformat() if created is not None else None,
            "premium_until": until.isoformat() if until is not None else None,
            "premium": account["premium"],
            "identities": [{"platform": i["platform"], "external_id": i["external_id"]}
                           for i in account["identities"]]}


class LinkOut(BaseModel):
    platform: str = Field(description="telegram | discord")
    identity: str = Field(description="The chat account's id on that platform")


class LinkList(BaseModel):
    links: list[LinkOut]


class FitOut(BaseModel):
    posts: list[str] = Field(description="Bodies that each fit once numbered")
