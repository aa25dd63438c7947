"""Destinations: a person's accounts on X (OAuth 2.0 + PKCE), Bluesky (handle + app password)
and Mastodon (an app per instance + OAuth). Tokens are sealed before they reach the store.

An OAuth `state` is bound to the signed-in account, stored hashed, usable once, for 10 minutes.
A server URL a person types (Bluesky service, Mastodon instance) goes through the SSRF policy.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

from core.errors import (
    DestinationRefused,
    InvalidInput,
    NetworkUnavailable,
    NotFound,
    PublishingNotConfigured,
)
from core.models import Platform, is_valid_id
from core.publish.http import RemoteError
from core.publish.models import Destination
from core.services import Services

STATE_TTL = timedelta(minutes=10)


def destination_of(services: Services, row: dict) -> Destination:
    fields = {k: v for k, v in row.items() if k != "secrets"}
    fields["platform"] = Platform(fields["platform"])
    return Destination(**fields, secrets=services.networks.cipher.open(row["secrets"]))


def _redirect(services: Services, platform: str) -> str:
    return f"{services.settings.public_url.rstrip('/')}/api/v1/destinations/{platform}/callback"


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


async def _new_state(services: Services, user_id: str, platform: str, server: str,
                     extra: dict | None = None) -> tuple[str, str]:
    """(state, PKCE challenge); the verifier is kept sealed with the state."""
    state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    sealed = services.networks.cipher.seal({"verifier": verifier, **(extra or {})})
    await services.store.save_oauth_state(_hash(state), user_id, platform, server, sealed,
                                          services.clock() + STATE_TTL)
    return state, challenge.decode().rstrip("=")


async def _use_state(services: Services, platform: str, state: str) -> dict:
    found = await services.store.consume_oauth_state(_hash(state or ""), platform,
                                                     services.clock())
    if found is None:
        raise InvalidInput("This sign-in link is invalid, expired or already used; start again.")
    return {**found, **services.networks.cipher.open(found["secrets"])}


def _refused(exc: RemoteError, network: str) -> Exception:
    if exc.transient:
        return NetworkUnavailable(f"{network} did not answer ({exc.status}); try again.")
    return DestinationRefused(f"{network} refused: {exc.message}")


async def _save(services: Services, user_id: str, platform: Platform, handle: str,
                server: str, remote_user: str, tokens: dict, max_chars: int | None = None):
    row = await services.store.add_destination(
        user_id, platform.value, handle, server, remote_user,
        services.networks.cipher.seal(tokens), max_chars, services.clock())
    return destination_of(services, row)


async def start_x(services: Services, user_id: str) -> str:
    if not services.settings.x_client_id:
        raise PublishingNotConfigured("Publishing to X is not configured (X_CLIENT_ID).")
    x = services.networks.x
    state, challenge = await _new_state(services, user_id, "x", x.base)
    return x.authorize_url(state, challenge, _redirect(services, "x"))


async def finish_x(services: Services, code: str, state: str) -> Destination:
    found = await _use_state(services, "x", state)
    x = services.networks.x
    try:
        tokens = await x.exchange(code, found["verifier"], _redirect(services, "x"))
        user, username = await x.me(tokens)
    except RemoteError as exc:
        raise _refused(exc, "X") from None
    return await _save(services, found["user_id"], Platform.X, username, x.base, user, tokens)


async def connect_bluesky(services: Services, user_id: str, handle: str, app_password: str,
                          service: str | None = None) -> Destination:
    net = services.networks
    server = net.http.vet(service or services.settings.bluesky_service)
    try:
        session = await net.bluesky.create_session(server, handle.lstrip("@"), app_password)
    except RemoteError as exc:
        raise _refused(exc, "Bluesky") from None
    tokens = {"access_jwt": session["accessJwt"], "refresh_jwt": session["refreshJwt"]}
    return await _save(services, user_id, Platform.BLUESKY, session["handle"], server.rstrip("/"),
                       session["did"], tokens)


async def start_mastodon(services: Services, user_id: str, instance: str) -> str:
    net = services.networks
    server = net.http.vet(instance)
    app = await services.store.mastodon_app(server)
    try:
        if app is None:
            fresh = await net.mastodon.register_app(server, _redirect(services, "mastodon"),
                                                    services.settings.public_url)
            app = await services.store.save_mastodon_app(
                server, fresh["client_id"], net.cipher.seal(fresh), services.clock())
    except RemoteError as exc:
        raise _refused(exc, "Mastodon") from None
    state, challenge = await _new_state(services, user_id, "mastodon", server)
    return net.mastodon.authorize_url(server, app["client_id"], state, challenge,
                                      _redirect(services, "mastodon"))


async def finish_mastodon(services: Services, code: str, state: str) -> Destination:
    found = await _use_state(services, "mastodon", state)
    net, server = services.networks, found["server"]
    app = net.cipher.open((await services.store.mastodon_app(server))["client_secret"])
    try:
        tokens = await net.mastodon.exchange(server, app, code, found["verifier"],
                                             _redirect(services, "mastodon"))
        account, acct = await net.mastodon.account(server, tokens["access_token"])
    except RemoteError as exc:
        raise _refused(exc, "Mastodon") from None
    limit = await net.mastodon.max_characters(server)
    return await _save(services, found["user_id"], Platform.MASTODON, acct, server, account,
                       {**tokens, **app}, limit)


async def list_destinations(services: Services, user_id: str) -> list[Destination]:
    return [destination_of(services, r) for r in
            await services.store.list_destinations(user_id)]


async def get_destination(services: Services, user_id: str, dest_id: str) -> Destination:
    row = await services.store.get_destination(user_id, dest_id) if is_valid_id(dest_id) else None
    if row is None:
        raise NotFound("Destination not found.")
    return destination_of(services, row)


async def delete_destination(services: Services, user_id: str, dest_id: str) -> None:
    """Forget a destination, revoking its token where the network allows."""
    dest = await get_destination(services, user_id, dest_id)
    await services.networks.of(dest.platform).revoke(dest)
    await services.store.delete_destination(user_id, dest_id)
