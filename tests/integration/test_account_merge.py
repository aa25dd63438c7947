"""Linking merges accounts (`Store.merge_identity`), on SQLite and PostgreSQL alike: history,
tokens, identities and premium move in one transaction; premium time adds up, in both
directions; the account with an email survives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.accounts import merged_premium
from core.errors import IdentityLinkedElsewhere
from tests.integration.test_store_contract import a_thread

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)


async def grant(store, user_id: str, days: int, ref: str) -> None:
    async with store.billing_transaction() as tx:
        await tx.add_premium_grant(user_id, "test", ref, NOW - DAY, NOW + days * DAY)


async def bot_account(store, platform: str, external_id: str, premium_days: int = 0) -> str:
    user_id = await store.user_for_identity(platform, external_id)
    if premium_days:
        await grant(store, user_id, premium_days, f"{platform}-{external_id}")
    return user_id


@pytest.mark.parametrize(("web_days", "chat_days", "expected_days"), [
    (0, 10, 10),  # the chat identity's premium comes along
    (20, 0, 20),  # the web account keeps its own
    (20, 10, 30),  # both: the time adds up, never lost
])
async def test_linking_a_chat_identity_into_a_web_account_keeps_every_premium_day(
        store, web_days, chat_days, expected_days):
    web = await store.create_user("ann@example.com", "h")
    if web_days:
        await grant(store, web.id, web_days, "web")
    chat = await bot_account(store, "telegram", "42", chat_days)
    saved = await store.save_thread(chat, a_thread("Made in Telegram"))
    await store.create_api_token(chat, "ext", "token-hash-1")

    assert await store.merge_identity("telegram", "42", web.id, NOW) == web.id

    until = await store.premium_until(web.id, NOW)
    assert (until - NOW if until else timedelta(0)) == expected_days * DAY
    assert await store.get_user(chat) is None  # the emptied bot account is gone
    assert ("telegram", "42") in await store.list_identities(web.id)
    assert [t.id for t in await store.list_threads(web.id)] == [saved.id]
    assert (await store.get_api_token("token-hash-1")).user_id == web.id


async def test_a_bot_redeeming_a_code_of_an_identity_on_a_web_account_joins_that_account(store):
    web = await store.create_user("ann@example.com", "h")
    await store.merge_identity("telegram", "42", web.id, NOW)
    discord = await bot_account(store, "discord", "7", premium_days=5)
    await grant(store, web.id, 3, "web")
    # Discord's /link CODE with Telegram's code: the web account (with an email) survives
    assert await store.merge_identity("telegram", "42", discord, NOW) == web.id
    assert ("discord", "7") in await store.list_identities(web.id)
    assert await store.premium_until(web.id, NOW) == NOW + 8 * DAY
    assert await store.get_user(discord) is None


async def test_two_web_accounts_never_merge_and_nothing_changes(store):
    first = await store.create_user("ann@example.com", "h")
    second = await store.create_user("bob@example.com", "h")
    await store.merge_identity("telegram", "42", first.id, NOW)
    with pytest.raises(IdentityLinkedElsewhere):
        await store.merge_identity("telegram", "42", second.id, NOW)
    assert ("telegram", "42") in await store.list_identities(first.id)


async def test_linking_twice_and_unlinking(store):
    web = await store.create_user("ann@example.com", "h")
    assert await store.merge_identity("discord", "7", web.id, NOW) == web.id  # new identity
    assert await store.merge_identity("discord", "7", web.id, NOW) == web.id  # no-op
    assert await store.list_identities(web.id) == [("discord", "7")]
    assert await store.unlink_identity(web.id, "discord") is True
    assert await store.unlink_identity(web.id, "discord") is False
    assert await store.list_identities(web.id) == []


def test_merged_premium_adds_the_shorter_remaining_time_after_the_longer():
    assert merged_premium(NOW + 2 * DAY, NOW + 5 * DAY, NOW) == (NOW + 5 * DAY, NOW + 7 * DAY)
    assert merged_premium(NOW + 2 * DAY, None, NOW) is None
    assert merged_premium(NOW - DAY, NOW + DAY, NOW) is None  # an ended grant adds nothing
