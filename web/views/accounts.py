"""Sign-up, sign-in, the account, extension tokens and usage."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from core.errors import Forbidden
from core.usecases import accounts
from core.usecases.sessions import SessionToken
from web.inputs import caller, parse_json, principal, user_id
from web.keys import CLIENT_IP, PREFETCHED, SERVICES
from web.schemas import (
    AuthOut,
    Credentials,
    TokenCreate,
    TokenCreated,
    TokenList,
    account_out,
    out,
    usage_out,
)
from web.schemas_accounts import AcceptedOut

REGISTERED = {
    "status": "registered",
    "message": "Check your inbox to confirm your address, then sign in with your password.",
}


async def register(request: web.Request) -> web.Response:
    """The same answer whether or not the address had an account (its owner is mailed)."""
    body = await parse_json(request, Credentials)
    await accounts.register(request.app[SERVICES], body.email, body.password,
                            request[CLIENT_IP], request.headers.get("Accept-Language"))
    return web.json_response(out(AcceptedOut, REGISTERED), status=202)


async def login(request: web.Request) -> web.Response:
    body = await parse_json(request, Credentials)
    user, token = await accounts.login(request.app[SERVICES], body.email, body.password,
                                       request[CLIENT_IP])
    return web.json_response(out(AuthOut, {"token": token, "user": user}))


async def me(request: web.Request) -> web.Response:
    account = request.get(PREFETCHED)  # by `signed_in_account`
    if account is None:
        account = await accounts.get_account(request.app[SERVICES], user_id(request))
    return web.json_response(account_out(account))


async def signed_in_account(request: web.Request, session: SessionToken):
    """`me`'s prefetch (`web.routing.Route.prefetch`)."""
    return await accounts.signed_in_account(request.app[SERVICES], session)


async def create_token(request: web.Request) -> web.Response:
    who = await principal(request, required=True)
    if who.token_id is not None:  # a leaked extension token must not outlive its revocation
        raise Forbidden("Sign in with your password to issue extension tokens.")
    body = await parse_json(request, TokenCreate)
    token, raw = await accounts.issue_extension_token(request.app[SERVICES], who.user_id,
                                                      body.name, request[CLIENT_IP])
    return web.json_response(out(TokenCreated, {**asdict(token), "token": raw}), status=201)


async def list_tokens(request: web.Request) -> web.Response:
    tokens = await accounts.list_extension_tokens(request.app[SERVICES], user_id(request))
    return web.json_response(out(TokenList, {"tokens": tokens}))


async def revoke_token(request: web.Request) -> web.Response:
    await accounts.revoke_token(request.app[SERVICES], user_id(request),
                                request.match_info["token_id"], request[CLIENT_IP])
    return web.Response(status=204)


async def usage(request: web.Request) -> web.Response:
    result = request.get(PREFETCHED)  # by `signed_in_usage`
    if result is None:
        who = await caller(request)
        result = await accounts.usage(request.app[SERVICES], who.quota_key, who.user_id)
    return web.json_response(usage_out(result))


async def signed_in_usage(request: web.Request, session: SessionToken):
    """`usage`'s prefetch (`web.routing.Route.prefetch`)."""
    return await accounts.signed_in_usage(request.app[SERVICES], session, request[CLIENT_IP])
