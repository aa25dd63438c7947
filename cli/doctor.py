"""`threadr doctor`: the configuration (secrets masked) and a verdict for every dependency."""

from __future__ import annotations

import asyncio

from core.settings import Settings


async def _check(name: str, coro) -> tuple[str, bool, str]:
    try:
        detail = await asyncio.wait_for(coro, timeout=5)
        return name, True, detail or "ok"
    except Exception as exc:  # each check reports, none stops the others
        return name, False, f"{type(exc).__name__}: {exc}".splitlines()[0][:200]


async def _store(settings: Settings) -> str:
    from core.store.factory import open_store

    store = await open_store(settings)
    try:
        await store.ping()
    finally:
        await store.close()
    return settings.effective_database_url.split("://")[0] + " reachable, migrated"


async def _counters(settings: Settings) -> str:
    if not settings.redis_url:
        return "in-process (no REDIS_URL): fine for one process"
    from core.counters.redis import RedisCounters

    counters = RedisCounters(settings.redis_url, settings.redis_prefix)
    try:
        await counters.ping()
    finally:
        await counters.close()
    return "redis reachable"


async def _llm(settings: Settings) -> str:
    if settings.generator != "llm":
        return "offline generator (THREADR_GENERATOR=offline)"
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=settings.openai_api_key.reveal() or "not-needed",
                         base_url=settings.openai_base_url or None, timeout=5, max_retries=0)
    try:
        models = await client.models.list()
    finally:
        await client.close()
    names = [m.id for m in models.data][:5]
    return f"reachable; models: {', '.join(names) or '(none listed)'}"


def _static(settings: Settings) -> list[tuple[str, bool, str]]:
    out = []
    from core.bootstrap import jwt_secret

    try:
        jwt_secret(settings)
        out.append(("jwt secret", True, "set" if settings.jwt_secret else "generated (embedded)"))
    except RuntimeError as exc:
        out.append(("jwt secret", False, str(exc)))
    problems = settings.safety_problems()
    out.append(("production safety", not problems, problems[0] if problems else "ok"))
    out.append(("billing", True, "stripe configured" if settings.billing_configured
                else "not configured (billing endpoints answer 503)"))
    out.append(("telegram", True, "token set" if settings.telegram_token else "no token"))
    out.append(("discord", True, "token set" if settings.discord_token else "no token"))
    return out


async def run_doctor(settings: Settings) -> int:
    print("Configuration (secrets masked):")
    for key, value in settings.public_dict().items():
        print(f"  {key} = {value}")
    results = list(await asyncio.gather(
        _check("database", _store(settings)),
        _check("counters", _counters(settings)),
        _check("llm", _llm(settings)),
    )) + _static(settings)
    print("\nChecks:")
    for name, ok, detail in results:
        print(f"  [{'ok' if ok else 'FAIL'}] {name}: {detail}")
    failed = [name for name, ok, _ in results if not ok]
    print("\nverdict: " + ("all good" if not failed else "problems with " + ", ".join(failed)))
    return 0 if not failed else 1
