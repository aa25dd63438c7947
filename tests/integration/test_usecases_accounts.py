"""Account use cases over the real stores (SQLite and PostgreSQL) and real Redis counters."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher as Argon2

from core.accounts import PasswordHasher, TokenService
from core.counters.fallback import FallbackCounters
from core.counters.redis import RedisCounters
from core.counters.thread_cache import SingleFlightThreadCache
from core.errors import (
    InvalidCredentials,
    InvalidInput,
    InvalidLinkCode,
    NotFound,
    RateLimited,
    Unauthorized,
)
from core.mail.outbox import OutboxMailer
from core.mail.sender import MailSender
from core.metrics import Metrics
from core.models import Principal
from core.quotas import Quotas
from core.services import Services
from core.settings import SecretStr, Settings
from core.store.account_records import AccountRecords
from core.store.sql import sql_db_for
from core.usecases import accounts, sessions
from core.usecases.premium import forget_plan
from tests.fixtures.spies import CallLog

PASSWORD = "correct horse battery"


class RecordingHasher(PasswordHasher):
    """The real hasher, remembering which path each login took."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls.append("verify")
        return super().verify(password_hash, password)

    def dummy_verify(self, password: str) -> bool:
        self.calls.append("dummy")
        return super().dummy_verify(password)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def services(store, redis_url, redis_prefix, tmp_path):
    settings = Settings(
        env="test", data_dir=tmp_path, jwt_secret=SecretStr("j" * 48), burst_per_minute=3,
        free_daily_quota=5, redis_url=redis_url, redis_prefix=redis_prefix,
    )
    metrics = Metrics()
    # production wiring (Redis behind the fallback), with patient timeouts for a busy machine
    primary = RedisCounters(redis_url, redis_prefix, socket_timeout=10, connect_timeout=10)
    counters = FallbackCounters(primary, settings, metrics, logging.getLogger("test.accounts"))
    built = Services(
        settings=settings, store=store, counters=counters, fetcher=None, generator=None,
        passwords=RecordingHasher(), tokens=TokenService("j" * 48, settings.jwt_audience, 60),
        quotas=Quotas(counters, settings, metrics), metrics=metrics, cache=counters,
        thread_cache=SingleFlightThreadCache(counters, counters, 60), clock=Clock(),
        records=AccountRecords(sql_db_for(store)),
        mail=MailSender(OutboxMailer(tmp_path / "outbox", "Threadr <t@example.com>"), 1),
    )
    yield built
    await built.mail.close()
    await counters.close()


async def signup(services, email: str, password: str = PASSWORD):
    """Register (which answers the same for any address), then sign in."""
    await accounts.register(services, email, password)
    return await accounts.login(services, email, password, f"10.9.{secrets.randbelow(250)}.1")


async def test_register_normalises_the_email_and_signs_in(services):
    user, token = await signup(services, "  Ada@Example.COM ", PASSWORD)
    assert user.email == "ada@example.com"
    assert user.password_hash.startswith("$argon2id$")
    assert await accounts.authenticate(services, token) == user.id


async def test_registering_the_same_email_twice_changes_nothing(services):
    await accounts.register(services, "ada@example.com", PASSWORD)
    await accounts.register(services, "ADA@example.com ", "another password")
    with pytest.raises(InvalidCredentials):
        await accounts.login(services, "ada@example.com", "another password", "3.3.3.3")


@pytest.mark.parametrize("email, password", [("not-an-email", PASSWORD), ("a@b.co", "short")])
async def test_registration_refuses_bad_input_and_creates_nothing(services, email, password):
    with pytest.raises(InvalidInput):
        await accounts.register(services, email, password)
    assert await services.store.get_user_by_email("a@b.co") is None


async def test_login_with_the_right_password_returns_the_account(services):
    user, _ = await signup(services, "ada@example.com", PASSWORD)
    logged_in, token = await accounts.login(services, "Ada@Example.com", PASSWORD, "1.1.1.1")
    assert logged_in.id == user.id
    assert await accounts.authenticate(services, token) == user.id


