"""Publishing doors: destinations (connect X / Bluesky / Mastodon, list, remove) and
publications (publish a thread now or at a time, follow it, cancel it).

The OAuth callbacks are where the network sends the person's browser back: they carry no
bearer token (the `state` names the account) and redirect to the account page.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import AliasChoices, AwareDatetime, BaseModel, ConfigDict, Field

from core.usecases import destinations as dest_uc
from core.usecases import publications as pub_uc
from web.inputs import parse_json, query_int, user_id
from web.keys import SERVICES
from web.schemas import Iso, out

_STRICT = ConfigDict(extra="forbid")


class BlueskyIn(BaseModel):
    model_config = _STRICT
    handle: str = Field(min_length=1, max_length=253)
    app_password: str = Field(min_length=1, max_length=200)
    service: str | None = Field(None, min_length=1, max_length=2048,
                                description="Your PDS (default: the server's BLUESKY_SERVICE)")


class MastodonIn(BaseModel):
    model_config = _STRICT
    instance: str = Field(min_length=1, max_length=2048, examples=["https://mastodon.social"])


class PublishIn(BaseModel):
    model_config = _STRICT
    destination_id: str = Field(min_length=1, max_length=64)
    at: AwareDatetime | None = Field(None, description="ISO 8601 with a time zone; omitted or "
                                     "past: now. A later time is a Premium feature.")


class AuthorizeOut(BaseModel):
    authorize_url: str


class DestinationOut(BaseModel):
    id: str
    platform: str
    handle: str
    server: str
    created_at: Iso


class DestinationList(BaseModel):
    destinations: list[DestinationOut]


class PublishedPostOut(BaseModel):
    index: int
    text: str
    remote_id: str | None
    url: str | None


class PublicationOut(BaseModel):
    id: str
    status: str = Field(description="scheduled | publishing | published | failed | cancelled")
    thread_id: str
    destination_id: str
    platform: str
    run_at: Iso
    created_at: Iso
    error: str | None
    # `Publication.posts` are the texts; `published_posts` adds each one's id and link
    posts: list[PublishedPostOut] = Field(
        validation_alias=AliasChoices("published_posts", "posts"))


class PublicationList(BaseModel):
    publications: list[PublicationOut]


async def _user(request: web.Request):
    """The services and the signed-in user (the route table's guard made sure of one)."""
    return request.app[SERVICES], user_id(request)


async def connect_x(request: web.Request) -> web.Response:
    services, user_id = await _user(request)
    url = await dest_uc.start_x(services, user_id)
    return web.json_response(out(AuthorizeOut, {"authorize_url": url}))


async def connect_mastodon(request: web.Request) -> web.Response:
    services, user_id = await _user(request)
    body = await parse_json(request, MastodonIn)
    url = await dest_uc.start_mastodon(services, user_id, body.instance)
    return web.json_response(out(AuthorizeOut, {"authorize_url": url}))


async def connect_bluesky(request: web.Request) -> web.Response:
    services, user_id = await _user(request)
    body = await parse_json(request, BlueskyIn)
    dest = await dest_uc.connect_bluesky(services, user_id, body.handle, body.app_password,
                                         body.service)
    return web.json_response(out(DestinationOut, dest), status=201)


def _callback(finish):
    async def handler(request: web.Request) -> web.Response:
        services = request.app[SERVICES]
        dest = await finish(services, request.query.get("code", ""),
                            request.query.get("state", ""))
        page = services.settings.public_url.rstrip("/")
        raise web.HTTPSeeOther(f"{page}/?connected={dest.id}#account")
    handler.__name__ = f"{finish.__name__}_callback"
    return handler


x_callback = _callback(dest_uc.finish_x)
mastodon_callback = _callback(dest_uc.finish_mastodon)


async def list_destinations(request: web.Request) -> web.Response:
    services, user_id = await _user(request)
    found = await dest_uc.list_destinations(services, user_id)
    return web.json_response(out(DestinationList, {"destinations": found}))


async def delete_destination(request: web.Request) -> web.Response:
    services, user_id = await _user(request)
    await dest_uc.delete_destination(services, user_id, request.match_info["destination_id"])
    return web.Response(status=204)


async def publish(request: web.Request) -> web.Response:
    services, user_id = await _user(request)
    body = await parse_json(request, PublishIn)
    at: datetime | None = body.at
    pub = await pub_uc.publish_thread(services, user_id, request.match_info["thread_id"],
                                      body.destination_id, at)
    return web.json_response(out(PublicationOut, pub), status=202)


async def get_publication(request: web.Request) -> web.Response:
    services, user_id = await _user(request)
    pub = await pub_uc.get_publication(services, user_id, request.match_info["publication_id"])
    return web.json_response(out(PublicationOut, pub))


async def list_publications(request: web.Request) -> web.Response:
    services, user_id = await _user(request)
    limit = query_int(request, "limit", 20, 1, 100)
    found = await pub_uc.list_publications(services, user_id, limit)
    return web.json_response(out(PublicationList, {"publications": found}))


async def cancel_publication(request: web.Request) -> web.Response:
    services, user_id = await _user(request)
    pub = await pub_uc.cancel_publication(services, user_id,
                                          request.match_info["publication_id"])
    return web.json_response(out(PublicationOut, pub))
