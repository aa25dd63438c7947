"""Premium end to end, over a real `threadr serve` and the Stripe stand-in on 127.0.0.1.

The page (headless Chromium): sign up → the free thread → refused → Upgrade → the stand-in's
Checkout page → the stand-in completes the session → back on /billing/success, which polls
until the signed webhook has landed → premium shows → the next thread is made.
Telegram (the real PTB client against the stand-in Bot API, on the server's own database):
a /link code redeemed by the premium web account → /usage is premium and the free quota is
lifted there too; /premium for someone else answers with the stand-in's Checkout link.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import aiohttp
import pytest

from core.settings import SecretStr
from core.usecases.accounts import redeem_link_code
from tests.e2e.bots_support import PASTED, bot_settings, running_telegram
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, start_server, stop_server
from tests.e2e.test_telegram_bot import answer_after, thread_after
from tests.e2e.test_web_page import ARTICLE
from tests.fixtures.accounts import DATA_DIRS, outbox_link_token, sign_up
from tests.standins.stripe_api import StripeApi
from tests.standins.telegram_api import TelegramApi

pytestmark = pytest.mark.e2e

WAIT_MS = 30_000  # generous: CI shares 2 cores with every other suite
JWT = "premium-e2e-" + "j" * 40
PASSWORD = "correct horse battery"
TG_BUYER, TG_STRANGER = 5150, 6160


@pytest.fixture
async def stripe():
    async with StripeApi(checkout_pages=True) as api:
        yield api


@pytest.fixture
async def server(tmp_path, stripe):
    """`threadr serve` with billing aimed at the stand-in and one free thread a day."""
    process, base_url = await asyncio.to_thread(
        start_server, tmp_path, STRIPE_SECRET_KEY=stripe.secret_key,
        STRIPE_WEBHOOK_SECRET=stripe.webhook_secret, STRIPE_API_BASE=stripe.base_url,
        FREE_DAILY_QUOTA="1", BURST_PER_MINUTE="1000", JWT_SECRET=JWT)
    yield base_url
    await asyncio.to_thread(stop_server, process)


@pytest.fixture
async def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                    args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def _register(page) -> str:
    email = f"buyer-{uuid.uuid4().hex[:8]}@example.com"
    await page.click("#signin")
    await page.fill("#auth-email", email)
    await page.fill("#auth-password", PASSWORD)
    await page.click("#auth-register")
    await page.wait_for_selector(f"#who:has-text('{email}')")
    return email


async def _generate(page, text: str) -> list[str]:
    await page.fill("#source", text)
    await page.click("#generate")
    await page.wait_for_selector("#status:has-text('Thread ready')")
    return [await area.input_value() for area in await page.locator("#posts textarea").all()]


async def test_an_upgrade_on_the_page_shows_premium_and_lifts_the_free_quota(
        server, stripe, browser):
    context = await browser.new_context(base_url=server, viewport={"width": 375, "height": 800})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await page.goto("/")
    email = await _register(page)
    token = await asyncio.to_thread(outbox_link_token, DATA_DIRS[server], email)
    await page.goto(f"/verify?token={token}")  # a verified account counts on its own
    await page.wait_for_selector("#status:has-text('confirmed')")
    user_id = await page.evaluate("JSON.parse(localStorage.getItem('threadr.user')).id")
    assert await _generate(page, ARTICLE)  # today's one free thread

    await page.fill("#source", ARTICLE + " Once more.")
    await page.click("#generate")
    await page.locator("#error").wait_for(state="visible")
    assert "free threads" in await page.inner_text("#error")
    assert await page.locator("#error a", has_text="Upgrade to premium").count() == 1

    await page.click("#upgrade")
    await page.wait_for_url(f"{stripe.base_url}/pay/cs_test_*")
    session_id = page.url.rsplit("/", 1)[1]
    assert await page.inner_text("#session") == session_id
    assert await page.inner_text("#amount") == "$4.99"
    session = stripe.objects[session_id]
    assert session["client_reference_id"] == user_id and session["mode"] == "payment"

    event = stripe.complete_session(session_id)  # the customer pays at "Stripe"
    await page.click("#return")
    await page.wait_for_url(f"{server}/billing/success?session_id={session_id}")
    assert await page.inner_text("#premium-status") == "Confirming your payment…"

    status, body = await stripe.deliver(event, f"{server}/api/v1/stripe/webhook")
    assert (status, json.loads(body)) == (200, {"received": True, "outcome": "applied"})
    await page.wait_for_selector("body[data-premium='active']")
    assert (await page.inner_text("#premium-status")).startswith("Premium is active until ")

    await page.click("text=Back to Threadr")
    await page.wait_for_selector("#usage:has-text('Premium')")
    assert await _generate(page, ARTICLE + " Now as premium.")  # a thread past the free 1
    await page.wait_for_selector("#usage:has-text('198 left today')")
    assert await page.inner_text("#usage") == "Premium · 198 left today"
    assert await page.locator("#error").is_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "premium.png"), full_page=True)
    await context.close()


async def test_the_quota_errors_upgrade_link_and_an_upgrade_hash_both_open_checkout(
        server, stripe, browser):
    context = await browser.new_context(base_url=server)
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await page.goto("/")
    await _register(page)
    await _generate(page, ARTICLE)
    await page.fill("#source", ARTICLE + " Once more.")
    await page.click("#generate")
    link = page.locator("#error a", has_text="Upgrade to premium")
    assert await link.get_attribute("href") == f"{server}/#upgrade"  # also what the bots send
    await link.click()
    await page.wait_for_url(f"{stripe.base_url}/pay/cs_test_*")
    await page.goto("/#upgrade")  # where the bots' quota message sends a person
    await page.wait_for_url(f"{stripe.base_url}/pay/cs_test_*")
    await page.go_back()  # the hash was consumed: back on the page, no second redirect
    await page.wait_for_selector("#usage:has-text('left today')")
    assert page.url == f"{server}/"
    assert stripe.calls.count(("POST", "checkout/sessions")) == 2
    await context.close()


async def _premium_web_account(server: str, stripe: StripeApi) -> str:
    """Sign up through the API, buy through Checkout + the signed webhook; the account id."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        auth = await sign_up(http, server, "ada@example.com", PASSWORD, verified=True)
        async with http.post(f"{server}/api/v1/billing/checkout", json={}, headers=auth) as r:
            url = (await r.json())["url"]
        event = stripe.complete_session(url.rsplit("/", 1)[1])
        assert (await stripe.deliver(event, f"{server}/api/v1/stripe/webhook"))[0] == 200
        async with http.get(f"{server}/api/v1/me", headers=auth) as r:
            me = await r.json()
            assert me["premium"] is True
    return me["id"]


