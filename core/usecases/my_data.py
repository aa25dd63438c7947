"""Your data: an export of everything Threadr keeps about an account (no secrets), and
deletion of the account with its data in one transaction (the books keep anonymised
amounts and dates)."""

from __future__ import annotations

from datetime import datetime

from core.errors import NotFound
from core.services import Services
from core.usecases import audit
from core.usecases.premium import forget_plan
from core.usecases.sessions import forget_auth
from core.usecases.verification import confirm_password


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


async def export(services: Services, user_id: str) -> dict:
    """The account, identities, threads, usage, premium grants, billing records and
    extension tokens (names and dates, never values or hashes), as JSON-ready data."""
    if services.usage is not None:
        await services.usage.flush()  # the last second's usage records are still buffered
    data = await services.records.export(user_id)
    if data["account"] is None:
        raise NotFound("Account not found.")
    data["exported_at"] = services.clock()
    return _jsonable(data)


async def delete_account(
    services: Services, user_id: str, password: str, ip: str | None = None
) -> None:
    """Delete the account (password required) and everything that belongs to it."""
    await confirm_password(services, user_id, password, ip)
    if services.usage is not None:
        await services.usage.flush()  # buffered records of this account are anonymised too
    entry = audit.entry(services, "account_deleted", user_id, ip=ip)
    if not await services.records.delete_account(user_id, entry):
        raise NotFound("Account not found.")
    await forget_plan(services, user_id)
    await forget_auth(services, user_id)
