"""Verification, password reset, change of email and sessions through the real app, with
mail going over SMTP to a real server (aiosmtpd) started by the test."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import timedelta

import pytest

from core.bootstrap import build_services
from core.settings import SecretStr
from web.app import create_app

PASSWORD = "correct horse 1"


@pytest.fixture
async def env(aiohttp_client, settings, smtp):
    sink, url = smtp
    configured = settings.with_(smtp_url=SecretStr(url), mail_backoff_seconds=0.01,
                                burst_per_minute=1000, free_daily_quota=1000,
                                public_url="https://threadr.test")
    async with build_services(configured) as services:
        client = await aiohttp_client(create_app(configured, services=services))
        yield client, services, sink


async def signed_up(client, services, sink, email="ada@example.com", password=PASSWORD):
    """Register, sign in; returns (auth headers, the verification mail)."""
    before = len(sink.to(email))
    assert (await client.post("/api/v1/auth/register",
                              json={"email": email, "password": password})).status == 202
    await services.mail.drain()
    mails = sink.to(email)
    assert len(mails) == before + 1
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status == 200
    return {"Authorization": f"Bearer {(await login.json())['token']}"}, mails[-1]


def later(services, **delta):
    now = services.clock()
    services.clock = lambda: now + timedelta(**delta)


async def test_registration_mails_a_link_that_verifies_the_address_once(env):
    client, services, sink = env
    headers, mail = await signed_up(client, services, sink)
    assert mail.message["Subject"] == "Confirm your email address for Threadr"
    assert f"https://threadr.test/verify?token={mail.token}" in mail.text
    assert (await (await client.get("/api/v1/me", headers=headers)).json())[
        "email_verified"] is False
    verified = await client.post("/api/v1/auth/verify", json={"token": mail.token})
    assert verified.status == 200 and (await verified.json())["email_verified"] is True
    assert (await (await client.get("/api/v1/me", headers=headers)).json())[
        "email_verified"] is True
    again = await client.post("/api/v1/auth/verify", json={"token": mail.token})
    assert again.status == 400 and (await again.json())["error"]["code"] == "invalid_token"


async def test_a_verification_link_expires_after_24_hours(env):
    client, services, sink = env
    headers, mail = await signed_up(client, services, sink)
    later(services, hours=24, seconds=1)
    late = await client.post("/api/v1/auth/verify", json={"token": mail.token})
    assert late.status == 400 and (await late.json())["error"]["code"] == "invalid_token"


async def test_resend_mails_a_new_link_until_verified(env):
    client, services, sink = env
    headers, first = await signed_up(client, services, sink)
    assert (await client.post("/api/v1/auth/verify/resend", headers=headers)).status == 202
    await services.mail.drain()
    second = sink.to("ada@example.com")[-1]
    assert second.token != first.token
    assert (await client.post("/api/v1/auth/verify", json={"token": second.token})).status == 200
    done = await client.post("/api/v1/auth/verify/resend", headers=headers)
    assert done.status == 200 and (await done.json())["status"] == "verified"


async def test_registering_a_taken_address_mails_its_owner_instead(env):
    client, services, sink = env
    await signed_up(client, services, sink)
    again = await client.post("/api/v1/auth/register",
                              json={"email": "ada@example.com", "password": "other pass 99"})
    assert again.status == 202
    await services.mail.drain()
    notice = sink.to("ada@example.com")[-1]
    assert notice.message["Subject"] == "Someone tried to sign up with your email"
    assert "token=" not in notice.text


async def test_password_reset_answers_the_same_for_unknown_addresses(env):
    client, services, sink = env
    await signed_up(client, services, sink)
    known = await client.post("/api/v1/auth/password-reset", json={"email": "ada@example.com"})
    unknown = await client.post("/api/v1/auth/password-reset",
                                json={"email": "nobody@example.com"})
    assert known.status == unknown.status == 202
    assert await known.json() == await unknown.json()
    await services.mail.drain()
    assert sink.to("nobody@example.com") == []
    assert sink.to("ada@example.com")[-1].message["Subject"] == "Reset your Threadr password"


async def test_password_reset_timing_does_not_tell_who_has_an_account(env):
    client, services, sink = env
    await signed_up(client, services, sink)

    async def timed(email: str) -> float:
        started = time.perf_counter()
        response = await client.post("/api/v1/auth/password-reset", json={"email": email})
        assert response.status == 202
        return time.perf_counter() - started

    known, unknown = [], []
    for i in range(15):
        known.append(await timed("ada@example.com"))
        unknown.append(await timed(f"nobody{i}@example.com"))
    await services.mail.drain()
    gap = abs(statistics.median(known) - statistics.median(unknown))
    spread = statistics.pstdev(known + unknown)
    print(f"median known {statistics.median(known)*1000:.2f} ms, unknown "
          f"{statistics.median(unknown)*1000:.2f} ms, spread {spread*1000:.2f} ms")
    assert gap < max(2 * spread, 0.005)


async def test_a_reset_sets_the_password_once_and_ends_every_session(env):
    client, services, sink = env
    headers, _ = await signed_up(client, services, sink)
    ext = await (await client.post("/api/v1/tokens", json={}, headers=headers)).json()
    ext_headers = {"Authorization": f"Bearer {ext['token']}"}
    await client.post("/api/v1/auth/password-reset", json={"email": "ada@example.com"})
    await services.mail.drain()
    reset = sink.to("ada@example.com")[-1]
    assert f"https://threadr.test/reset?token={reset.token}" in reset.text
    weak = await client.post("/api/v1/auth/password-reset/confirm",
                             json={"token": reset.token, "password": "short"})
    assert weak.status == 422  # the rules apply, and the link still works afterwards
    done = await client.post("/api/v1/auth/password-reset/confirm",
                             json={"token": reset.token, "password": "a new long secret"})
    assert done.status == 200
    fresh = {"Authorization": f"Bearer {(await done.json())['token']}"}
    assert (await client.get("/api/v1/me", headers=fresh)).status == 200
    assert (await client.get("/api/v1/me", headers=headers)).status == 401
    assert (await client.get("/api/v1/me", headers=ext_headers)).status == 401
    reuse = await client.post("/api/v1/auth/password-reset/confirm",
                              json={"token": reset.token, "password": "yet another one"})
    assert reuse.status == 400 and (await reuse.json())["error"]["code"] == "invalid_token"
    old = await client.post("/api/v1/auth/login",
                            json={"email": "ada@example.com", "password": PASSWORD})
    assert old.status == 401
    new = await client.post("/api/v1/auth/login",
                            json={"email": "ada@example.com", "password": "a new long secret"})
    assert new.status == 200 and (await new.json())["user"]["email_verified"] is True


async def test_a_reset_link_expires_after_30_minutes(env):
    client, services, sink = env
    await signed_up(client, services, sink)
    await client.post("/api/v1/auth/password-reset", json={"email": "ada@example.com"})
    await services.mail.drain()
    token = sink.to("ada@example.com")[-1].token
    later(services, minutes=30, seconds=1)
    late = await client.post("/api/v1/auth/password-reset/confirm",
                             json={"token": token, "password": "a new long secret"})
    assert late.status == 400 and (await late.json())["error"]["code"] == "invalid_token"


async def test_changing_the_email_takes_effect_once_the_new_address_confirms(env):
    client, services, sink = env
    headers, _ = await signed_up(client, services, sink)
    wrong = await client.post("/api/v1/me/email", headers=headers,
                              json={"password": "not mine at all", "email": "ada@new.example"})
    assert wrong.status == 401
    asked = await client.post("/api/v1/me/email", headers=headers,
                              json={"password": PASSWORD, "email": "Ada@New.example"})
    assert asked.status == 202
    await services.mail.drain()
    [confirm] = sink.to("ada@new.example")
    assert confirm.message["Subject"] == "Confirm your new email address for Threadr"
    me = await (await client.get("/api/v1/me", headers=headers)).json()
    assert me["email"] == "ada@example.com"  # not before the new address is confirmed
    assert (await client.post("/api/v1/auth/verify", json={"token": confirm.token})).status == 200
    me = await (await client.get("/api/v1/me", headers=headers)).json()
    assert me["email"] == "ada@new.example" and me["email_verified"] is True
    login = await client.post("/api/v1/auth/login",
                              json={"email": "ada@new.example", "password": PASSWORD})
    assert login.status == 200
    audit = await (await client.get("/api/v1/me/audit", headers=headers)).json()
    changed = [e for e in audit["entries"] if e["action"] == "email_changed"]
    assert changed and changed[0]["details"] == {"old": "ada@example.com",
                                                 "new": "ada@new.example"}


async def test_changing_the_password_keeps_only_the_new_session(env):
    client, services, sink = env
    headers, _ = await signed_up(client, services, sink)
    changed = await client.post("/api/v1/me/password", headers=headers, json={
        "current_password": PASSWORD, "new_password": "brand new secret"})
    assert changed.status == 200
    fresh = {"Authorization": f"Bearer {(await changed.json())['token']}"}
    assert (await client.get("/api/v1/me", headers=headers)).status == 401
    assert (await client.get("/api/v1/me", headers=fresh)).status == 200


async def test_mail_failures_never_fail_the_request(env):
    client, services, sink = env
    sink.refuse_next = 100
    started = time.perf_counter()
    response = await client.post("/api/v1/auth/register",
                                 json={"email": "ada@example.com", "password": PASSWORD})
    assert response.status == 202 and time.perf_counter() - started < 2
    await asyncio.wait_for(services.mail.drain(), 20)
    assert services.mail.failed == 1