def _buttons(params: dict) -> list[dict]:
    markup = json.loads(params.get("reply_markup") or "{}")
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_telegram_identity_linked_to_the_premium_account_is_premium_there_too(
        server, stripe, settings, tmp_path):
    user_id = await _premium_web_account(server, stripe)
    shared = bot_settings(  # the bot on the server's own database (SQLite, WAL)
        settings, data_dir=tmp_path / "data", free_daily_quota=1, public_url=server,
        stripe_secret_key=SecretStr(stripe.secret_key),
        stripe_webhook_secret=SecretStr(stripe.webhook_secret), stripe_api_base=stripe.base_url)
    async with TelegramApi() as tg, running_telegram(shared, tg) as application:
        services = application.bot_data["lifecycle"].services
        tg.send_text(TG_BUYER, "/link")
        code = re.search(r"Your link code: (\w+)", await answer_after(tg, 0)).group(1)
        assert await redeem_link_code(services, user_id, code) == ("telegram", str(TG_BUYER))

        since = len(tg.calls)
        tg.send_text(TG_BUYER, "/usage")
        usage = await answer_after(tg, since)
        assert usage.startswith("Premium: 0 of 200 threads used today") and "Premium until" in usage
        for n in (1, 2):  # the bot's free quota is 1: the second thread needs premium
            since = len(tg.calls)
            tg.send_text(TG_BUYER, f"/thread {PASTED} Take {n}.")
            assert await thread_after(tg, since)
        since = len(tg.calls)
        tg.send_text(TG_BUYER, "/premium")
        assert (await answer_after(tg, since)).startswith("You are premium until ")

        since = len(tg.calls)
        tg.send_text(TG_STRANGER, "/premium")
        offer = await answer_after(tg, since)
        [message] = [p for name, p in tg.calls[since:] if name == "sendMessage"]
    checkout = re.search(r"http://\S+", offer).group(0)
    assert checkout.startswith(f"{stripe.base_url}/pay/cs_test_")
    assert [b["url"] for b in _buttons(message)] == [checkout]
    stranger = stripe.objects[checkout.rsplit("/", 1)[1]]
    assert stranger["client_reference_id"] not in (None, user_id)
    assert stranger["success_url"].startswith(f"{server}/billing/success")
