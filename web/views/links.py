"""Link codes on the web (POST/GET/DELETE /api/v1/links) and Fit (POST /api/v1/posts/fit)."""

from __future__ import annotations

from aiohttp import web

from core.models import ThreadOptions
from core.text.posts import fit_post
from core.usecases import accounts
from web.inputs import parse_json, user_id
from web.keys import SERVICES
from web.schemas import FitIn, FitOut, LinkCode, LinkList, LinkOut, out


async def redeem(request: web.Request) -> web.Response:
    body = await parse_json(request, LinkCode)
    platform, identity = await accounts.redeem_link_code(request.app[SERVICES],
                                                         user_id(request), body.code)
    return web.json_response(out(LinkOut, {"platform": platform, "identity": identity}))


async def list_links(request: web.Request) -> web.Response:
    links = await accounts.list_links(request.app[SERVICES], user_id(request))
    return web.json_response(out(LinkList, {"links": [
        {"platform": p, "identity": e} for p, e in links]}))


async def unlink(request: web.Request) -> web.Response:
    await accounts.unlink(request.app[SERVICES], user_id(request),
                          request.match_info["platform"])
    return web.Response(status=204)


async def fit(request: web.Request) -> web.Response:
    """One over-long post re-split by the server's rules, as bodies (numbering not included:
    the editor renders it)."""
    body = await parse_json(request, FitIn)
    options = ThreadOptions(numbering=body.numbering, numbering_position=body.numbering_position)
    return web.json_response(out(FitOut, {"posts": fit_post(body.text, options, body.total)}))
