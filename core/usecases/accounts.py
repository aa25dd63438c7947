"""Account use cases: sign-up, sign-in, authentication, extension tokens, bot identities and
link codes, the account page and usage. Each takes the `Services` first.

Password hashing is CPU-bound (argon2id, tens of ms) and runs in a worker thread so the
event loop keeps serving other requests.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import datetime

from core.accounts import (
    LINK_CODE_TTL,
    check_password,
    hash_link_code,
    new_api_token,
    new_link_code,
    normalize_email,
)
from core.counters.base import FORGOTTEN
from core.errors import EmailTaken, InvalidCredentials, InvalidInput, InvalidLinkCode, NotFound
from core.models import ApiToken, Caller, Principal, Usage, User, is_valid_id
from core.services import Services
from core.usecases import audit, sessions, verification
from core.usecases.premium import (  # noqa: F401 (re-export)
    PremiumStatus,
    forget_plan,
    plan_from,
    plan_key,
    premium_status,
)

LINKABLE = ("telegram", "discord")
DEFAULT_TOKEN_NAME = "Browser extension"
MAX_TOKEN_NAME = 100


async def register(
    services: Services, email: str, password: str, ip: str | None = None,
    language: str | None = None,
) -> None:
    """Create an account with email + password and mail it a verification link.

    The answer is the same whether or not the address already has an account (its owner is
    mailed instead), so registration does not reveal who uses Threadr; the person then signs
    in with `login`. Burst-limited per IP like login (argon2 work is the costly part of both).
    Raises `RateLimited` or `InvalidInput` (bad email or password).
    """
    if ip:
        await services.quotas.check_burst(ip, "login")
    address = normalize_email(email)
    check_password(password, address)
    password_hash = await asyncio.to_thread(services.passwords.hash, password)
    try:
        user = await services.store.create_user(address, password_hash)
    except EmailTaken:
        services.mail.later(verification.notify_account_exists(services, address),
                            "account_exists")
        return
    language = _language(language)
    if language:
        await services.records.set_language(user.id, language)
        user = replace(user, language=language)
    await audit.record(services, "registered", user.id, ip=ip)
    services.mail.later(verification.send_verification(services, user), "verification")


def _language(value: str | None) -> str | None:
    """`fr` from `fr-CA,fr;q=0.9,en;q=0.8` (an Accept-Language header), else None."""
    tag = (value or "").split(",")[0].split(";")[0].split("-")[0].strip().lower()
    return tag if 2 <= len(tag) <= 3 and tag.isascii() and tag.isalpha() else None


async def login(services: Services, email: str, password: str, ip: str | None) -> tuple[User, str]:
    """Check email + password (burst-limited per IP); returns the user and an access token
    for a new session.

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
        await audit.record(services, "sign_in_failed", user.id, ip=ip)
        raise InvalidCredentials()
    if passwords.needs_rehash(user.password_hash):
        await _rehash(services, user, password)
    return user, await sessions.start(services, user, ip)


async def _rehash(services: Services, user: User, password: str) -> None:
    """Upgrade an old hash when the store supports it (not part of the Store contract yet)."""
    new_hash = await asyncio.to_thread(services.passwords.hash, password)
    await services.store.set_password_hash(user.id, new_hash)


async def authenticate(services: Services, bearer: str) -> str:
    """The user id behind a bearer token (see `sessions.principal`); `Unauthorized` else."""
    return (await sessions.principal(services, bearer)).user_id


async def issue_extension_token(
    services: Services, user_id: str, name: str | None, ip: str | None = None
) -> tuple[ApiToken, str]:
    """A new long-lived extension token; the raw `thr_…` value is returned once, stored hashed."""
    label = (name or "").strip()[:MAX_TOKEN_NAME] or DEFAULT_TOKEN_NAME
    raw, token_hash = new_api_token()
    token = await services.store.create_api_token(user_id, label, token_hash)
    await audit.record(services, "token_issued", user_id, ip=ip, token_id=token.id, name=label)
    return token, raw


async def list_extension_tokens(services: Services, user_id: str) -> list[ApiToken]:
    """The user's live extension tokens (never their raw values): revoked ones are history."""
    return [t for t in await services.store.list_api_tokens(user_id) if t.revoked_at is None]


async def revoke_token(
    services: Services, user_id: str, token_id: str, ip: str | None = None
) -> bool:
    """Revoke one of the user's extension tokens; `NotFound` if it is not theirs."""
    if not is_valid_id(token_id) or not await services.store.revoke_api_token(
            user_id, token_id, services.clock()):
        raise NotFound("Token not found.")
    await sessions.forget_auth(services, user_id)  # a cached check of it ends now
    await audit.record(services, "token_revoked", user_id, ip=ip, token_id=token_id)
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
    kept = await services.store.merge_identity(platform, external_id, user_id, now)
    # the merged account's premium, identities and tokens are the surviving one's now
    await forget_plan(services, user_id, kept)
    for merged in {user_id, kept}:
        await sessions.forget_auth(services, merged)
    await audit.record(services, "identity_linked", user_id, platform=platform,
                       external_id=external_id)
    return platform, external_id


