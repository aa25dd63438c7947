"""Helpers shared by the LLM tests (no tests here): an article, settings for the stand-in."""

from __future__ import annotations

from core.models import Article

ARTICLE = Article(
    text="\n\n".join(
        f"Paragraph {i}: urban trees lower street temperatures, and the city measured it "
        f"block by block over {i + 2} summers, finding shade matters most at noon."
        for i in range(12)
    ),
    title="Trees cool cities",
    author="A. Writer",
    site_name="Example News",
    language="en",
    url="https://example.com/trees",
)


def llm_settings(settings, base_url: str, **changes):
    values = {
        "generator": "llm", "openai_base_url": base_url, "openai_model": "stand-in",
        "llm_timeout": 5.0, "llm_max_retries": 2, "llm_breaker_failures": 3,
        "llm_breaker_cooldown": 30.0,
    }
    return settings.with_(**(values | changes))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RecordingSleep:
    """Stands in for asyncio.sleep in the retry loop: records each wait, returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
