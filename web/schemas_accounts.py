"""Pydantic models of the account-security bodies (verification, reset, password and email
changes, sign-out, your data, the audit log) and of the operator's API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from web.schemas import AccountOut, EmailVerified, Iso

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


class VerifiedOut(BaseModel):
    email: str | None
    email_verified: EmailVerified


class CountOut(BaseModel):
    ended: int


class AuditEntryOut(BaseModel):
    id: int
    at: Iso
    actor: str
    user_id: str | None
    action: str
    ip: str | None
    request_id: str | None
    details: dict


class AuditList(BaseModel):
    entries: list[AuditEntryOut]


class ExportOut(BaseModel):
    """The rows as `core.usecases.my_data.export` gives them (already JSON-ready)."""

    account: dict
    identities: list[dict]
    threads: list[dict]
    usage: list[dict]
    premium_grants: list[dict]
    billing_records: list[dict]
    extension_tokens: list[dict] = Field(description="Names and dates, never the tokens")
    exported_at: str


class KpiTotalsOut(BaseModel):
    threads: int
    error_rate: float
    quota_rejection_rate: float
    new_accounts: int
    verified_share: float
    paying_accounts: int
    conversion: float
    revenue_cents: dict[str, int] = Field(description="Per currency")
    llm_tokens: int
    llm_cost_usd: float


class KpiOut(BaseModel):
    start: str
    end: str
    days: list[str]
    threads_by_surface: dict[str, list[int]] = Field(description="One count per day")
    threads_by_generator: dict[str, list[int]] = Field(description="One count per day")
    active_identities: list[int] = Field(description="One count per day")
    totals: KpiTotalsOut


class UserLookupOut(AccountOut):
    plan: str
    used_today: int
    limit: int


class PremiumOut(BaseModel):
    premium_until: Iso
