"""Account flows in headless Chromium against a real `threadr serve` whose mail goes to the
outbox (the embedded default): forgot password → mail → reset page → signed in."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.fixtures.accounts import DATA_DIRS, outbox_link_token, sign_up_sync
from tests.fixtures.services import run_in_own_loop

pytestmark = pytest.mark.e2e


def test_forgot_password_mail_reset_page_then_signed_in_with_the_new_password(
        page, threadr_server):
    email = f"forgot-{uuid.uuid4().hex[:8]}@example.com"
    sign_up_sync(threadr_server, email, "the old password 1")
    page.goto("/")
    page.click("#signin")
    page.fill("#auth-email", email)
    page.click("#auth-forgot")
    page.wait_for_selector("#status:has-text('reset its password is on its way')")

    token = outbox_link_token(DATA_DIRS[threadr_server], email, "reset")
    page.goto(f"/reset?token={token}")
    page.wait_for_selector("#reset-dialog[open]")
    assert "token" not in page.url  # the token leaves the address bar at once
    page.fill("#reset-password", "short")
    page.click("#reset-submit")
    page.wait_for_selector("#reset-error:not([hidden])")
    page.fill("#reset-password", "a brand new passphrase")
    page.click("#reset-submit")
    page.wait_for_selector(f"#who:has-text('{email}')")
    page.wait_for_selector("#status:has-text('password is changed')")
    page.screenshot(path=str(ARTIFACTS / "account_reset_signed_in.png"))

    page.click("#signout")
    page.wait_for_selector("#signin:visible")
    page.click("#signin")
    page.fill("#auth-email", email)
    page.fill("#auth-password", "the old password 1")
    page.click("#auth-login")
    page.wait_for_selector("#auth-error:not([hidden])")
    page.fill("#auth-password", "a brand new passphrase")
    page.click("#auth-login")
    page.wait_for_selector(f"#who:has-text('{email}')")


def test_the_verification_link_confirms_the_address(page, threadr_server):
    email = f"verify-{uuid.uuid4().hex[:8]}@example.com"
    sign_up_sync(threadr_server, email)
    token = outbox_link_token(DATA_DIRS[threadr_server], email, "verify")
    page.goto(f"/verify?token={token}")
    page.wait_for_selector("#status:has-text('email address is confirmed')")
    page.goto(f"/verify?token={token}")  # a second use is refused, clearly
    page.wait_for_selector("#error:has-text('invalid, was used, or has expired')")


def test_the_account_page_exports_my_data_and_deletes_my_account(page, threadr_server):
    import json

    email = f"data-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/")
    page.click("#signin")
    page.fill("#auth-email", email)
    page.fill("#auth-password", "a long passphrase 7")
    page.click("#auth-register")
    page.wait_for_selector(f"#who:has-text('{email}')")
    page.goto("/#account")
    page.reload()
    page.wait_for_selector("#verify-banner")  # not confirmed yet
    page.wait_for_selector("#audit-list li:has-text('sign in')")
    page.screenshot(path=str(ARTIFACTS / "account_page_security.png"), full_page=True)

    with page.expect_download() as info:
        page.click("#export-data")
    exported = json.loads(open(info.value.path()).read())
    assert exported["account"]["email"] == email and "password_hash" not in exported["account"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.fill("#delete-form-password", "a long passphrase 7")
    page.click("#delete-form button[type=submit]")
    page.wait_for_selector("#signin:visible")  # back on the page, signed out
    status, _ = _login(threadr_server, email, "a long passphrase 7")
    assert status == 401


def _login(base: str, email: str, password: str):
    from tests.fixtures.accounts import _post

    return _post(f"{base}/api/v1/auth/login", {"email": email, "password": password})


def test_the_admin_page_draws_kpi_charts_from_seeded_data(page, threadr_server):
    from datetime import UTC, datetime, timedelta

    from core.settings import Settings
    from core.store.factory import open_store
    from core.usage import UsageRecord

    email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    sign_up_sync(threadr_server, email)
    data_dir = DATA_DIRS[threadr_server]

    async def seed():
        store = await open_store(Settings(env="test", data_dir=data_dir))
        try:
            user = await store.get_user_by_email(email)
            from core.store.account_records import AccountRecords
            from core.store.sql import sql_db_for

            await AccountRecords(sql_db_for(store)).set_role(user.id, "admin")
            now = datetime.now(UTC)
            mix = [("web", "offline"), ("extension", "llm"), ("telegram", "offline"),
                   ("discord", "fallback:timeout"), ("api", "llm"), ("cli", "offline")]
            await store.record_usages([
                UsageRecord(f"ip:10.1.{d}.{n % 4}", None, *mix[(d + n) % 6], 80, 40, False,
                            now - timedelta(days=d, minutes=n))
                for d in range(7) for n in range(3 + (d * 5) % 9)])
        finally:
            await store.close()

    run_in_own_loop(seed)  # playwright's sync API owns this thread's loop
    page.set_viewport_size({"width": 900, "height": 1200})
    page.goto("/")
    page.click("#signin")
    page.fill("#auth-email", email)
    page.fill("#auth-password", "correct horse 1")
    page.click("#auth-login")
    page.wait_for_selector(f"#who:has-text('{email}')")
    page.goto("/admin")
    page.fill("#window-days", "7")
    page.click("#window-form button[type=submit]")
    page.wait_for_selector("body[data-loaded='true']")
    assert page.locator("#chart-surface svg rect").count() > 7
    assert page.locator("#chart-generator svg text", has_text="fallback:timeout").count() == 1
    page.screenshot(path=str(ARTIFACTS / "admin_dashboard.png"), full_page=True)
