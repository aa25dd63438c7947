"""The account records contract, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.store.account_records import AccountRecords
from core.store.sql import sql_db_for

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def records(store):
    return AccountRecords(sql_db_for(store))


async def _audit(records, action="sign_in", user_id="u1"):
    await records.append_audit(at=NOW, actor=user_id, user_id=user_id, action=action,
                               ip="203.0.113.7", request_id="req-1", details={"k": "v"})


async def test_the_audit_log_refuses_updates_and_deletes_in_the_database(records):
    await _audit(records)
    for sql in ("UPDATE audit_log SET action = 'nothing'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            await records.db.change(sql)
    [entry] = await records.list_audit("u1")
    assert (entry["action"], entry["ip"], entry["details"]) == ("sign_in", "203.0.113.7",
                                                                {"k": "v"})
    assert entry["at"] == NOW


def test_the_record_keeper_offers_no_way_to_change_the_audit_log():
    names = [n for n in dir(AccountRecords) if "audit" in n]
    assert names == ["append_audit", "list_audit"]


async def test_a_mail_token_works_once_and_not_after_it_expires(store, records):
    user = await store.create_user("ada@example.com", "h")
    await records.create_mail_token("hash-1", user.id, "reset", user.email, NOW,
                                    NOW + timedelta(minutes=30))
    assert await records.consume_mail_token("hash-1", "verify", NOW) is None  # other purpose
    assert await records.consume_mail_token("hash-1", "reset", NOW) == (user.id, user.email)
    assert await records.consume_mail_token("hash-1", "reset", NOW) is None
    await records.create_mail_token("hash-2", user.id, "reset", user.email, NOW,
                                    NOW + timedelta(minutes=30))
    late = NOW + timedelta(minutes=30)
    assert await records.consume_mail_token("hash-2", "reset", late) is None


async def test_billing_records_and_mails_happen_once_per_key(records):
    record = dict(user_id=None, kind="purchase", source_ref="pi_1", amount_cents=499,
                  currency="usd", days=30, at=NOW)
    assert await records.add_billing_record(**record) is True
    assert await records.add_billing_record(**record) is False
    assert await records.claim_mail("receipt:pi_1", NOW) is True
    assert await records.claim_mail("receipt:pi_1", NOW) is False


async def test_sessions_end_one_by_one_or_all_at_once(store, records):
    user = await store.create_user("ada@example.com", "h")
    one = await records.create_session(user.id, NOW)
    two = await records.create_session(user.id, NOW)
    assert (await records.session_user(one)).id == user.id
    assert await records.revoke_session(user.id, one, NOW) is True
    assert await records.session_user(one) is None and await records.session_user(two)
    await store.create_api_token(user.id, "ext", "token-hash")
    assert await records.revoke_everything(user.id, NOW) == 2
    assert await records.session_user(two) is None
    assert await store.get_api_token("token-hash") is None


async def test_deleting_an_account_keeps_only_anonymous_books(store, records):
    user = await store.create_user("ada@example.com", "h")
    await records.add_billing_record(user_id=user.id, kind="purchase", source_ref="pi_9",
                                     amount_cents=499, currency="usd", days=30, at=NOW)
    await store.record_usage(f"user:{user.id}", user.id, "web", "offline", 0, 0, False, NOW)
    await records.create_session(user.id, NOW)
    entry = dict(at=NOW, actor=user.id, user_id=user.id, action="account_deleted", ip=None,
                 request_id=None, details={})
    assert await records.delete_account(user.id, entry) is True
    assert await store.get_user(user.id) is None
    books = await records.db.all("SELECT user_id, amount_cents FROM billing_records")
    assert books == [{"user_id": None, "amount_cents": 499}]
    assert (await records.list_audit(user.id))[0]["action"] == "account_deleted"
    assert await records.delete_account(user.id, entry) is False


async def test_kpi_rows_count_per_day_on_both_backends(store, records):
    from core.store.kpis import kpi_rows
    from core.usage import UsageRecord

    await store.record_usages([
        UsageRecord("ip:a", None, "web", "offline", 0, 0, False, NOW),
        UsageRecord("ip:b", None, "web", "llm", 10, 5, False, NOW),
        UsageRecord("ip:b", None, "telegram", "llm", 1, 1, True, NOW - timedelta(days=1))])
    rows = await kpi_rows(records.db, NOW - timedelta(days=1, hours=12), NOW + timedelta(hours=1))
    assert [(r["day"], r["label"], r["n"]) for r in rows["by_surface"]] == [
        ("2026-04-30", "telegram", 1), ("2026-05-01", "web", 2)]
    assert [(r["day"], r["n"]) for r in rows["active"]] == [("2026-04-30", 1), ("2026-05-01", 2)]
    assert rows["llm_tokens"] == 17 and rows["revenue"] == {} and rows["paying"] == 0
