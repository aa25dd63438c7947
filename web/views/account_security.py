"""Verification, password reset and change, email change, sign-out, your data, your audit
log: each parses its input, calls one use case, formats the answer."""

from __future__ import annotations

import json

from aiohttp import web

from core.usecases import audit, my_data, passwords, sessions, verification
from web.inputs import parse_json, principal, query_int
from web.keys import CLIENT_IP, SERVICES
from web.schemas import AuthOut, out
from web.schemas_accounts import (
    AcceptedOut,
    AuditList,
    CountOut,
    EmailBody,
    EmailChange,
    ExportOut,
    PasswordBody,
    PasswordChange,
    ResetConfirm,
    TokenBody,
    VerifiedOut,
)

RESET_REQUESTED = {
    "status": "accepted",
    "message": "If an account uses this address, a link to reset its password is on its way.",
}


async def verify(request: web.Request) -> web.Response:
    body = await parse_json(request, TokenBody)
    user = await verification.verify_email(request.app[SERVICES], body.token, request[CLIENT_IP])
    return web.json_response(out(VerifiedOut, user))


async def resend_verification(request: web.Request) -> web.Response:
    who = await principal(request, required=True)
    sent = await verification.resend(request.app[SERVICES], who.user_id, request[CLIENT_IP])
    message = "A new link is on its way." if sent else "Your address is already confirmed."
    return web.json_response(out(AcceptedOut, {"status": "sent" if sent else "verified",
                                               "message": message}),
                             status=202 if sent else 200)


async def request_reset(request: web.Request) -> web.Response:
    body = await parse_json(request, EmailBody)
    await passwords.request_reset(request.app[SERVICES], body.email, request[CLIENT_IP])
    return web.json_response(out(AcceptedOut, RESET_REQUESTED), status=202)


async def confirm_reset(request: web.Request) -> web.Response:
    body = await parse_json(request, ResetConfirm)
    user, token = await passwords.confirm_reset(request.app[SERVICES], body.token,
                                                body.password, request[CLIENT_IP])
    return web.json_response(out(AuthOut, {"token": token, "user": user}))


async def change_password(request: web.Request) -> web.Response:
    who = await principal(request, required=True)
    body = await parse_json(request, PasswordChange)
    services = request.app[SERVICES]
    token = await passwords.change_password(services, who.user_id, body.current_password,
                                            body.new_password, request[CLIENT_IP])
    user = await services.store.get_user(who.user_id)
    return web.json_response(out(AuthOut, {"token": token, "user": user}))


async def change_email(request: web.Request) -> web.Response:
    who = await principal(request, required=True)
    body = await parse_json(request, EmailChange)
    await verification.change_email(request.app[SERVICES], who.user_id, body.password,
                                    body.email, request[CLIENT_IP])
    return web.json_response(out(AcceptedOut, {"status": "accepted", "message": (
        "Open the link we sent to the new address to confirm it.")}), status=202)


async def sign_out(request: web.Request) -> web.Response:
    who = await principal(request, required=True)
    await sessions.sign_out(request.app[SERVICES], who, request[CLIENT_IP])
    return web.Response(status=204)


async def sign_out_everywhere(request: web.Request) -> web.Response:
    who = await principal(request, required=True)
    ended = await sessions.sign_out_everywhere(request.app[SERVICES], who.user_id,
                                               request[CLIENT_IP])
    return web.json_response(out(CountOut, {"ended": ended}))


async def export(request: web.Request) -> web.Response:
    who = await principal(request, required=True)
    data = await my_data.export(request.app[SERVICES], who.user_id)
    return web.Response(
        text=json.dumps(out(ExportOut, data), ensure_ascii=False, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="threadr-export.json"'})


async def delete_account(request: web.Request) -> web.Response:
    who = await principal(request, required=True)
    body = await parse_json(request, PasswordBody)
    await my_data.delete_account(request.app[SERVICES], who.user_id, body.password,
                                 request[CLIENT_IP])
    return web.Response(status=204)


async def my_audit(request: web.Request) -> web.Response:
    who = await principal(request, required=True)
    limit = query_int(request, "limit", 50, 1, audit.MAX_PAGE)
    before = query_int(request, "before", 1, 1, 2**62) if "before" in request.query else None
    entries = await audit.list_entries(request.app[SERVICES], who.user_id, limit, before)
    return web.json_response(out(AuditList, {"entries": entries}))