async def test_a_wrong_password_and_an_unknown_email_look_the_same(services):
    await accounts.register(services, "ada@example.com", PASSWORD)
    services.passwords.calls.clear()
    with pytest.raises(InvalidCredentials) as wrong_password:
        await accounts.login(services, "ada@example.com", "wrong password", "1.1.1.1")
    assert services.passwords.calls == ["verify"]
    services.passwords.calls.clear()
    with pytest.raises(InvalidCredentials) as unknown_email:
        await accounts.login(services, "nobody@example.com", PASSWORD, "1.1.1.2")
    assert services.passwords.calls == ["dummy"]  # the same argon2 work, for nobody
    assert wrong_password.value.message == unknown_email.value.message


async def test_a_malformed_email_at_login_is_just_invalid_credentials(services):
    with pytest.raises(InvalidCredentials):
        await accounts.login(services, "not an email", PASSWORD, "1.1.1.3")
    assert services.passwords.calls == ["dummy"]


async def test_a_bot_account_without_a_password_cannot_log_in(services):
    await services.store.create_user("bot@example.com", None)
    with pytest.raises(InvalidCredentials):
        await accounts.login(services, "bot@example.com", PASSWORD, "1.1.1.4")


async def test_login_is_burst_limited_per_ip(services):
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await accounts.login(services, "x@example.com", PASSWORD, "6.6.6.6")
    with pytest.raises(RateLimited):
        await accounts.login(services, "x@example.com", PASSWORD, "6.6.6.6")
    with pytest.raises(InvalidCredentials):  # another IP is not affected
        await accounts.login(services, "x@example.com", PASSWORD, "7.7.7.7")


