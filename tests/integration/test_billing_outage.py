"""Outages: the database down during a webhook → 503 and nothing written, then Stripe's retry
applies it once; our endpoint down → `reconcile` restores every missed grant, no duplicates."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from cli.billing import parse_since, run_billing
from core.bootstrap import build_services
from core.errors import BillingError
from core.store.migrate import migrate, sqlite_path
from core.store.postgres import PostgresStore
from core.store.sqlite import SqliteStore, connect
from core.usecases import billing
from tests.integration.billing_support import (
    NOW,
    billing_services,
    billing_settings,
    buy,
    deliver,
    grant_rows,
    new_user,
    payment_of,
    processed_event_count,
)
from tests.standins.stripe_api import StripeApi
from web.app import create_app

WEBHOOK = "/api/v1/stripe/webhook"


class TcpProxy:
    """127.0.0.1:<port> → PostgreSQL; `cut()` drops every connection and refuses new ones."""

    def __init__(self, target_port: int = 5432) -> None:
        self.target_port, self.port = target_port, 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _pipe(self, reader, writer) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers |= {writer, up_writer}

        async def copy(src, dst):
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))


@contextlib.asynccontextmanager
async def outage_store(request):
    """(store, start_outage, end_outage) on the backend under test."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_database_url")
        await migrate(url)
        store = await SqliteStore.open(sqlite_path(url), busy_timeout=0.1)
        other = await connect(sqlite_path(url))

        async def down():  # another process holds the write lock
            await other.execute("BEGIN IMMEDIATE")

        async def up():
            await other.execute("ROLLBACK")
        try:
            yield store, down, up
        finally:
            await other.close()
            await store.close()
        return
    url = request.getfixturevalue("pg_database_url")
    proxy = TcpProxy()
    await proxy.start()
    store = await PostgresStore.open(url.replace(":5432/", f":{proxy.port}/"), min_size=1,
                                     max_size=4, acquire_timeout=0.5)
    try:
        yield store, proxy.cut, proxy.start
    finally:
        await store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    return request


async def test_database_down_during_a_webhook_is_503_then_the_retry_applies_once(
    aiohttp_client, settings, backend
):
    async with StripeApi() as api, outage_store(backend) as (store, down, up), \
            billing_services(settings, api, store) as services:
        client = await aiohttp_client(create_app(services.settings, services=services))
        user = await new_user(services)
        payload, header = api.signed(await buy(services, api, user))
        post = {"data": payload, "headers": {"Stripe-Signature": header}}
        await down()
        response = await client.post(WEBHOOK, **post)
        assert response.status == 503 and response.headers["Retry-After"]
        assert (await response.json())["error"]["code"] == "storage_unavailable"
        await up()
        assert await processed_event_count(store) == 0  # nothing half-written
        retried = await client.post(WEBHOOK, **post)
        assert retried.status == 200 and (await retried.json())["outcome"] == "applied"
        replayed = await client.post(WEBHOOK, **post)
        assert (await replayed.json())["outcome"] == "duplicate"
        assert len(await grant_rows(store)) == 1
        assert await store.premium_until(user.id, NOW) == NOW + timedelta(days=30)


async def _missed_during_outage(services, api) -> dict:
    """A purchase delivered before the outage; then changes whose webhooks never came:
    two purchases (one refunded), an async payment settling, a subscription."""
    users = {n: await new_user(services, f"{n}@example.com") for n in "abcde"}
    before = await buy(services, api, users["a"])
    await deliver(services, api, before)
    missed = [await buy(services, api, users["b"]), await buy(services, api, users["c"])]
    missed.append(api.refund(payment_of(missed[-1])))
    pending = await buy(services, api, users["e"], paid=False)
    missed += [pending, api.settle_async(pending["data"]["object"]["id"], True)]
    sub = api.create_subscription("cus_d", {"user_id": users["d"].id})
    missed.append(api.update_subscription(sub["id"]))
    return {"users": users, "late": [before, *missed], "sub": sub}


async def test_reconcile_restores_every_missed_grant_without_duplicates(settings, store):
    async with StripeApi() as api, billing_services(settings, api, store) as services:
        made = await _missed_during_outage(services, api)
        users = made["users"]
        report = await billing.reconcile(services, NOW - timedelta(hours=1))
        assert report.failed == 0 and report.applied >= 3
        month = NOW + timedelta(days=30)
        sub_end = datetime.fromtimestamp(
            made["sub"]["items"]["data"][0]["current_period_end"], UTC)
        expected = {"a": month, "b": month, "c": None, "d": sub_end, "e": month}
        for name, until in expected.items():
            assert await services.store.premium_until(users[name].id, NOW) == until
        rows = await grant_rows(services.store)
        assert len(rows) == len({r[2] for r in rows}) == 5  # a, b, c (revoked), d, e
        again = await billing.reconcile(services, NOW - timedelta(hours=1))
        assert again.applied == 0 and again.failed == 0
        late = [await deliver(services, api, e) for e in made["late"]]  # Stripe's retries
        assert "applied" not in late and await grant_rows(services.store) == rows


async def test_the_reconcile_command_reports_what_it_applied(settings, capsys):
    async with StripeApi() as api:
        configured = billing_settings(settings, api)
        async with build_services(configured) as services:
            user = await new_user(services)
            await buy(services, api, user)  # paid; its webhook never arrived
            await services.billing.close()
        assert await run_billing(argparse.Namespace(since="2h"), configured) == 0
        assert "applied 1" in capsys.readouterr().out
        async with build_services(configured) as services:
            assert await services.store.premium_until(user.id, services.clock())
            await services.billing.close()


def test_since_accepts_durations_and_dates():
    assert parse_since("72h", NOW) == NOW - timedelta(hours=72)
    assert parse_since("3d", NOW) == NOW - timedelta(days=3)
    assert parse_since("2026-11-01", NOW).isoformat() == "2026-11-01T00:00:00+00:00"
    with pytest.raises(ValueError):
        parse_since("yesterday", NOW)


async def test_stripe_unreachable_during_a_webhook_is_502_and_writes_nothing(settings, store):
    api = StripeApi()
    await api.__aenter__()
    async with billing_services(settings, api, store) as services:
        user = await new_user(services)
        payload, header = api.signed(await buy(services, api, user))
        await api.__aexit__(None, None, None)  # Stripe is now unreachable
        with pytest.raises(BillingError):
            await billing.handle_webhook(services, payload, header)
        assert await processed_event_count(store) == 0 and await grant_rows(store) == []
