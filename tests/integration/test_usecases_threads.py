"""generate_thread end to end over real stores and counters: quota exactness, charging only
delivered threads, the cache, single-flight, and history ownership."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.bootstrap import build_services
from core.errors import BlockedUrl, NotFound, PostTooLong, QuotaExceeded
from core.models import Caller, ThreadOptions, ThreadRequest
from core.usecases import threads

REPO = Path(__file__).resolve().parents[2]
ARTICLE = " ".join(
    f"Sentence {i} explains one more detail about the city's new tiny forests programme."
    for i in range(40)
)


def _request(text: str = ARTICLE, **opts) -> ThreadRequest:
    return ThreadRequest(text=text, options=ThreadOptions(**opts))


class CountingGenerator:
    """The real offline generator, counting how often it is asked (instrumentation only)."""

    def __init__(self, inner, delay: float = 0.0):
        self.inner, self.calls, self.delay = inner, 0, delay
        self.name = inner.name

    @property
    def cache_key_part(self):
        return self.inner.cache_key_part

    async def generate(self, article, options, on_post=None):
        self.calls += 1
        await asyncio.sleep(self.delay)
        return await self.inner.generate(article, options, on_post)


@pytest.fixture(params=["memory", "redis"])
def counters_settings(request, settings):
    if request.param == "memory":
        return settings
    url = request.getfixturevalue("redis_url")
    return settings.with_(redis_url=url, redis_prefix=request.getfixturevalue("redis_prefix"))


@pytest.fixture
async def services(store, counters_settings):
    async with build_services(counters_settings.with_(free_daily_quota=3,
                                                      burst_per_minute=10_000),
                              store=store) as built:
        yield built


async def test_100_parallel_generations_at_quota_3_deliver_exactly_3(services):
    caller = Caller("web", ip="203.0.113.7")
    results = await asyncio.gather(
        *(threads.generate_thread(services, caller, _request(f"{ARTICLE} Variant {i}."))
          for i in range(100)),
        return_exceptions=True,
    )
    delivered = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, QuotaExceeded)]
    assert (len(delivered), len(refused)) == (3, 97)
    # Billing is not configured here: the refusal says when to come back, and offers no upgrade.
    assert all(r.retry_after > 0 and r.upgrade_url is None for r in refused)


async def test_a_failed_generation_costs_nothing(services):
    caller = Caller("web", ip="203.0.113.8")
    for _ in range(5):
        with pytest.raises(BlockedUrl):
            await threads.generate_thread(services, caller, ThreadRequest(url="http://10.0.0.1/"))
    assert await services.quotas.used(caller.quota_key, False) == 0


async def test_a_cache_hit_costs_nothing_and_is_marked_cached(services):
    caller = Caller("web", ip="203.0.113.9")
    first = await threads.generate_thread(services, caller, _request())
    again = await threads.generate_thread(services, caller, _request())
    assert not first.cached and again.cached
    assert [p.text for p in again.posts] == [p.text for p in first.posts]
    assert await services.quotas.used(caller.quota_key, False) == 1


async def test_concurrent_identical_requests_are_generated_once(services):
    counting = CountingGenerator(services.generator, delay=0.2)
    services.generator = counting
    callers = [Caller("web", ip=f"198.51.100.{i}") for i in range(20)]
    results = await asyncio.gather(
        *(threads.generate_thread(services, c, _request()) for c in callers))
    assert counting.calls == 1
    assert len({tuple(p.text for p in r.posts) for r in results}) == 1


async def test_streamed_posts_match_the_final_thread(services):
    seen: list[tuple[int, str]] = []

    async def on_post(i, text):
        seen.append((i, text))

    thread = await threads.generate_thread(
        services, Caller("web", ip="203.0.113.10"), _request(), on_post=on_post)
    assert [t for _, t in seen] == [p.text for p in thread.posts]


async def test_history_belongs_to_its_owner_and_edits_are_length_checked(services):
    alice = await services.store.create_user("alice@example.com", None)
    bob = await services.store.create_user("bob@example.com", None)
    thread = await threads.generate_thread(services, Caller("web", user_id=alice.id), _request())
    assert thread.id
    assert [t.id for t in await threads.list_threads(services, alice.id)] == [thread.id]
    assert await threads.list_threads(services, bob.id) == []
    with pytest.raises(NotFound):
        await threads.get_thread(services, bob.id, thread.id)
    with pytest.raises(NotFound):
        await threads.delete_thread(services, bob.id, thread.id)
    with pytest.raises(PostTooLong):
        await threads.update_thread(services, alice.id, thread.id, ["x" * 281])
    edited = await threads.update_thread(services, alice.id, thread.id, ["Edited 🧵", "Two"])
    assert [p.text for p in edited.posts] == ["Edited 🧵", "Two"]
    assert edited.posts[0].weighted_length == 9
    await threads.delete_thread(services, alice.id, thread.id)
    with pytest.raises(NotFound):
        await threads.get_thread(services, alice.id, thread.id)


_WORKER = textwrap.dedent("""
    import asyncio, json, sys
    from pathlib import Path

    from core.bootstrap import build_services
    from core.errors import QuotaExceeded
    from core.models import Caller, ThreadRequest
    from core.settings import Settings, SecretStr
    from core.usecases.threads import generate_thread

    async def main(db, redis, prefix, data_dir):
        settings = Settings(env="test", database_url=db, redis_url=redis, redis_prefix=prefix,
                            data_dir=Path(data_dir), jwt_secret=SecretStr("k" * 40),
                            free_daily_quota=3, burst_per_minute=10_000)
        async with build_services(settings) as services:
            caller = Caller("web", ip="192.0.2.77")
            async def one(i):
                try:
                    # texts of its own: a thread the other process cached would be a free hit
                    text = f"Text {i} of {Path(data_dir).name}. " * 30
                    await generate_thread(services, caller, ThreadRequest(text=text))
                    return "ok"
                except QuotaExceeded:
                    return "quota"
            print(json.dumps(await asyncio.gather(*(one(i) for i in range(30)))))

    asyncio.run(main(*sys.argv[1:]))
""")


def test_two_processes_sharing_postgres_and_redis_hold_the_quota_exactly(
        pg_database_url, redis_url, redis_prefix, tmp_path):
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, pg_database_url, redis_url,
                          redis_prefix, str(tmp_path / f"d{i}")],
                         cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(2)
    ]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outcomes += json.loads(out.strip().splitlines()[-1])
    assert outcomes.count("ok") == 3
    assert outcomes.count("quota") == 57


async def test_a_preview_costs_no_quota_and_leaves_no_history(services):
    """`threadr thread`: the same generator, but nothing charged, cached or saved."""
    user = await services.store.create_user("preview@example.com", None)
    caller = Caller("cli", user_id=user.id)
    thread = await threads.preview_thread(services, _request())
    assert thread.posts and thread.id is None and not thread.cached
    assert await services.quotas.used(caller.quota_key, False) == 0
    assert await threads.list_threads(services, user.id) == []
    fresh = await threads.generate_thread(services, caller, _request())
    assert not fresh.cached  # the preview did not fill the cache either
