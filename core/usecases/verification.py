"""Email verification and change of address: a single-use link (`PUBLIC_URL/verify?token=…`,
valid 24 h, stored hashed). Until verified, an account works with the anonymous allowance."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.accounts import hash_api_token, new_mail_token, normalize_email
from core.errors import EmailTaken, InvalidCredentials, InvalidInput, InvalidToken, NotFound
from core.mail.render import render
from core.models import User
from core.services import Services
from core.usecases import audit
from core.usecases.sessions import forget_auth

VERIFY_TTL = timedelta(hours=24)
MAX_TOKEN = 200


def link(services: Services, page: str, raw_token: str) -> str:
    return f"{services.settings.public_url.rstrip('/')}/{page}?token={raw_token}"


def token_hash(token: object) -> str:
    """The stored hash of a token a person brought back; `InvalidToken` for junk."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        raise InvalidToken()
    return hash_api_token(token.strip())


async def send_verification(services: Services, user: User, address: str | None = None) -> None:
    """Mail a verification link for `address` (default: the account's own address)."""
    address = address or user.email
    raw, hashed = new_mail_token()
    now = services.clock()
    await services.records.create_mail_token(hashed, user.id, "verify", address, now,
                                             now + VERIFY_TTL)
    kind = "verify" if address == user.email else "confirm_email"
    services.mail.submit(render(kind, address, user.language, email=address,
                                link=link(services, "verify", raw),
                                hours=int(VERIFY_TTL.total_seconds() // 3600)))


async def notify_account_exists(services: Services, address: str) -> None:
    """Someone registered with an address that has an account: tell its owner, once."""
    owner = await services.store.get_user_by_email(address)
    if owner is None:
        return
    base = services.settings.public_url.rstrip("/")
    services.mail.submit(render("account_exists", address, owner.language, email=address,
                                sign_in=f"{base}/#account", reset=f"{base}/reset"))


async def verify_email(services: Services, token: str, ip: str | None = None) -> User:
    """Use a verification link: the address is verified (a changed address takes effect).
    `InvalidToken` when unknown, used or expired; `EmailTaken` if another account took it."""
    now = services.clock()
    found = await services.records.consume_mail_token(token_hash(token), "verify", now)
    if found is None:
        raise InvalidToken()
    user_id, address = found
    user = await services.store.get_user(user_id)
    if user is None:
        raise InvalidToken()
    if not await services.records.set_email(user_id, address, now):
        raise EmailTaken()
    await forget_auth(services, user_id)  # verified now
    if address != user.email:
        await audit.record(services, "email_changed", user_id, ip=ip, old=user.email,
                           new=address)
    else:
        await audit.record(services, "email_verified", user_id, ip=ip)
    return await services.store.get_user(user_id)


async def resend(services: Services, user_id: str, ip: str | None = None) -> bool:
    """Send a new verification link; False when the address is already verified."""
    await services.quotas.check_burst(f"verify:{user_id}", "mail")
    user = await services.store.get_user(user_id)
    if user is None or not user.email:
        raise NotFound("Account not found.")
    if user.verified:
        return False
    await send_verification(services, user)
    return True


async def confirm_password(services: Services, user_id: str, password: str,
                           ip: str | None) -> User:
    """The account, once its password is confirmed (burst-limited per IP like login): the
    gate of every change that needs the current password."""
    await services.quotas.check_burst(ip, "login")
    user = await services.store.get_user(user_id)
    if user is None:
        raise NotFound("Account not found.")
    if not user.password_hash or not isinstance(password, str) or not await asyncio.to_thread(
            services.passwords.verify, user.password_hash, password):
        raise InvalidCredentials("Your current password is not correct.")
    return user


async def change_email(
    services: Services, user_id: str, password: str, new_email: str, ip: str | None = None
) -> None:
    """Ask for a new address: it takes effect once its verification link is used. When the
    address belongs to another account, that owner is told instead (same answer here)."""
    user = await confirm_password(services, user_id, password, ip)
    address = normalize_email(new_email)
    if address == user.email:
        raise InvalidInput("This is already your address.")
    await audit.record(services, "email_change_requested", user_id, ip=ip, new=address)
    if await services.store.get_user_by_email(address) is not None:
        await notify_account_exists(services, address)
        return
    await send_verification(services, user, address)
