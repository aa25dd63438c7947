"""Sign-up, sign-in, the account, extension tokens and usage through the real app."""

from __future__ import annotations

from tests.web.conftest import make_thread, mark_verified, register


async def test_register_accepts_and_signing_in_gives_the_user(client):
    response = await client.post("/api/v1/auth/register",
                                 json={"email": "Ada@Example.com", "password": "correct horse 1"})
    assert response.status == 202
    signed_in = await client.post("/api/v1/auth/login",
                                  json={"email": "ada@example.com", "password": "correct horse 1"})
    body = await signed_in.json()
    assert body["token"] and body["user"]["email"] == "ada@example.com"
    assert body["user"]["email_verified"] is False
    assert "password_hash" not in body["user"]


async def test_registering_a_taken_email_answers_exactly_like_a_new_one(client):
    first = await client.post("/api/v1/auth/register",
                              json={"email": "ada@example.com", "password": "correct horse 1"})
    again = await client.post("/api/v1/auth/register",
                              json={"email": "ada@example.com", "password": "another one 22"})
    assert (first.status, await first.json()) == (again.status, await again.json())
    still = await client.post("/api/v1/auth/login",
                              json={"email": "ada@example.com", "password": "another one 22"})
    assert still.status == 401  # the second registration changed nothing


async def test_login_with_the_right_password_gives_a_working_token(client):
    await register(client)
    response = await client.post("/api/v1/auth/login",
                                 json={"email": "ada@example.com", "password": "correct horse 1"})
    assert response.status == 200
    token = (await response.json())["token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status == 200
    account = await me.json()
    assert account["email"] == "ada@example.com" and account["premium"] is False


async def test_login_with_a_wrong_password_is_a_401(client):
    await register(client)
    response = await client.post("/api/v1/auth/login",
                                 json={"email": "ada@example.com", "password": "wrong"})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "invalid_credentials"


async def test_a_malformed_email_is_a_422(client):
    response = await client.post("/api/v1/auth/register",
                                 json={"email": "not an email", "password": "correct horse 1"})
    assert response.status == 422


async def test_me_needs_a_token(client):
    assert (await client.get("/api/v1/me")).status == 401
    bad = await client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert bad.status == 401


async def test_an_extension_token_works_until_it_is_revoked(client):
    headers = await register(client)
    created = await client.post("/api/v1/tokens", json={"name": "Firefox"}, headers=headers)
    assert created.status == 201
    token = await created.json()
    assert token["token"].startswith("thr_") and token["name"] == "Firefox"
    ext = {"Authorization": f"Bearer {token['token']}"}
    thread = await make_thread(client, ext)
    assert thread["id"]
    listed = await (await client.get("/api/v1/tokens", headers=headers)).json()
    assert [t["id"] for t in listed["tokens"]] == [token["id"]]
    assert "token" not in listed["tokens"][0]
    assert (await client.delete(f"/api/v1/tokens/{token['id']}", headers=headers)).status == 204
    assert (await client.get("/api/v1/me", headers=ext)).status == 401
    assert (await client.delete(f"/api/v1/tokens/{token['id']}", headers=headers)).status == 404


async def test_nobody_can_revoke_another_persons_token(client):
    alice = await register(client, "alice@example.com")
    bob = await register(client, "bob@example.com")
    token = await (await client.post("/api/v1/tokens", json={}, headers=alice)).json()
    assert (await client.delete(f"/api/v1/tokens/{token['id']}", headers=bob)).status == 404


async def test_usage_counts_delivered_threads_for_the_ip_when_anonymous(client, web_settings):
    before = await (await client.get("/api/v1/usage")).json()
    assert before == {**before, "plan": "free", "used": 0,
                      "limit": web_settings.free_daily_quota}
    await make_thread(client)
    after = await (await client.get("/api/v1/usage")).json()
    assert after["used"] == 1 and after["remaining"] == before["remaining"] - 1
    assert after["resets_at"].endswith("+00:00")


async def test_usage_follows_the_account_when_signed_in(client, services):
    headers = await register(client)
    await mark_verified(services, "ada@example.com")  # unverified accounts share the IP's
    await make_thread(client)  # charged to the IP, not the account
    mine = await (await client.get("/api/v1/usage", headers=headers)).json()
    assert mine["used"] == 0
