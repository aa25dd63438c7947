"""A scheduled publication survives a restart of the embedded default: the store is the
queue, and the runner of the next `threadr serve` picks it up when it is due."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from core.bootstrap import build_services
from core.usecases.premium import forget_plan
from core.usecases.publications import get_publication, publish_thread
from tests.publish.flows import SEVEN
from tests.publish.steps import connected, publication, stored_texts


async def test_a_scheduled_publication_is_published_after_a_restart(pub_settings, networks):
    async with build_services(pub_settings) as services:  # runner not started: "down"
        user_id, dest = await connected(services, "bluesky", networks)
        now = datetime.now(UTC)
        async with services.store.billing_transaction() as tx:
            await tx.add_premium_grant(user_id, "test", "g1", now, now + timedelta(days=1))
        await forget_plan(services, user_id)  # written behind the use cases' back
        thread_pub = await publication(services, user_id, dest.id)  # a first one, now
        thread_id = (await get_publication(services, user_id, thread_pub)).thread_id
        later = await publish_thread(services, user_id, thread_id, dest.id,
                                     now + timedelta(seconds=2))
        assert later.status == "scheduled"
    assert networks["bluesky"].order == []
    async with build_services(pub_settings) as services:  # the restarted server
        services.publish_queue.start()
        for _ in range(200):
            done = await get_publication(services, user_id, later.id)
            if done.status == "published":
                break
            await asyncio.sleep(0.05)
        assert done.status == "published"
        assert (await get_publication(services, user_id, thread_pub)).status == "published"
    assert datetime.now(UTC) >= now + timedelta(seconds=2)
    assert sorted(stored_texts("bluesky", networks["bluesky"])) == sorted(SEVEN + SEVEN)
