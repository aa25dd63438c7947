"""Sessions: every access token carries a session id (`sid`) checked on each request, so
signing out ends it server-side at once; "sign out everywhere" ends every session and
extension token of the account."""

from __future__ import annotations

from datetime import timedelta

from core.accounts import hash_api_token, is_api_token
from core.errors import Unauthorized
from core.models import ApiToken, Principal, User, is_valid_id
from core.services import Services
from core.usecases import audit

_INVALID = "Your session is not valid. Please sign in again."


async def start(services: Services, user: User, ip: str | None = None) -> str:
    """A new session for `user` and its access token."""
    session_id = await services.records.create_session(user.id, services.clock())
    await audit.record(services, "sign_in", user.id, ip=ip)
    return services.tokens.issue(user.id, session_id)


def _principal(user: User, session_id=None, token_id=None) -> Principal:
    return Principal(user.id, verified=user.verified or user.email is None,
                     admin=user.role == "admin", session_id=session_id, token_id=token_id)


async def principal(services: Services, bearer: str) -> Principal:
    """Who a bearer token stands for: a JWT of a live session, or a live extension token of
    an existing account. `Unauthorized` for anything else (expired, revoked, forged, a
    deleted account)."""
    token = (bearer or "").strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if is_api_token(token):
        if len(token) > 200:
            raise Unauthorized("This extension token is not valid.")
        api_token = await services.store.get_api_token(hash_api_token(token))
        user = await services.store.get_user(api_token.user_id) if api_token else None
        if user is None:
            raise Unauthorized("This extension token is not valid or was revoked.")
        await touch_token(services, api_token)
        return _principal(user, token_id=api_token.id)
    claims = services.tokens.claims(token)
    session_id = claims.get("sid")
    if not is_valid_id(session_id):
        raise Unauthorized(_INVALID)
    user = await services.records.session_user(session_id)
    if user is None or user.id != claims["sub"]:
        raise Unauthorized("You were signed out. Please sign in again.")
    return _principal(user, session_id=session_id)


async def sign_out(services: Services, who: Principal, ip: str | None = None) -> None:
    """End the session this access token belongs to (an extension token: revoke it)."""
    now = services.clock()
    if who.session_id:
        await services.records.revoke_session(who.user_id, who.session_id, now)
    elif who.token_id:
        await services.store.revoke_api_token(who.user_id, who.token_id, now)
    await audit.record(services, "sign_out", who.user_id, ip=ip)


async def sign_out_everywhere(services: Services, user_id: str, ip: str | None = None) -> int:
    """End every session and revoke every extension token of the account; how many."""
    ended = await services.records.revoke_everything(user_id, services.clock())
    await audit.record(services, "sign_out_everywhere", user_id, ip=ip, ended=ended)
    return ended


TOUCH_INTERVAL = timedelta(hours=1)


async def touch_token(services: Services, api_token: ApiToken) -> None:
    """Record `last_used_at`, at most hourly (a write per request would be wasteful)."""
    now = services.clock()
    last = api_token.last_used_at
    if last is None or now - last >= TOUCH_INTERVAL:
        await services.store.touch_api_token(api_token.id, now)
