"""One mode rule on the API: summarize by default for every input; split keeps every word
and, past 25 posts, says so (`warnings`) in the JSON thread and in the stream's `done`."""

from __future__ import annotations

import re

from tests.web.conftest import ARTICLE, make_thread, register
from tests.web.sse import parse_sse

LONG_NOTES = " ".join(f"Note {i} records what the team measured on day {i} of the trial."
                      for i in range(1, 181))
NUMBER = re.compile(r"\s*\d+/\d+$")


def words_of(thread: dict) -> list[str]:
    return " ".join(NUMBER.sub("", p["text"]) for p in thread["posts"]).split()


async def test_pasted_text_and_an_html_page_are_summarized_by_default(client):
    text = await make_thread(client, text=ARTICLE)
    assert text["options"]["mode"] == "summarize" and text["warnings"] == []
    html = "<html><head><title>Trees</title></head><body><article>" + "".join(
        f"<p>{para}</p>" for para in ARTICLE.split("\n\n")) + "</article></body></html>"
    response = await client.post("/api/v1/threads",
                                 json={"html": html, "url": "https://example.com/trees"})
    assert response.status == 200, await response.text()
    assert (await response.json())["options"]["mode"] == "summarize"


async def test_a_long_split_keeps_every_word_and_warns(client):
    thread = await make_thread(client, text=LONG_NOTES, mode="split", link="none")
    n = len(thread["posts"])
    assert n > 25
    assert words_of(thread) == LONG_NOTES.split()
    [warning] = thread["warnings"]
    assert warning["code"] == "long_split"
    assert f"{n} posts" in warning["message"] and "Summarize" in warning["message"]


async def test_the_stream_carries_the_warning_in_done(client):
    response = await client.post(
        "/api/v1/threads", json={"text": LONG_NOTES + " Streamed.", "mode": "split"},
        headers={"Accept": "text/event-stream"})
    events, _ = parse_sse(await response.text())
    done = events[-1].json()
    assert events[-1].event == "done"
    assert [w["code"] for w in done["warnings"]] == ["long_split"]


async def test_a_short_split_and_a_summary_of_the_same_text_carry_no_warning(client):
    short = await make_thread(client, text=ARTICLE, mode="split")
    assert short["warnings"] == [] and words_of(short)[:5] == ARTICLE.split()[:5]
    summary = await make_thread(client, text=LONG_NOTES)
    assert summary["warnings"] == [] and len(summary["posts"]) <= 12


async def test_a_long_split_thread_can_be_edited_and_saved_whole(client):
    headers = await register(client)
    thread = await make_thread(client, headers, text=LONG_NOTES, mode="split")
    texts = [p["text"] for p in thread["posts"]]
    texts[0] = texts[0].replace("records", "notes", 1)
    assert texts[0] != thread["posts"][0]["text"]
    response = await client.patch(f"/api/v1/threads/{thread['id']}", json={"posts": texts},
                                  headers=headers)
    assert response.status == 200, await response.text()
    saved = await response.json()
    assert [p["text"] for p in saved["posts"]] == texts
    assert [w["code"] for w in saved["warnings"]] == ["long_split"]
