"""Sessions: every access token carries a session id (`sid`) checked on each request, so
signing out ends it server-side at once; "sign out everywhere" ends every session and
extension token of the account.

The check is cached: each account has one entry in the shared `Cache` (`AUTH_TTL` seconds;
Redis when configured, so every process sees it) with the live sessions and extension tokens
seen lately and what the principal needs (verified); an admin's are never cached. An
extension token is found by its hash (`token_key`: its account and id, a hint the account's
entry confirms, so it needs no forgetting of its own). Every change that could make the
entry wrong forgets it (`forget_auth`): a sign-out, "sign out everywhere", a revoked token,
a new password, a changed or verified address, a role change, an account merge, the
account's deletion. Forgetting marks the entry (`FORGOTTEN`) rather than deleting it, and a
check writes its entry only if the entry is still what it read (`cache_swap`): a check that
read the database just before a sign-out or a revocation cannot bring the ended session or
token back after it. A change made while the cache could not be reached (or from a CLI that
shares no cache with the server: no Redis) holds within `AUTH_TTL`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from core.accounts import hash_api_token, is_api_token
from core.counters.base import FORGOTTEN
from core.errors import Unauthorized
from core.models import ApiToken, Principal, User, is_valid_id
from core.services import Services
from core.usecases import audit

log = logging.getLogger("threadr.sessions")
_INVALID = "Your session is not valid. Please sign in again."
AUTH_TTL = 60  # seconds a session check is believed without asking the database
_SESSIONS_KEPT = 16  # live sessions and extension tokens remembered per account


def auth_key(user_id: str) -> str:
    return f"auth:{{user:{user_id}}}"


def account_key(user_id: str) -> str:
    """The account as `GET /api/v1/me` shows it (without the plan), forgotten with `auth_key`."""
    return f"account:{{user:{user_id}}}"


def token_key(token_hash: str) -> str:
    """Whose an extension token is: `user_id|token_id`, believed only if that account's entry
    lists the token (it changes account only in a merge, which forgets both entries)."""
    return f"apitoken:{{{token_hash}}}"


async def forget_auth(services: Services, user_id: str | None) -> None:
    """After a change to the account's sessions, tokens, address, role or identities: the next
    request of each of its sessions and extension tokens is checked against the database
    again (and the account read afresh). Never fails the change itself."""
    if not user_id:
        return
    try:  # not deleted but marked: a check that began before the change cannot refill them
        for key in (auth_key(user_id), account_key(user_id)):
            await services.cache.cache_set(key, FORGOTTEN, AUTH_TTL)
    except Exception:
        log.warning("could not forget a cached session check", exc_info=True)


def _known(raw: bytes | None) -> tuple[bool, bool, list[str]] | None:
    """(verified, admin, live sessions and tokens: `_listed`) from an account's entry; None if
    absent or unreadable."""
    if raw is None or raw == FORGOTTEN:
        return None
    try:
        flags, _, sessions = raw.decode().partition("|")
        return flags[0] == "1", flags[1] == "1", sessions.split(",") if sessions else []
    except (UnicodeDecodeError, IndexError):
        return None


def _listed(who: Principal) -> str:
    """How a live session (its id) or extension token (`t:` and its id) is listed in its
    account's entry."""
    return who.session_id if who.token_id is None else f"t:{who.token_id}"


async def _remember(services: Services, who: Principal, raw: bytes | None,
                    listed: list[str]) -> None:
    """Add this live session or token to the account's entry (`raw`, as read before the
    database was asked)."""
    mine = _listed(who)
    kept = [s for s in listed if s != mine][-(_SESSIONS_KEPT - 1):]
    value = f"{int(who.verified)}{int(who.admin)}|" + ",".join([*kept, mine])
    await _fill(services, auth_key(who.user_id), raw, value.encode())


async def _fill(services: Services, key: str, raw: bytes | None, value: bytes) -> None:
    """Cache `value` unless the entry changed since it was read (`raw`): a sign-out or a
    revocation in between must win."""
    if raw == FORGOTTEN:  # a change since: the database is asked until that entry expires
        return
    try:
        await services.cache.cache_swap(key, raw, value, AUTH_TTL)
    except Exception:  # only a cache: the next request asks the database again
        log.warning("could not cache a session check", exc_info=True)


async def start(services: Services, user: User, ip: str | None = None) -> str:
    """A new session for `user` and its access token."""
    session_id = await services.records.create_session(user.id, services.clock())
    await audit.record(services, "sign_in", user.id, ip=ip)
    return services.tokens.issue(user.id, session_id)


def _principal(user: User, session_id=None, token_id=None) -> Principal:
    return Principal(user.id, verified=user.verified or user.email is None,
                     admin=user.role == "admin", session_id=session_id, token_id=token_id)


@dataclass(frozen=True, slots=True)
class SessionToken:
    """A session's access token whose signature and expiry are checked: whose it is and its
    session, which `check` has yet to find live."""

    user_id: str
    session_id: str