async def list_links(services: Services, user_id: str) -> list[tuple[str, str]]:
    """The chat identities (platform, external id) joined to this account."""
    return [(p, e) for p, e in await services.store.list_identities(user_id)
            if p in LINKABLE]


async def unlink(services: Services, user_id: str, platform: str) -> None:
    """Detach this account's identity on `platform`; it starts a fresh account on next use."""
    if platform not in LINKABLE or not await services.store.unlink_identity(user_id, platform):
        raise NotFound("No linked account on that platform.")
    await sessions.forget_auth(services, user_id)


async def get_account(services: Services, user_id: str) -> dict:
    """id, email, created_at, premium_until (datetime or None), premium, identities."""
    account = await _account_from(services, user_id,
                                  await services.cache.cache_get(sessions.account_key(user_id)))
    return _with_plan(account, await premium_status(services, user_id))


async def signed_in_account(services: Services,
                            session: sessions.SessionToken) -> tuple[Principal, dict]:
    """`get_account` for a session's token, with its session check: the check's entry, the
    account's and the plan's in one round trip. Nothing read is used unless the session is
    live (`Unauthorized` otherwise, as `sessions.principal`)."""
    user_id = session.user_id
    _, (raw, account, plan) = await services.quotas.used_with(
        (), (sessions.auth_key(user_id), sessions.account_key(user_id), plan_key(user_id)))
    who = await sessions.check(services, session, raw)
    return who, _with_plan(await _account_from(services, user_id, account),
                           await plan_from(services, user_id, plan))


def _with_plan(account: dict, premium: PremiumStatus) -> dict:
    return {**account, "premium_until": premium.until, "premium": premium.active}


async def _account_from(services: Services, user_id: str, raw: bytes | None) -> dict:
    """The account without its plan from its cache entry (`raw`, read by the caller:
    `sessions.account_key`, forgotten with the session checks by every change of address,
    role or identities, `AUTH_TTL`), else from the database (then cached)."""
    if raw is not None:
        try:
            cached = json.loads(raw)
            return {**cached, "created_at": datetime.fromisoformat(cached["created_at"])}
        except (ValueError, KeyError, TypeError):
            pass
    user = await services.store.get_user(user_id)
    if user is None:
        raise NotFound("Account not found.")
    identities = await services.store.list_identities(user_id)
    account = {
        "id": user.id,
        "email": user.email,
        "email_verified": user.verified,
        "admin": user.role == "admin",
        "created_at": user.created_at,
        "identities": [{"platform": p, "external_id": e} for p, e in identities],
    }
    if raw != FORGOTTEN:  # forgotten by a change: no refill until that entry expires
        value = json.dumps({**account, "created_at": user.created_at.isoformat()}).encode()
        await services.cache.cache_swap(sessions.account_key(user_id), raw, value,
                                        sessions.AUTH_TTL)
    return account


async def usage(services: Services, quota_key: str, user_id: str | None) -> Usage:
    """Where this identity stands today: plan, limit, used, remaining, reset time. One round
    trip to the counters (the plan's cache entry and the day's counts); the database only
    when the plan is not cached."""
    if not user_id:
        return await services.quotas.usage(quota_key, None)
    (here, on_account), (plan,) = await services.quotas.used_with(
        [quota_key, _account_quota(user_id)], [plan_key(user_id)])
    return await _usage_from(services, user_id, here, on_account, plan)


async def signed_in_usage(services: Services, session: sessions.SessionToken,
                          ip: str | None) -> tuple[Principal, Usage]:
    """`usage` for a session's token, with its session check: the check's entry, the plan
    and the day's counts in one round trip. Both identities the quota may count on are read
    (an unverified account shares its IP's quota, and only the check says whether it is
    verified). Nothing read is used unless the session is live (`Unauthorized` otherwise,
    as `sessions.principal`)."""
    user_id = session.user_id
    on_ip = Caller(platform="web", user_id=user_id, ip=ip, shares_ip_quota=True).quota_key
    (shared, on_account), (raw, plan) = await services.quotas.used_with(
        [on_ip, _account_quota(user_id)], [sessions.auth_key(user_id), plan_key(user_id)])
    who = await sessions.check(services, session, raw)
    here = on_account if who.verified else shared
    return who, await _usage_from(services, user_id, here, on_account, plan)


def _account_quota(user_id: str) -> str:
    return Caller(platform="web", user_id=user_id).quota_key


async def _usage_from(services: Services, user_id: str, here: int, on_account: int,
                      plan: bytes | None) -> Usage:
    """The usage from today's counts (`here`: on the caller's quota key) and the plan's
    cache entry, read by the caller."""
    premium = await plan_from(services, user_id, plan)
    # premium counts on the account, never on an IP
    return services.quotas.usage_of(on_account if premium.active else here, premium.until)
