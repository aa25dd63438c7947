"""The operator's API (`/api/v1/admin/*`) and page (`/admin`). Every admin route is wrapped
by `admin_only` in `web.routes.setup_routes`: 401 without a session, 403 for non-admins."""

from __future__ import annotations

import functools

from aiohttp import web

from core.errors import Forbidden
from core.models import is_valid_id
from core.usecases import admin, audit
from web.inputs import parse_json, principal, query_int
from web.keys import CLIENT_IP, PRINCIPAL, SERVICES
from web.schemas import out
from web.schemas_accounts import AuditList, CountOut, KpiOut, PremiumDays, PremiumOut, UserLookupOut
from web.views.ops import STATIC


def admin_only(handler):
    """The one admin check: a signed-in account with the admin role, via a session."""
    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        who = await principal(request, required=True)
        if not who.admin or who.token_id is not None:
            raise Forbidden("This is for Threadr's operators.")
        return await handler(request)
    return guarded


async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "admin.html", headers={"Cache-Control": "no-cache"})


async def kpis(request: web.Request) -> web.Response:
    days = query_int(request, "days", 14, 1, 366)
    report = await admin.kpis(request.app[SERVICES], days)
    if request.query.get("format", "json") == "csv":
        return web.Response(text=admin.kpis_csv(report), content_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="threadr-kpis-{days}d.csv"'})
    return web.json_response(out(KpiOut, report))


def _user_id(request: web.Request) -> str:
    user_id = request.match_info["user_id"]
    if not is_valid_id(user_id):
        from core.errors import NotFound

        raise NotFound("Account not found.")
    return user_id


async def user(request: web.Request) -> web.Response:
    email = request.query.get("email", "")
    found = await admin.lookup(request.app[SERVICES], email)
    return web.json_response(out(UserLookupOut, found))


async def grant(request: web.Request) -> web.Response:
    body = await parse_json(request, PremiumDays)
    until = await admin.grant_premium(request.app[SERVICES], request[PRINCIPAL].user_id,
                                      _user_id(request), body.days, request[CLIENT_IP])
    return web.json_response(out(PremiumOut, {"premium_until": until}))


async def revoke(request: web.Request) -> web.Response:
    ended = await admin.revoke_premium(request.app[SERVICES], request[PRINCIPAL].user_id,
                                       _user_id(request), request[CLIENT_IP])
    return web.json_response(out(CountOut, {"ended": ended}))


async def audit_log(request: web.Request) -> web.Response:
    limit = query_int(request, "limit", 50, 1, audit.MAX_PAGE)
    before = query_int(request, "before", 1, 1, 2**62) if "before" in request.query else None
    entries = await audit.list_entries(request.app[SERVICES], None, limit, before)
    return web.json_response(out(AuditList, {"entries": entries}))