def _bare(bearer: str) -> str:
    token = (bearer or "").strip()
    return token[7:].strip() if token[:7].lower() == "bearer " else token


def session_token(services: Services, bearer: str) -> SessionToken | None:
    """The session token a bearer token is (signature and expiry checked, the session not);
    None for an extension token (`principal` checks those). `Unauthorized` for anything
    else."""
    token = _bare(bearer)
    if is_api_token(token):
        return None
    claims = services.tokens.claims(token)
    session_id = claims.get("sid")
    if not is_valid_id(session_id):
        raise Unauthorized(_INVALID)
    return SessionToken(claims["sub"], session_id)


async def principal(services: Services, bearer: str) -> Principal:
    """Who a bearer token stands for: a JWT of a live session, or a live extension token of
    an existing account. `Unauthorized` for anything else (expired, revoked, forged, a
    deleted account)."""
    session = session_token(services, bearer)
    if session is None:
        return await _extension_principal(services, _bare(bearer))
    return await check(services, session,
                       await services.cache.cache_get(auth_key(session.user_id)))


async def _extension_principal(services: Services, token: str) -> Principal:
    """A live extension token: from the cache when its account's entry lists it (two reads:
    whose it is, then that account's entry), else from the database."""
    if len(token) > 200:
        raise Unauthorized("This extension token is not valid.")
    token_hash = hash_api_token(token)
    owner_raw = await services.cache.cache_get(token_key(token_hash))
    owner = _owner(owner_raw)
    raw = known = None
    if owner is not None:
        raw = await services.cache.cache_get(auth_key(owner[0]))
        known = _known(raw)
        if known is not None and f"t:{owner[1]}" in known[2]:
            return Principal(owner[0], verified=known[0], admin=known[1], token_id=owner[1])
    api_token = await services.store.get_api_token(token_hash)
    user = await services.store.get_user(api_token.user_id) if api_token else None
    if user is None:
        raise Unauthorized("This extension token is not valid or was revoked.")
    await touch_token(services, api_token)
    who = _principal(user, token_id=api_token.id)
    if who.admin:  # an operator is checked every time
        return who
    if owner == (user.id, api_token.id):  # the entry read above is this account's
        await _remember(services, who, raw, known[2] if known else [])
    else:  # first seen lately, or moved by a merge: next time, the account's entry
        await _fill(services, token_key(token_hash), owner_raw,
                    f"{user.id}|{api_token.id}".encode())
    return who


def _owner(raw: bytes | None) -> tuple[str, str] | None:
    """(user_id, token_id) from a `token_key` entry; None if absent or unreadable."""
    user_id, bar, token_id = (raw or b"").decode(errors="replace").partition("|")
    return (user_id, token_id) if bar and is_valid_id(user_id) and is_valid_id(token_id) else None


async def check(services: Services, session: SessionToken, raw: bytes | None) -> Principal:
    """Whether `session` is live, from its account's entry (`auth_key`, read by the caller:
    `principal`, or a use case reading what it needs of the account in the same round
    trip), else from the database. `Unauthorized` if it ended: nothing read with the entry
    may then be used."""
    known = _known(raw)
    if known is not None and session.session_id in known[2]:
        return Principal(session.user_id, verified=known[0], admin=known[1],
                         session_id=session.session_id)
    user = await services.records.session_user(session.session_id)
    if user is None or user.id != session.user_id:
        raise Unauthorized("You were signed out. Please sign in again.")
    who = _principal(user, session_id=session.session_id)
    if not who.admin:  # an operator is checked every time: a revoked role ends at once
        await _remember(services, who, raw, known[2] if known else [])
    return who


async def sign_out(services: Services, who: Principal, ip: str | None = None) -> None:
    """End the session this access token belongs to (an extension token: revoke it)."""
    now = services.clock()
    if who.session_id:
        await services.records.revoke_session(who.user_id, who.session_id, now)
        await forget_auth(services, who.user_id)
    elif who.token_id:
        await services.store.revoke_api_token(who.user_id, who.token_id, now)
        await forget_auth(services, who.user_id)
    await audit.record(services, "sign_out", who.user_id, ip=ip)


async def sign_out_everywhere(services: Services, user_id: str, ip: str | None = None) -> int:
    """End every session and revoke every extension token of the account; how many."""
    ended = await services.records.revoke_everything(user_id, services.clock())
    await forget_auth(services, user_id)
    await audit.record(services, "sign_out_everywhere", user_id, ip=ip, ended=ended)
    return ended


TOUCH_INTERVAL = timedelta(hours=1)


async def touch_token(services: Services, api_token: ApiToken) -> None:
    """Record `last_used_at`, at most hourly (a write per request would be wasteful)."""
    now = services.clock()
    last = api_token.last_used_at
    if last is None or now - last >= TOUCH_INTERVAL:
        await services.store.touch_api_token(api_token.id, now)
