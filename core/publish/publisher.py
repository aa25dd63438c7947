"""Running one publication, exactly once through faults.

- One worker at a time: a publication is leased (`claim_publication`), the lease renewed
  before each post; a worker that dies loses it and another resumes after
  `PUBLISH_LEASE_SECONDS`.
- Each post's remote id is recorded before the next is sent, so a run resumes at the first
  unrecorded post. Before a send, the attempt itself is recorded: a post attempted but not
  recorded (a crash or timeout between the call and the record) is looked up before it is sent
  again — Mastodon dedupes by Idempotency-Key, Bluesky by its deterministic record key, X by
  a look-up of the user's recent posts.
- 5xx and timeouts: retried with doubling backoff (PUBLISH_MAX_ATTEMPTS per post); 429: wait
  for the network's reset time (capped by PUBLISH_MAX_WAIT_SECONDS); 401: the token is
  refreshed once, then the destination counts as revoked and the publication fails saying so.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from core.models import Platform
from core.publish.bluesky import record_key
from core.publish.http import RemoteError
from core.publish.models import FAILED, PUBLISHED, Publication, Sent
from core.services import Services
from core.usecases.destinations import destination_of
from core.usecases.publications import publication_of
from core.usecases.receipts import mail_once

log = logging.getLogger("threadr.publish")


class _Failed(Exception):
    pass


def _key(pub: Publication, index: int) -> str:
    if pub.platform == Platform.BLUESKY:
        return record_key(pub.id, pub.created_at, index)
    return f"threadr-{pub.id}-{index}"


async def run_publication(services: Services, pub_id: str) -> str | None:
    """Publish what is left of `pub_id` if it is due and no other worker holds it; its status
    afterwards (None when it was not ours to run)."""
    store, settings = services.store, services.settings
    lease = timedelta(seconds=settings.publish_lease_seconds)
    if not await store.claim_publication(pub_id, services.clock(), services.clock() + lease):
        return None
    pub = publication_of(await store.get_publication(pub_id))
    row = await store.get_destination(pub.user_id, pub.destination_id)
    try:
        if row is None:
            raise _Failed("The destination was removed; connect it again and republish.")
        await _Run(services, pub, destination_of(services, row)).all_posts()
    except _Failed as exc:
        log.warning("publication failed", extra={"publication": pub_id, "reason": str(exc)})
        await store.finish_publication(pub_id, FAILED, str(exc), services.clock())
        await _tell_owner(services, pub, str(exc))
        return FAILED
    await store.finish_publication(pub_id, PUBLISHED, None, services.clock())
    return PUBLISHED


async def _tell_owner(services: Services, pub: Publication, reason: str) -> None:
    """The person learns by mail (once per publication) that nothing more will be posted."""
    first = pub.posts[0] if pub.posts else ""
    title = first if len(first) <= 60 else first[:60].rsplit(" ", 1)[0] + "…"
    await mail_once(services, f"publication_failed:{pub.id}", pub.user_id,
                    "publication_failed", title=title, reason=reason,
                    network=_NETWORK_NAMES.get(pub.platform.value, pub.platform.value))


_NETWORK_NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}


class _Run:
    def __init__(self, services: Services, pub: Publication, dest) -> None:
        self.s, self.pub, self.dest = services, pub, dest
        self.net = services.networks.of(dest.platform)
        self.refreshed = False

    async def all_posts(self) -> None:
        chain: list[Sent] = []
        for index, text in enumerate(self.pub.posts):
            done = self.pub.sent.get(index) or await self._one(index, text, chain)
            chain.append(done)

    async def _one(self, index: int, text: str, chain: list[Sent]) -> Sent:
        key, store = _key(self.pub, index), self.s.store
        attempted, tries = index in self.pub.sent, 0
        # The lease covers one post, not the whole thread: renewed before each, a live worker
        # posting a long thread slowly is never taken over by the sweeper mid-thread.
        lease = timedelta(seconds=self.s.settings.publish_lease_seconds)
        await store.extend_lease(self.pub.id, self.s.clock() + lease)
        while True:
            try:
                found = (await self.net.find_sent(self.dest, text, index, chain, key)
                         if attempted else None)
                if found is None:
                    await store.mark_post_sent(self.pub.id, index, self.s.clock())
                    attempted = True
                    found = await self.net.post(self.dest, text, index, chain, key)
                await store.record_post(self.pub.id, index, found.remote_id, found.uri,
                                        found.cid, found.url, self.s.clock())
                return found
            except RemoteError as exc:
                tries += 1
                await self._recover(exc, index, tries)

    async def _recover(self, exc: RemoteError, index: int, tries: int) -> None:
        settings, name = self.s.settings, self.dest.platform.value
        if exc.unauthorized:
            if self.refreshed:
                raise _Failed(f"{name} no longer accepts Threadr's access (revoked or expired): "
                              "connect the account again.")
            self.refreshed = True
            try:
                self.dest.secrets.update(await self.net.refresh(self.dest))
            except RemoteError:
                raise _Failed(f"{name} refused to renew Threadr's access (revoked): connect "
                              "the account again.") from None
            sealed = self.s.networks.cipher.seal(self.dest.secrets)
            await self.s.store.set_destination_secrets(self.dest.id, sealed)
            return
        if not exc.transient or tries >= settings.publish_max_attempts:
            raise _Failed(f"{name} refused post {index + 1}: {exc.message}")
        wait = settings.publish_retry_seconds * 2 ** (tries - 1)
        if exc.retry_at is not None:
            wait = max(0.0, (exc.retry_at - self.s.clock()).total_seconds()) + 0.05
        if wait > settings.publish_max_wait_seconds:
            raise _Failed(f"{name} asks to wait {wait:.0f} s before post {index + 1}; "
                          "try again later.")
        lease = timedelta(seconds=wait + settings.publish_lease_seconds)
        await self.s.store.extend_lease(self.pub.id, self.s.clock() + lease)
        log.info("publish retry", extra={"publication": self.pub.id, "post": index,
                                         "status": exc.status, "wait": round(wait, 2)})
        await asyncio.sleep(wait)
