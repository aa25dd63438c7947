"""The Store contract, run against SQLite and PostgreSQL alike (the `store` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import EmailTaken
from core.models import LinkPolicy, Mode, Post, Source, Thread, ThreadOptions, Tone

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def a_thread(title: str = "An article", text: str = "First post 1/2") -> Thread:
    return Thread(
        posts=(Post(text, 14), Post("Second post 2/2 ✨", 18)),
        generator="offline",
        source=Source(url="https://example.com/a", title=title, author="Ann", language="en"),
        options=ThreadOptions(mode=Mode.SPLIT, tone=Tone.PUNCHY, link=LinkPolicy.NONE, emoji=True),
        fallback_reason="llm_unavailable",
    )


async def test_a_new_user_is_found_by_id_and_by_email_in_any_case(store):
    user = await store.create_user("  Ann@Example.COM ", "argon2-hash")
    assert user.email == "ann@example.com" and user.created_at.tzinfo is not None
    assert await store.get_user(user.id) == user
    assert await store.get_user_by_email("ANN@example.com") == user


async def test_an_email_cannot_be_registered_twice(store):
    await store.create_user("ann@example.com", "h1")
    with pytest.raises(EmailTaken):
        await store.create_user("Ann@Example.com", "h2")


async def test_accounts_without_email_coexist_and_unknown_ids_answer_none(store):
    first, second = await store.create_user(None, None), await store.create_user(None, None)
    assert first.id != second.id
    assert await store.get_user("missing") is None
    assert await store.get_user_by_email("nobody@example.com") is None


async def test_an_identity_gets_one_account_on_first_use_and_keeps_it(store):
    user_id = await store.user_for_identity("telegram", "42")
    assert await store.user_for_identity("telegram", "42") == user_id
    assert await store.user_for_identity("discord", "42") != user_id
    assert await store.list_identities(user_id) == [("telegram", "42")]
    assert (await store.get_user(user_id)).email is None


async def test_linking_points_an_identity_at_another_account(store):
    web = await store.create_user("ann@example.com", "h")
    await store.user_for_identity("telegram", "42")
    await store.link_identity("telegram", "42", web.id)
    await store.link_identity("discord", "7", web.id)
    assert await store.user_for_identity("telegram", "42") == web.id
    assert await store.list_identities(web.id) == [("discord", "7"), ("telegram", "42")]


async def test_a_link_code_works_exactly_once(store):
    await store.create_link_code("hash-1", "telegram", "42", T0 + timedelta(minutes=10))
    assert await store.consume_link_code("hash-1", T0) == ("telegram", "42")
    assert await store.consume_link_code("hash-1", T0) is None
    assert await store.consume_link_code("unknown", T0) is None


async def test_an_expired_link_code_is_refused(store):
    await store.create_link_code("hash-2", "discord", "7", T0 + timedelta(minutes=10))
    assert await store.consume_link_code("hash-2", T0 + timedelta(minutes=10)) is None
    assert await store.consume_link_code("hash-2", T0 + timedelta(minutes=9)) == ("discord", "7")


async def test_api_tokens_are_found_by_hash_until_revoked(store):
    user = await store.create_user("ann@example.com", "h")
    token = await store.create_api_token(user.id, "Chrome", "sha256-abc")
    assert (await store.get_api_token("sha256-abc")).id == token.id
    assert await store.get_api_token("sha256-other") is None
    assert await store.revoke_api_token(user.id, token.id, T0)
    assert await store.get_api_token("sha256-abc") is None
    assert not await store.revoke_api_token(user.id, token.id, T0)
    assert await store.list_api_tokens(user.id) == []  # only live tokens are listed


async def test_a_user_cannot_revoke_someone_elses_token(store):
    ann, bob = await store.create_user("ann@x.org", "h"), await store.create_user("bob@x.org", "h")
    token = await store.create_api_token(ann.id, "Firefox", "hash-ann")
    assert not await store.revoke_api_token(bob.id, token.id, T0)
    assert await store.get_api_token("hash-ann") is not None
    assert await store.list_api_tokens(bob.id) == []


async def test_using_a_token_records_when(store):
    user = await store.create_user(None, None)
    token = await store.create_api_token(user.id, "Chrome", "hash-used")
    await store.touch_api_token(token.id, T0)
    assert (await store.get_api_token("hash-used")).last_used_at == T0


async def test_a_saved_thread_comes_back_whole(store):
    user_id = await store.user_for_identity("web", "ann")
    saved = await store.save_thread(user_id, a_thread())
    assert saved.id and saved.created_at is not None
    loaded = await store.get_thread(user_id, saved.id)
    assert loaded == saved
    assert loaded.options.mode is Mode.SPLIT and loaded.posts[1].text.endswith("✨")


async def test_threads_are_visible_only_to_their_owner(store):
    ann, bob = await store.create_user(None, None), await store.create_user(None, None)
    saved = await store.save_thread(ann.id, a_thread())
    new_posts = [Post("hijacked", 8)]
    assert await store.get_thread(bob.id, saved.id) is None
    assert await store.update_thread_posts(bob.id, saved.id, new_posts, T0) is None
    assert not await store.delete_thread(bob.id, saved.id)
    assert await store.list_threads(bob.id) == []
    assert await store.get_thread(ann.id, saved.id) == saved


async def test_history_pages_run_newest_first(store):
    user = await store.create_user(None, None)
    saved = [await store.save_thread(user.id, a_thread(title=f"t{i}")) for i in range(5)]
    newest_first = [t.id for t in reversed(saved)]
    first = await store.list_threads(user.id, limit=2)
    second = await store.list_threads(user.id, limit=2, before=first[-1].id)
    third = await store.list_threads(user.id, limit=2, before=second[-1].id)
    assert [t.id for t in first + second + third] == newest_first
    assert await store.list_threads(user.id, limit=2, before=third[-1].id) == []


async def test_editing_posts_keeps_the_rest_and_stamps_the_edit(store):
    user = await store.create_user(None, None)
    saved = await store.save_thread(user.id, a_thread())
    edited = await store.update_thread_posts(user.id, saved.id, [Post("Better 1/1", 10)], T0)
    assert edited.posts == (Post("Better 1/1", 10),) and edited.edited_at == T0
    assert edited.source == saved.source and edited.created_at == saved.created_at
    assert await store.get_thread(user.id, saved.id) == edited


async def test_a_deleted_thread_is_gone(store):
    user = await store.create_user(None, None)
    saved = await store.save_thread(user.id, a_thread())
    assert await store.delete_thread(user.id, saved.id)
    assert await store.get_thread(user.id, saved.id) is None
    assert not await store.delete_thread(user.id, saved.id)


async def test_usage_is_counted_per_key_since_a_time(store):
    for minutes in (0, 30, 90):
        await store.record_usage("ip:1.2.3.4", None, "web", "offline", 0, 0, False,
                                 T0 + timedelta(minutes=minutes))
    await store.record_usage("user:u1", "u1", "telegram", "llm", 120, 80, False, T0)
    await store.record_usage("user:u1", "u1", "telegram", "llm", 0, 0, True, T0)  # a cache hit
    assert await store.count_usage("ip:1.2.3.4", T0) == 3
    assert await store.count_usage("ip:1.2.3.4", T0 + timedelta(hours=1)) == 1
    assert await store.count_usage("user:u1", T0) == 1  # cache hits are not charged
    assert await store.count_usage("ip:9.9.9.9", T0) == 0



async def test_premium_lasts_until_the_latest_live_grant(store):
    user = await store.create_user(None, None)
    async with store.billing_transaction() as tx:
        assert await tx.add_premium_grant(user.id, "stripe", "pi_1", T0, T0 + timedelta(days=30))
        assert not await tx.add_premium_grant(user.id, "stripe", "pi_1", T0, T0)
        assert await tx.add_premium_grant(
            user.id, "stripe", "pi_2", T0 + timedelta(days=30), T0 + timedelta(days=60))
        assert await tx.premium_until(user.id, T0) == T0 + timedelta(days=60)
        assert await tx.find_grant_user("pi_2") == user.id
    assert await store.premium_until(user.id, T0) == T0 + timedelta(days=60)
    assert await store.premium_until(user.id, T0 + timedelta(days=61)) is None


async def test_revoked_grants_no_longer_count(store):
    user = await store.create_user(None, None)
    async with store.billing_transaction() as tx:
        await tx.add_premium_grant(user.id, "stripe", "pi_1", T0, T0 + timedelta(days=30))
        await tx.add_premium_grant(user.id, "stripe", "pi_2", T0, T0 + timedelta(days=60))
    async with store.billing_transaction() as tx:
        assert await tx.revoke_premium_grants("pi_2", T0) == 1
        assert await tx.revoke_premium_grants("pi_2", T0) == 0
        assert await tx.revoke_premium_grants("unknown", T0) == 0
    assert await store.premium_until(user.id, T0) == T0 + timedelta(days=30)


async def test_a_subscription_grant_can_be_moved(store):
    user = await store.create_user(None, None)
    async with store.billing_transaction() as tx:
        await tx.add_premium_grant(user.id, "stripe_sub", "sub_1", T0, T0 + timedelta(days=30))
        assert await tx.set_premium_grant_until("sub_1", T0 + timedelta(days=61))
        assert not await tx.set_premium_grant_until("sub_unknown", T0)
        assert await tx.find_grant_user("sub_unknown") is None
    assert await store.premium_until(user.id, T0) == T0 + timedelta(days=61)


async def test_an_event_is_marked_processed_only_once(store):
    async with store.billing_transaction() as tx:
        assert await tx.mark_event_processed("evt_1", "checkout.session.completed")
        assert not await tx.mark_event_processed("evt_1", "checkout.session.completed")
    async with store.billing_transaction() as tx:
        assert not await tx.mark_event_processed("evt_1", "checkout.session.completed")


async def test_a_failed_billing_transaction_leaves_nothing(store):
    user = await store.create_user(None, None)
    with pytest.raises(RuntimeError, match="crash"):
        async with store.billing_transaction() as tx:
            await tx.mark_event_processed("evt_9", "charge.refunded")
            await tx.add_premium_grant(user.id, "stripe", "pi_9", T0, T0 + timedelta(days=30))
            raise RuntimeError("crash mid-way")
    async with store.billing_transaction() as tx:
        assert await tx.find_grant_user("pi_9") is None
        assert await tx.mark_event_processed("evt_9", "charge.refunded")


async def test_store_calls_inside_a_billing_transaction_do_not_hang(store):
    user = await store.create_user("ann@example.com", None)
    async with store.billing_transaction() as tx:
        await tx.add_premium_grant(user.id, "stripe", "pi_1", T0, T0 + timedelta(days=1))
        assert (await store.get_user(user.id)).email == "ann@example.com"
        await store.record_usage(f"user:{user.id}", user.id, "web", "offline", 0, 0, False, T0)
    assert await store.premium_until(user.id, T0) == T0 + timedelta(days=1)


async def test_a_live_store_answers_ping(store):
    await store.ping()


async def test_a_password_hash_can_be_replaced(store):
    user = await store.create_user("rehash@example.com", "old-hash")
    await store.set_password_hash(user.id, "new-hash")
    assert (await store.get_user(user.id)).password_hash == "new-hash"


async def test_a_saved_thread_starts_at_version_1_and_each_edit_bumps_it(store):
    user = await store.create_user(None, None)
    saved = await store.save_thread(user.id, a_thread())
    assert saved.version == 1 and (await store.get_thread(user.id, saved.id)).version == 1
    first = await store.update_thread_posts(user.id, saved.id, [Post("One 1/1", 7)], T0)
    second = await store.update_thread_posts(user.id, saved.id, [Post("Two 1/1", 7)], T0, 2)
    assert (first.version, second.version) == (2, 3)


async def test_an_edit_from_a_stale_version_is_refused_and_changes_nothing(store):
    """M5: two editors start from version 1; the second one's save must not erase the first."""
    from core.errors import VersionConflict

    user = await store.create_user(None, None)
    saved = await store.save_thread(user.id, a_thread())
    await store.update_thread_posts(user.id, saved.id, [Post("Ann's edit", 10)], T0, 1)
    with pytest.raises(VersionConflict) as refused:
        await store.update_thread_posts(user.id, saved.id, [Post("Bob's edit", 10)], T0, 1)
    assert refused.value.details["current_version"] == 2
    assert (await store.get_thread(user.id, saved.id)).posts == (Post("Ann's edit", 10),)


async def test_concurrent_edits_from_one_version_let_exactly_one_win(store):
    import asyncio

    from core.errors import VersionConflict

    user = await store.create_user(None, None)
    saved = await store.save_thread(user.id, a_thread())
    edits = [store.update_thread_posts(user.id, saved.id, [Post(f"edit {i}", 6)], T0, 1)
             for i in range(8)]
    results = await asyncio.gather(*edits, return_exceptions=True)
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1 and winners[0].version == 2
    assert all(isinstance(r, VersionConflict) for r in results if r not in winners)
    assert (await store.get_thread(user.id, saved.id)).posts == winners[0].posts
