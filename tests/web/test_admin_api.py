"""The operator's API: one authorization walk over every /api/v1/admin/* route, KPIs against a
seeded data set with known counts, manual premium, and the admin role from the CLI use case."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.usage import UsageRecord
from core.usecases import admin
from tests.web.conftest import mark_verified, register
from web.routes import route_table

ADMIN_ROUTES = [r for r in route_table() if r.path.startswith("/api/v1/admin/")]


async def _admin(client, services) -> dict:
    headers = await register(client, "boss@example.com")
    await admin.set_admin(services, "boss@example.com", True)
    return headers


def _request(route, target_id: str):
    path = route.path.replace("{user_id}", target_id)
    params = {"email": "ada@example.com"} if route.path.endswith("/users") else {}
    body = {"days": 3} if route.body is not None else None
    return route.method, path, params, body


def test_the_walk_covers_every_admin_route():
    assert {(r.method, r.path) for r in ADMIN_ROUTES} == {
        ("GET", "/api/v1/admin/kpis"), ("GET", "/api/v1/admin/users"),
        ("POST", "/api/v1/admin/users/{user_id}/premium"),
        ("DELETE", "/api/v1/admin/users/{user_id}/premium"), ("GET", "/api/v1/admin/audit")}


async def test_every_admin_route_is_401_anonymous_403_for_users_200_for_admins(client, services):
    user = await register(client, "ada@example.com")
    boss = await _admin(client, services)
    target = (await services.store.get_user_by_email("ada@example.com")).id
    ext = await (await client.post("/api/v1/tokens", json={}, headers=boss)).json()
    for route in ADMIN_ROUTES:
        method, path, params, body = _request(route, target)
        for who, headers, expected in (
                ("anonymous", {}, 401), ("user", user, 403),
                ("admin's extension token", {"Authorization": f"Bearer {ext['token']}"}, 403),
                ("admin", boss, 200)):
            response = await client.request(method, path, params=params, json=body,
                                            headers=headers)
            assert response.status == expected, (who, method, path, await response.text())


async def test_the_admin_page_is_served(client):
    response = await client.get("/admin")
    assert response.status == 200 and "operator dashboard" in await response.text()


async def test_kpis_match_a_seeded_data_set(client, services):
    boss = await _admin(client, services)
    today = services.clock().replace(hour=12, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    seed = ([("web", "offline", today)] * 4 + [("extension", "llm", today)] * 3
            + [("telegram", "fallback:timeout", today)] * 2 + [("discord", "offline", yesterday)]
            + [("api", "llm", yesterday)] * 5 + [("cli", "offline", today - timedelta(days=30))])
    await services.store.record_usages([
        UsageRecord(f"ip:10.0.0.{i % 3}", None, platform, generator,
                    100 if generator == "llm" else 0, 50 if generator == "llm" else 0, False, at)
        for i, (platform, generator, at) in enumerate(seed)])
    for n in range(3):  # + boss: 4 new accounts, 2 verified (boss is not)
        await register(client, f"u{n}@example.com")
    await mark_verified(services, "u0@example.com")
    await mark_verified(services, "u1@example.com")
    payer = await services.store.get_user_by_email("u0@example.com")
    for ref, cents, kind in (("pi_1", 499, "purchase"), ("pi_2", 499, "purchase"),
                             ("pi_2", -499, "refund")):
        await services.records.add_billing_record(
            user_id=payer.id, kind=kind, source_ref=ref, amount_cents=cents, currency="usd",
            days=30, at=today)
    response = await client.get("/api/v1/admin/kpis?days=2", headers=boss)
    report = await response.json()
    assert report["days"] == [yesterday.strftime("%Y-%m-%d"), today.strftime("%Y-%m-%d")]
    surfaces = report["threads_by_surface"]
    assert surfaces == {"web": [0, 4], "extension": [0, 3], "telegram": [0, 2],
                        "discord": [1, 0], "api": [5, 0], "cli": [0, 0]}
    assert report["threads_by_generator"] == {"offline": [1, 4], "llm": [5, 3],
                                              "fallback:timeout": [0, 2]}
    assert report["active_identities"] == [3, 3]
    totals = report["totals"]
    assert totals["threads"] == 15 and totals["new_accounts"] == 4
    assert totals["verified_share"] == 0.5
    assert totals["paying_accounts"] == 1 and totals["conversion"] == 0.25
    assert totals["revenue_cents"] == {"usd": 499}
    assert totals["llm_tokens"] == 8 * 150
    csv = await client.get("/api/v1/admin/kpis?days=2&format=csv", headers=boss)
    lines = (await csv.text()).splitlines()
    assert lines[0].startswith("day,surface:api,surface:cli,surface:discord")
    assert lines[2].startswith(today.strftime("%Y-%m-%d") + ",0,0,0,3,2,4")


async def test_an_admin_grants_and_ends_premium_and_both_are_audited(client, services):
    await register(client, "ada@example.com")
    boss = await _admin(client, services)
    found = await (await client.get("/api/v1/admin/users?email=ADA@example.com",
                                    headers=boss)).json()
    assert found["plan"] == "free" and found["email"] == "ada@example.com"
    granted = await client.post(f"/api/v1/admin/users/{found['id']}/premium", json={"days": 7},
                                headers=boss)
    assert granted.status == 200
    again = await (await client.get("/api/v1/admin/users?email=ada@example.com",
                                    headers=boss)).json()
    assert again["plan"] == "premium"
    ended = await client.delete(f"/api/v1/admin/users/{found['id']}/premium", headers=boss)
    assert (await ended.json())["ended"] == 1
    log = await (await client.get("/api/v1/admin/audit", headers=boss)).json()
    actions = [(e["action"], e["user_id"]) for e in log["entries"][:2]]
    assert actions == [("premium_revoked", found["id"]), ("premium_granted", found["id"])]
    assert log["entries"][0]["actor"] != found["id"]  # the admin did it


async def test_unknown_people_and_ids_are_404_for_admins(client, services):
    boss = await _admin(client, services)
    assert (await client.get("/api/v1/admin/users?email=nobody@example.com",
                             headers=boss)).status == 404
    assert (await client.post("/api/v1/admin/users/nope/premium", json={"days": 1},
                              headers=boss)).status == 404


@pytest.mark.parametrize("grant", [True, False])
async def test_the_role_takes_effect_on_the_next_request(client, services, grant):
    headers = await register(client, "ada@example.com")
    await admin.set_admin(services, "ada@example.com", True)
    if not grant:
        await admin.set_admin(services, "ada@example.com", False)
    status = (await client.get("/api/v1/admin/kpis", headers=headers)).status
    assert status == (200 if grant else 403)


async def test_error_and_quota_rejection_rates_count_failed_and_refused_generations(
        aiohttp_client, web_settings):
    from core.bootstrap import build_services
    from web.app import create_app

    settings = web_settings.with_(free_daily_quota=2)
    async with build_services(settings) as services:
        client = await aiohttp_client(create_app(settings, services=services))
        boss = await _admin(client, services)
        await mark_verified(services, "boss@example.com")
        made = [await client.post("/api/v1/threads", headers=boss,
                                  json={"text": f"Article {i}. " + "Words here. " * 30})
                for i in range(3)]  # two delivered, the third refused by the quota
        assert [r.status for r in made] == [200, 200, 429]
        empty = await client.post("/api/v1/threads", json={"html": "<p></p>" * 3,
                                                           "url": "https://x.example/a"})
        assert empty.status == 422  # a failed generation (anonymous quota still free)
        totals = (await (await client.get("/api/v1/admin/kpis?days=1",
                                          headers=boss)).json())["totals"]
        assert totals["threads"] == 2
        assert totals["quota_rejection_rate"] == 0.25 and totals["error_rate"] == 0.25
