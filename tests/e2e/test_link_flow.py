"""One account everywhere: a Telegram /link code entered on the web page (headless Chromium,
the real web app and the real python-telegram-bot client sharing one set of services)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from aiohttp import web

from core.usecases.premium import forget_plan
from tests.e2e.bots_support import bot_settings, running_telegram
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port
from tests.standins.telegram_api import TelegramApi
from tests.web.conftest import mark_verified

pytestmark = pytest.mark.e2e
USER = 4242
TEXT = ("Cities are planting trees to cope with heat. Shade from a mature tree can cool a street "
        "by several degrees on a summer afternoon. The programmes are not cheap, and many young "
        "trees die before they give any shade. Residents notice the difference all the same.")


async def answer_after(api, since: int) -> str:
    await api.wait_until(lambda: len(api.sent("sendMessage")) > since)
    return api.sent("sendMessage")[-1]["text"]


async def test_a_telegram_code_entered_on_the_web_shares_the_web_accounts_plan_and_count(
        settings):
    from playwright.async_api import async_playwright

    from web.app import create_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = bot_settings(settings, public_url=base)
    async with TelegramApi() as api, running_telegram(config, api) as application:
        services = application.bot_data["lifecycle"].services  # the web app shares them
        runner = web.AppRunner(create_app(config, services=services))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            api.send_text(USER, "/link")
            answer = await answer_after(api, 0)
            assert f"{base}/#account" in answer  # where to enter it
            code = re.search(r"Your link code: (\w+)", answer).group(1)
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=str(CHROMIUM),
                                                   args=CHROMIUM_ARGS)
                page = await browser.new_page(base_url=base)
                page.set_default_timeout(15_000)
                user_id = await _register_generate_and_link(page, code.lower(), services)
                await browser.close()
            async with services.store.billing_transaction() as tx:  # the web account's plan
                now = services.clock()
                await tx.add_premium_grant(user_id, "test", "web-1", now,
                                           now + timedelta(days=30))
            await forget_plan(services, user_id)  # written behind the use cases' back
            since = len(api.sent("sendMessage"))
            api.send_text(USER, "/usage")
            usage = await answer_after(api, since)
        finally:
            await runner.cleanup()
    assert usage.startswith("Premium: 1 of 200 threads used today")  # the web thread counts


async def _register_generate_and_link(page, code: str, services) -> str:
    email = f"link-{uuid.uuid4().hex[:8]}@example.com"
    await page.goto("/")
    await page.click("#signin")
    await page.fill("#auth-email", email)
    await page.fill("#auth-password", "correct horse battery")
    await page.click("#auth-register")
    await page.wait_for_selector(f"#who:has-text('{email}')")
    await mark_verified(services, email)  # a verified account counts on its own, not its IP
    await page.check("input[name='mode'][value='split']")
    await page.fill("#source", TEXT)
    await page.click("#generate")
    await page.wait_for_selector("#status:has-text('Thread ready')")
    await page.click("#account-link")
    await page.wait_for_selector("#links-list")
    assert "None yet" in await page.inner_text("#links-list")
    await page.fill("#link-code", code)  # typed in lower case: codes are case-insensitive
    await page.click("#link-form button[type=submit]")
    await page.wait_for_selector("text=Linked your Telegram account")
    # the list is fetched again after the message: wait for it rather than read it at once
    await page.wait_for_selector(f"#links-list:has-text('Telegram ({USER})')", timeout=10_000)
    assert "1 of" in await page.inner_text("#account-plan")
    return await page.evaluate("JSON.parse(localStorage.getItem('threadr.user')).id")
