"""Password reset by mail (no enumeration: the same answer whether the account exists) and
change of password. A new password ends every session and extension token of the account."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.accounts import check_password, new_mail_token, normalize_email
from core.errors import InvalidToken
from core.mail.render import render
from core.models import User
from core.services import Services
from core.usecases import audit, sessions
from core.usecases.verification import confirm_password, link, token_hash

RESET_TTL = timedelta(minutes=30)


async def request_reset(services: Services, email: str, ip: str | None = None) -> None:
    """Mail a reset link if the address has an account. The look-up and the mail happen after
    the answer, so neither the answer nor its timing tells whether the account exists."""
    await services.quotas.check_burst(ip, "login")
    address = normalize_email(email)
    services.mail.later(_mail_reset(services, address, ip), "password_reset")


async def _mail_reset(services: Services, address: str, ip: str | None) -> None:
    await services.quotas.check_burst(f"reset:{address}", "mail")  # no mail bombing
    user = await services.store.get_user_by_email(address)
    if user is None:
        return
    raw, hashed = new_mail_token()
    now = services.clock()
    await services.records.create_mail_token(hashed, user.id, "reset", address, now,
                                             now + RESET_TTL)
    await audit.record(services, "password_reset_requested", user.id, ip=ip)
    services.mail.submit(render("reset", address, user.language, email=address,
                                link=link(services, "reset", raw),
                                minutes=int(RESET_TTL.total_seconds() // 60)))


async def _set_password(services: Services, user_id: str, new_hash: str) -> None:
    now = services.clock()
    await services.store.set_password_hash(user_id, new_hash)
    await services.records.retire_mail_tokens(user_id, "reset", now)
    await services.records.revoke_everything(user_id, now)
    await sessions.forget_auth(services, user_id)


async def confirm_reset(
    services: Services, token: str, password: str, ip: str | None = None
) -> tuple[User, str]:
    """Set a new password with a reset link's token (once, within 30 minutes); every session
    and token of the account is revoked; returns the account and a fresh access token.
    `InvalidInput` for a password that breaks the rules (the link stays usable),
    `InvalidToken` for an unknown, used or expired token."""
    hashed = token_hash(token)
    live = await services.records.mail_token(hashed, "reset", services.clock())
    if live is None:
        raise InvalidToken()
    check_password(password, live[1])
    new_hash = await asyncio.to_thread(services.passwords.hash, password)
    found = await services.records.consume_mail_token(hashed, "reset", services.clock())
    user = await services.store.get_user(found[0]) if found else None
    if user is None:
        raise InvalidToken()
    await _set_password(services, user.id, new_hash)
    await audit.record(services, "password_reset_completed", user.id, ip=ip)
    if not user.verified and user.email == found[1]:  # the mail reached its owner
        await services.records.set_email(user.id, user.email, services.clock())
        await sessions.forget_auth(services, user.id)
    return user, await sessions.start(services, user, ip)


async def change_password(
    services: Services, user_id: str, current: str, new: str, ip: str | None = None
) -> str:
    """Replace the password (the current one is required); other sessions end; returns a
    new access token for this one."""
    user = await confirm_password(services, user_id, current, ip)
    check_password(new, user.email)
    new_hash = await asyncio.to_thread(services.passwords.hash, new)
    await _set_password(services, user_id, new_hash)
    await audit.record(services, "password_changed", user_id, ip=ip)
    return await sessions.start(services, user, ip)
