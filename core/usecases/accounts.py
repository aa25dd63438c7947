"""Account use cases: sign-up, sign-in, authentication, extension tokens, bot identities and
link codes, the account page and usage. Each takes the `Services` first.

Password hashing is CPU-bound (argon2id, tens of ms) and runs in a worker thread so the
event loop keeps serving other requests.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.accounts import (
    LINK_CODE_TTL,
    check_password,
    hash_api_token,
    hash_link_code,
    is_api_token,
    new_api_token,
    new_link_code,
    normalize_email,
)
from core.errors import InvalidCredentials, InvalidInput, InvalidLinkCode, NotFound, Unauthorized
from core.models import ApiToken, Usage, User, is_valid_id
from core.services import Services

LINKABLE = ("telegram", "discord")
DEFAULT_TOKEN_NAME = "Browser extension"
MAX_TOKEN_NAME = 100
TOUCH_INTERVAL = timedelta(hours=1)


async def register(
    services: Services, email: str, password: str, ip: str | None = None
) -> tuple[User, str]:
    """Create an account with email + password; returns it and an access token.

    Burst-limited per IP like login (argon2 work is the costly part of both).
    Raises `RateLimited`, `InvalidInput` (bad email or password) or `EmailTaken`.
    """
    if ip:
        await services.quotas.check_burst(ip, "login")
    address = normalize_email(email)
    check_password(password, address)
    password_hash = await asyncio.to_thread(services.passwords.hash, password)
    user = await services.store.create_user(address, password_hash)
    return user, services.tokens.issue(user.id)


async def login(services: Services, email: str, password: str, ip: str | None) -> tuple[User, str]:
    """Check email + password (burst-limited per IP); returns the user and an access token.

    An unknown email costs the same argon2 work as a wrong password, so timing does not tell
    whether an account exists. Raises `RateLimited` or `InvalidCredentials`.
    """
    await services.quotas.check_burst(ip, "login")
    passwords = services.passwords
    try:
        address = normalize_email(email)
    except InvalidInput:
        address = None
    user = await services.store.get_user_by_email(address) if address else None
    if user is None or not user.password_hash or not isinstance(password, str):
        await asyncio.to_thread(passwords.dummy_verify, str(password))
        raise InvalidCredentials()
    if not await asyncio.to_thread(passwords.verify, user.password_hash, password):
        raise InvalidCredentials()
    if passwords.needs_rehash(user.password_hash):
        await _rehash(services, user, password)
    return user, services.tokens.issue(user.id)


async def _rehash(services: Services, user: User, password: str) -> None:
    """Upgrade an old hash when the store supports it (not part of the Store contract yet)."""
    new_hash = await asyncio.to_thread(services.passwords.hash, password)
    await services.store.set_password_hash(user.id, new_hash)


async def authenticate(services: Services, bearer: str) -> str:
    """The user id behind a bearer token: a JWT access token or a `thr_…` extension token.

    Raises `Unauthorized` for anything else (expired, revoked, forged, malformed).
    """
    token = (bearer or "").strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if is_api_token(token):
        if len(token) > 200:
            raise Unauthorized("This extension token is not valid.")
        api_token = await services.store.get_api_token(hash_api_token(token))
        if api_token is None:
            raise Unauthorized("This extension token is not valid or was revoked.")
        await _touch(services, api_token)
        return api_token.user_id
    user_id = services.tokens.verify(token)
    if not is_valid_id(user_id) or await services.store.get_user(user_id) is None:
        raise Unauthorized("This account no longer exists.")  # deleted after the JWT was issued
    return user_id


async def _touch(services: Services, api_token: ApiToken) -> None:
    """Record `last_used_at`, at most hourly (a write per request would be wasteful)."""
    now = services.clock()
    last = api_token.last_used_at
    if last is None or now - last >= TOUCH_INTERVAL:
        await services.store.touch_api_token(api_token.id, now)


async def issue_extension_token(
    services: Services, user_id: str, name: str | None
) -> tuple[ApiToken, str]:
    """A new long-lived extension token; the raw `thr_…` value is returned once, stored hashed."""
    label = (name or "").strip()[:MAX_TOKEN_NAME] or DEFAULT_TOKEN_NAME
    raw, token_hash = new_api_token()
    token = await services.store.create_api_token(user_id, label, token_hash)
    return token, raw


async def list_extension_tokens(services: Services, user_id: str) -> list[ApiToken]:
    """The user's live extension tokens (never their raw values): revoked ones are history."""
    return [t for t in await services.store.list_api_tokens(user_id) if t.revoked_at is None]


async def revoke_token(services: Services, user_id: str, token_id: str) -> bool:
    """Revoke one of the user's extension tokens; `NotFound` if it is not theirs."""
    if not is_valid_id(token_id) or not await services.store.revoke_api_token(user_id, token_id, services.clock()):
        raise NotFound("Token not found.")
    return True


async def identity_user(services: Services, platform: str, external_id: str) -> str:
    """The account behind a Telegram/Discord identity, created on first use."""
    return await services.store.user_for_identity(platform, str(external_id))


async def create_link_code(services: Services, platform: str, external_id: str) -> str:
    """A one-time code (valid 10 minutes) that joins this bot identity to a web account."""
    code, code_hash = new_link_code()
    expires = services.clock() + LINK_CODE_TTL
    await services.store.create_link_code(code_hash, platform, str(external_id), expires)
    return code


async def redeem_link_code(services: Services, user_id: str, code: str) -> tuple[str, str]:
    """Join the identity the code was made for to `user_id` (web page and bots' `/link CODE`).
    An account the identity already had is merged in one transaction: history, tokens and
    premium move, premium time adds up. From then on quota and premium are shared.
    Returns (platform, external_id); `InvalidLinkCode` or `IdentityLinkedElsewhere`."""
    now = services.clock()
    found = await services.store.consume_link_code(hash_link_code(code), now)
    if found is None:
        raise InvalidLinkCode()
    platform, external_id = found
    await services.store.merge_identity(platform, external_id, user_id, now)
    return platform, external_id


async def list_links(services: Services, user_id: str) -> list[tuple[str, str]]:
    """The chat identities (platform, external id) joined to this account."""
    return [(p, e) for p, e in await services.store.list_identities(user_id)
            if p in LINKABLE]


async def unlink(services: Services, user_id: str, platform: str) -> None:
    """Detach this account's identity on `platform`; it starts a fresh account on next use."""
    if platform not in LINKABLE or not await services.store.unlink_identity(user_id, platform):
        raise NotFound("No linked account on that platform.")


async def get_account(services: Services, user_id: str) -> dict:
    """id, email, created_at, premium_until (datetime or None), premium, identities."""
    user = await services.store.get_user(user_id)
    if user is None:
        raise NotFound("Account not found.")
    premium_until = await services.store.premium_until(user_id, services.clock())
    identities = await services.store.list_identities(user_id)
    return {
        "id": user.id,
        "email": user.email,
        "created_at": user.created_at,
        "premium_until": premium_until,
        "premium": premium_until is not None,
        "identities": [{"platform": p, "external_id": e} for p, e in identities],
    }


async def usage(services: Services, quota_key: str, user_id: str | None) -> Usage:
    """Where this identity stands today: plan, limit, used, remaining, reset time."""
    premium_until = None
    if user_id:
        premium_until = await services.store.premium_until(user_id, services.clock())
    return await services.quotas.usage(quota_key, premium_until)