async def test_an_old_weaker_hash_still_logs_in(services):
    weak = Argon2(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    user = await services.store.create_user("old@example.com", weak)
    logged_in, _ = await accounts.login(services, "old@example.com", PASSWORD, "2.2.2.2")
    assert logged_in.id == user.id


@pytest.mark.parametrize("bearer", ["", "garbage", "thr_unknown", "Bearer nope", "a.b.c"])
async def test_unknown_bearers_are_unauthorized(services, bearer):
    with pytest.raises(Unauthorized):
        await accounts.authenticate(services, bearer)


async def test_extension_tokens_authenticate_until_revoked(services):
    user, access = await signup(services, "ada@example.com", PASSWORD)
    token, raw = await accounts.issue_extension_token(services, user.id, "  Firefox  ")
    assert raw.startswith("thr_") and token.name == "Firefox"
    assert await accounts.authenticate(services, raw) == user.id
    assert await accounts.authenticate(services, f"Bearer {access}") == user.id
    listed = await accounts.list_extension_tokens(services, user.id)
    assert [t.id for t in listed] == [token.id] and listed[0].last_used_at is not None
    await accounts.revoke_token(services, user.id, token.id)
    with pytest.raises(Unauthorized):
        await accounts.authenticate(services, raw)


async def test_an_unnamed_token_gets_a_default_name(services):
    user, _ = await signup(services, "ada@example.com", PASSWORD)
    token, _ = await accounts.issue_extension_token(services, user.id, "   ")
    assert token.name == "Browser extension"


async def test_nobody_can_revoke_someone_elses_token(services):
    owner, _ = await signup(services, "owner@example.com", PASSWORD)
    other, _ = await signup(services, "other@example.com", PASSWORD)
    token, raw = await accounts.issue_extension_token(services, owner.id, "mine")
    with pytest.raises(NotFound):
        await accounts.revoke_token(services, other.id, token.id)
    with pytest.raises(NotFound):
        await accounts.revoke_token(services, owner.id, "no-such-token")
    assert await accounts.authenticate(services, raw) == owner.id


async def test_a_bot_identity_gets_one_account_on_first_use(services):
    first = await accounts.identity_user(services, "telegram", "12345")
    assert await accounts.identity_user(services, "telegram", "12345") == first
    assert await accounts.identity_user(services, "discord", "12345") != first


async def test_a_link_code_joins_the_bot_identity_to_the_web_account(services):
    web_user, _ = await signup(services, "ada@example.com", PASSWORD)
    code = await accounts.create_link_code(services, "telegram", "777")
    linked = await accounts.redeem_link_code(services, web_user.id, code.lower())
    assert linked == ("telegram", "777")
    assert await accounts.identity_user(services, "telegram", "777") == web_user.id
    account = await accounts.get_account(services, web_user.id)
    assert {"platform": "telegram", "external_id": "777"} in account["identities"]


async def test_a_link_code_works_once(services):
    user, _ = await signup(services, "ada@example.com", PASSWORD)
    code = await accounts.create_link_code(services, "discord", "42")
    await accounts.redeem_link_code(services, user.id, code)
    with pytest.raises(InvalidLinkCode):
        await accounts.redeem_link_code(services, user.id, code)


async def test_a_link_code_expires_after_ten_minutes(services):
    user, _ = await signup(services, "ada@example.com", PASSWORD)
    code = await accounts.create_link_code(services, "discord", "43")
    services.clock.now += timedelta(minutes=10, seconds=1)
    with pytest.raises(InvalidLinkCode):
        await accounts.redeem_link_code(services, user.id, code)


@pytest.mark.parametrize("code", ["", "ABCDEFGH", "nonsense!"])
async def test_unknown_or_malformed_link_codes_are_invalid(services, code):
    user, _ = await signup(services, "ada@example.com", PASSWORD)
    with pytest.raises(InvalidLinkCode):
        await accounts.redeem_link_code(services, user.id, code)


async def test_get_account_describes_the_account(services):
    user, _ = await signup(services, "ada@example.com", PASSWORD)
    account = await accounts.get_account(services, user.id)
    assert account["id"] == user.id and account["email"] == "ada@example.com"
    assert account["created_at"] == user.created_at
    assert account["premium_until"] is None and account["premium"] is False
    with pytest.raises(NotFound):
        await accounts.get_account(services, "no-such-user")


async def _grant_premium(services, user_id: str, days: int) -> datetime:
    now = services.clock()
    until = now + timedelta(days=days)
    async with services.store.billing_transaction() as tx:
        await tx.add_premium_grant(user_id, "test", f"ref-{user_id}", now, until)
    await forget_plan(services, user_id)  # written behind the use cases' back
    return until


async def test_usage_follows_the_account_and_its_premium(services):
    user, _ = await signup(services, "ada@example.com", PASSWORD)
    key = f"user:{user.id}"
    await (await services.quotas.reserve(key, premium=False)).commit()
    free = await accounts.usage(services, key, user.id)
    assert (free.plan, free.limit, free.used, free.remaining) == ("free", 5, 1, 4)
    until = await _grant_premium(services, user.id, 30)
    premium = await accounts.usage(services, key, user.id)
    assert (premium.plan, premium.limit, premium.used) == ("premium", 200, 1)
    assert abs((premium.premium_until - until).total_seconds()) < 1
    account = await accounts.get_account(services, user.id)
    assert account["premium"] is True


async def test_anonymous_usage_is_counted_by_ip(services):
    usage = await accounts.usage(services, "ip:203.0.113.9", None)
    assert (usage.plan, usage.used, usage.remaining) == ("free", 0, 5)


async def test_premium_status_is_live_only_until_its_end(services):
    user = await services.store.create_user("ada@example.com", None)
    assert not (await accounts.premium_status(services, user.id)).active
    assert not (await accounts.premium_status(services, None)).active  # anonymous
    until = await _grant_premium(services, user.id, 2)
    status = await accounts.premium_status(services, user.id)
    assert status.active and abs((status.until - until).total_seconds()) < 1
    services.clock.now = until + timedelta(seconds=1)  # the period has ended
    lapsed = await accounts.premium_status(services, user.id)
    assert not lapsed.active and lapsed.until is None
    usage = await accounts.usage(services, f"user:{user.id}", user.id)
    assert usage.plan == "free" and usage.premium_until is None


class _PausedAfterRead:
    """A real store (or account records) whose `method` is held after its read until
    released: a check caught between reading the database and caching what it read."""

    def __init__(self, wrapped, method: str) -> None:
        self._wrapped, self._method = wrapped, method
        self.read = asyncio.Event()
        self.release = asyncio.Event()

    def __getattr__(self, name):
        attr = getattr(self._wrapped, name)
        if name != self._method:
            return attr

        async def paused(*args, **kwargs):
            found = await attr(*args, **kwargs)
            self.read.set()
            await self.release.wait()
            return found

        return paused


async def test_a_session_check_that_read_before_a_sign_out_cannot_revive_the_session(services):
    user, token = await signup(services, "ada@example.com")
    who = await sessions.principal(services, token)
    await sessions.forget_auth(services, user.id)  # nothing cached: the next check reads
    await asyncio.sleep(0)
    paused = _PausedAfterRead(services.records, "session_user")
    checking = asyncio.create_task(sessions.principal(replace(services, records=paused), token))
    await asyncio.wait_for(paused.read.wait(), 10)  # it read the session as live ...
    await sessions.sign_out(services, who)  # ... then the session ended ...
    paused.release.set()
    assert (await checking).user_id == user.id  # ... and that check answers what it read,
    with pytest.raises(Unauthorized):  # but it did not cache the ended session
        await sessions.principal(services, token)


def _counted(services) -> tuple[Services, CallLog]:
    """The services with their counters' calls written down (one call: one round trip)."""
    counted = CallLog(services.cache)
    quotas = Quotas(counted, services.settings, services.metrics, clock=services.clock)
    return replace(services, cache=counted, quotas=quotas), counted


async def test_signed_in_usage_is_one_round_trip_with_its_session_check(services):
    user, token = await signup(services, "ada@example.com")
    await services.records.set_email(user.id, user.email, services.clock())  # verified
    await sessions.forget_auth(services, user.id)
    await (await services.quotas.reserve(f"user:{user.id}", premium=False)).commit()
    session = sessions.session_token(services, f"Bearer {token}")
    await accounts.signed_in_usage(services, session, "10.0.0.1")  # fills the session check
    counted, calls = _counted(services)
    who, usage = await accounts.signed_in_usage(counted, session, "10.0.0.1")
    assert calls.calls == ["read"]
    assert (who.user_id, who.session_id, who.verified) == (user.id, session.session_id, True)
    assert usage == await accounts.usage(services, f"user:{user.id}", user.id)
    assert (usage.plan, usage.used) == ("free", 1)


async def test_an_unverified_account_is_shown_its_ips_quota_in_the_same_read(services):
    user, token = await signup(services, "ada@example.com")
    await (await services.quotas.reserve("ip:10.0.0.7", premium=False)).commit()
    session = sessions.session_token(services, token)
    who, usage = await accounts.signed_in_usage(services, session, "10.0.0.7")
    assert not who.verified and usage.used == 1  # the IP's unit, as `usage` by the IP says
    assert usage == await accounts.usage(services, "ip:10.0.0.7", user.id)
    _, elsewhere = await accounts.signed_in_usage(services, session, "10.0.0.8")
    assert elsewhere.used == 0


async def test_the_signed_in_account_is_one_round_trip_with_its_session_check(services):
    user, token = await signup(services, "ada@example.com")
    session = sessions.session_token(services, token)
    _, first = await accounts.signed_in_account(services, session)  # fills the entries
    counted, calls = _counted(services)
    who, account = await accounts.signed_in_account(counted, session)
    assert calls.calls == ["read"]
    assert who.user_id == user.id and account == first
    assert account == await accounts.get_account(services, user.id)


@pytest.mark.parametrize("read", ["usage", "account"])
async def test_nothing_read_with_an_ended_session_is_answered(services, read):
    user, token = await signup(services, "ada@example.com")
    session = sessions.session_token(services, token)

    async def signed_in():
        if read == "usage":
            return await accounts.signed_in_usage(services, session, "10.0.0.1")
        return await accounts.signed_in_account(services, session)

    who, _ = await signed_in()  # the check is cached now
    await sessions.sign_out(services, who)
    with pytest.raises(Unauthorized, match="signed out"):
        await signed_in()
    other = sessions.SessionToken(user.id, "0" * 32)  # a well-formed id of no session
    with pytest.raises(Unauthorized):
        await (accounts.signed_in_usage(services, other, None) if read == "usage"
               else accounts.signed_in_account(services, other))


async def _used_extension_token(services):
    """An extension token used until its check is cached; (user, token, raw, counted store)."""
    user, _ = await signup(services, "ada@example.com")
    token, raw = await accounts.issue_extension_token(services, user.id, "laptop")
    counted = CallLog(services.store)
    for _ in range(3):  # whose it is, then its account's entry: cached from the third on
        assert await accounts.authenticate(replace(services, store=counted), raw) == user.id
    assert counted.calls.count("get_api_token") == 2
    return user, token, raw, counted


async def test_a_used_extension_token_is_checked_without_the_database(services):
    user, token, raw, counted = await _used_extension_token(services)
    cached = replace(services, store=counted)
    for _ in range(3):
        who = await sessions.principal(cached, f"Bearer {raw}")
        assert (who.user_id, who.token_id, who.session_id) == (user.id, token.id, None)
    assert counted.calls.count("get_api_token") == 2
    assert not who.verified  # what the database said: the address is not confirmed
    await services.records.set_email(user.id, user.email, services.clock())
    await sessions.forget_auth(services, user.id)  # as verification does
    assert (await sessions.principal(cached, raw)).verified  # seen at once


async def _revoke(services, how: str, user, token) -> None:
    from core.usecases import my_data, passwords

    if how == "revoke":
        await accounts.revoke_token(services, user.id, token.id)
    elif how == "sign_out":  # with the extension token itself
        await sessions.sign_out(services, Principal(user.id, token_id=token.id))
    elif how == "everywhere":
        await sessions.sign_out_everywhere(services, user.id)
    elif how == "password":
        await passwords.change_password(services, user.id, PASSWORD, "another horse 2")
    else:
        await my_data.delete_account(services, user.id, PASSWORD)


@pytest.mark.parametrize("how", ["revoke", "sign_out", "everywhere", "password", "delete"])
async def test_a_cached_extension_token_ends_at_once(services, how):
    user, token, raw, counted = await _used_extension_token(services)
    other, other_raw = await accounts.issue_extension_token(services, user.id, "phone")
    await accounts.authenticate(services, other_raw)
    await _revoke(services, how, user, token)
    with pytest.raises(Unauthorized, match="revoked"):
        await accounts.authenticate(replace(services, store=counted), raw)
    if how in ("revoke", "sign_out"):  # the account's other token lives on
        assert await accounts.authenticate(services, other_raw) == user.id


async def test_a_token_check_that_read_before_a_revocation_cannot_revive_the_token(services):
    user, token, raw, _ = await _used_extension_token(services)
    await sessions.forget_auth(services, user.id)  # nothing cached: the next check reads
    paused = _PausedAfterRead(services.store, "get_api_token")
    checking = asyncio.create_task(accounts.authenticate(replace(services, store=paused), raw))
    await asyncio.wait_for(paused.read.wait(), 10)  # it read the token as live ...
    await accounts.revoke_token(services, user.id, token.id)  # ... then it was revoked ...
    paused.release.set()
    assert await checking == user.id  # ... and that check answers what it read,
    with pytest.raises(Unauthorized):  # but it did not cache the revoked token
        await accounts.authenticate(services, raw)
