"""Link codes on the web (POST/GET/DELETE /api/v1/links) and Fit (POST /api/v1/posts/fit)."""

from __future__ import annotations

from aiohttp import web

from core.models import ThreadOptions
from core.text.posts import fit_post
from core.usecases import accounts
from web.inputs import current_user, parse_json
from web.keys import SERVICES
from web.schemas import FitIn, LinkCode


def _link_json(platform: str, identity: str) -> dict:
    return {"platform": platform, "identity": identity}


async def redeem(request: web.Request) -> web.Response:
    user_id = await current_user(request, required=True)
    body = await parse_json(request, LinkCode)
    platform, identity = await accounts.redeem_link_code(request.app[SERVICES], user_id,
                                                         body.code)
    return web.json_response(_link_json(platform, identity))


async def list_links(request: web.Request) -> web.Response:
    user_id = await current_user(request, required=True)
    links = await accounts.list_links(request.app[SERVICES], user_id)
    return web.json_response({"links": [_link_json(p, e) for p, e in links]})


async def unlink(request: web.Request) -> web.Response:
    user_id = await current_user(request, required=True)
    await accounts.unlink(request.app[SERVICES], user_id, request.match_info["platform"])
    return web.Response(status=204)


async def fit(request: web.Request) -> web.Response:
    """One over-long post re-split by the server's rules, as bodies (numbering not included:
    the editor renders it)."""
    body = await parse_json(request, FitIn)
    options = ThreadOptions(numbering=body.numbering, numbering_position=body.numbering_position)
    return web.json_response({"posts": fit_post(body.text, options, body.total)})
