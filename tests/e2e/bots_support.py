"""Helpers for the bot end-to-end tests: the real PTB Application / discord.py Bot run against
the stand-ins in tests/standins, and a transcript printer (`pytest -s` shows it)."""

from __future__ import annotations

import asyncio
import html
import re
from contextlib import asynccontextmanager

from core.settings import SecretStr, Settings

ARTICLE = (
    "<!doctype html><html><head><title>Cities plant trees to beat the heat</title>"
    "<meta property='og:site_name' content='Example News'></head><body><article>"
    "<h1>Cities plant trees to beat the heat</h1>"
    + "".join(
        f"<p>{p}</p>" for p in [
            "The city council said on Tuesday that it would plant 10,000 trees along the "
            "boulevards before next summer, mostly oaks and lindens chosen for their shade.",
            "Shade is cheap infrastructure, said the mayor, adding that cafe owners on the main "
            "square had asked for it for years because their terraces are empty at noon.",
            "Critics call the plan naive: the budget is two million euros, and the soil on "
            "some streets is poor, so many saplings may die in their first dry summer.",
            "Still, similar projects in Zurich and Malmo are encouraging. Temperatures fell by "
            "two to three degrees where the canopy covered a third of the block.",
            "The council will publish a map of the planting sites next month and invites "
            "residents to adopt a tree and water it during heat waves.",
            "Engineers will first dig out the compacted soil on the worst streets and replace "
            "it with a mix of gravel and compost that lets roots spread under the pavement.",
            "Each sapling gets a watering bag and a sensor in its first two years, so the "
            "parks department can see which streets need a visit during a drought.",
            "Shop owners on the boulevards have been told that parking spaces will be lost on "
            "some corners, and several of them have already complained to the council.",
            "The mayor said the first trees would go in the ground in November, when the "
            "weather is cool and wet enough for young roots to settle before spring.",
        ])
    + "</article></body></html>"
)
PASTED = (
    "Remote work is here to stay, according to a new survey of 2,000 managers. Most said "
    "productivity held steady or improved. Offices are being redesigned as meeting places "
    "rather than rows of desks. Commuting time saved is the benefit workers value most. "
    "Managers worry most about training new hires, who learn less when nobody is around.\n\n"
    "The survey found that two in three firms now ask staff to come in on fixed days, "
    "usually Tuesday to Thursday, so that teams overlap. Fridays are the quietest day in "
    "most offices, and some companies have stopped heating whole floors at the end of the "
    "week.\n\n"
    "Landlords are feeling the change. Demand for large headquarters has fallen, while "
    "smaller, better-located buildings with meeting rooms and good transport links still "
    "let quickly. Older blocks on the edge of town are being converted into flats.\n\n"
    "Workers say the biggest cost of the office is the commute, not the desk. Many would "
    "accept a lower salary to keep two days at home, the survey found, and younger staff "
    "are the most likely to value time in the office for learning from colleagues."
)

# Long enough that split mode makes more than 25 posts.
LONG_NOTES = " ".join(f"Note {i} records what the team measured on day {i} of the trial."
                      for i in range(1, 181))
NUMBERING = re.compile(r"\s*\d+/\d+$")


def words_of(posts: list[str]) -> list[str]:
    return " ".join(NUMBERING.sub("", p) for p in posts).split()


def bot_settings(base: Settings, **changes) -> Settings:
    defaults = {"free_daily_quota": 50, "burst_per_minute": 1000,
                "public_url": "https://threadr.example"}
    return base.with_(**{**defaults, **changes})


class Transcript:
    """A readable log of a conversation: who said what, in order."""

    def __init__(self, title: str) -> None:
        self.lines: list[str] = [f"===== {title} ====="]

    def user(self, text: str) -> None:
        self.lines.append(f"USER > {text}")

    def bot(self, text: str) -> None:
        plain = html.unescape(re.sub(r"</?(?:pre|b|code)>", "", text))
        self.lines.append("BOT  < " + plain.replace("\n", "\n       "))

    def note(self, text: str) -> None:
        self.lines.append(f"       [{text}]")

    def print(self) -> None:
        print("\n" + "\n".join(self.lines) + "\n")


@asynccontextmanager
async def running_telegram(settings: Settings, api, services=None):
    """The real PTB Application polling the stand-in, with its post_init/post_shutdown."""
    from bots.telegram.app import build_application

    settings = settings.with_(telegram_token=SecretStr(api.token),
                              telegram_api_base=api.base_url)
    application = build_application(settings, services)
    await application.initialize()
    await application.post_init(application)
    await application.updater.start_polling(poll_interval=0, timeout=1)
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        await application.post_shutdown(application)


@asynccontextmanager
async def running_discord(settings: Settings, api, services=None):
    """The real discord.py bot connected to the stand-in REST API and gateway."""
    import discord

    from bots.discord.app import build_bot

    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    settings = settings.with_(discord_token=SecretStr("discord-test-token"),
                              discord_api_base=api.api_base, discord_gateway_url=api.gateway)
    bot = build_bot(settings, services, guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start(settings.discord_token.reveal()))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
