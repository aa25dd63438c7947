"""Pydantic models of the account-security bodies (verification, reset, password and email
changes, sign-out, your data, the audit log) and of the operator's API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt

_STRICT = ConfigDict(extra="forbid")


class TokenBody(BaseModel):
    model_config = _STRICT
    token: str = Field(min_length=1, max_length=200)


class EmailBody(BaseModel):
    model_config = _STRICT
    email: str = Field(min_length=3, max_length=254)


class ResetConfirm(BaseModel):
    model_config = _STRICT
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(BaseModel):
    model_config = _STRICT
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class EmailChange(BaseModel):
    model_config = _STRICT
    password: str = Field(min_length=1, max_length=1024)
    email: str = Field(min_length=3, max_length=254)


class PasswordBody(BaseModel):
    model_config = _STRICT
    password: str = Field(min_length=1, max_length=1024)


class PremiumDays(BaseModel):
    model_config = _STRICT
    days: StrictInt = Field(ge=1, le=3650)


class AcceptedOut(BaseModel):
    status: str
    message: str


class SignedInOut(BaseModel):
    token: str
    user: dict


class VerifiedOut(BaseModel):
    email: str | None
    email_verified: bool


class CountOut(BaseModel):
    ended: int


class AuditEntryOut(BaseModel):
    id: int
    at: str
    actor: str
    user_id: str | None
    action: str
    ip: str | None
    request_id: str | None
    details: dict


class AuditList(BaseModel):
    entries: list[AuditEntryOut]


class ExportOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    account: dict
    identities: list[dict]
    threads: list[dict]
    usage: list[dict]
    premium_grants: list[dict]
    billing_records: list[dict]
    exported_at: str


class KpiOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    start: str
    end: str
    days: list[str]
    totals: dict


class UserLookupOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    email: str | None
    plan: str
    identities: list[dict]


class PremiumOut(BaseModel):
    premium_until: str
