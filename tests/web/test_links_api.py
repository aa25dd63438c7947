"""POST/GET/DELETE /api/v1/links and POST /api/v1/posts/fit through the real app."""

from __future__ import annotations

from core.text import weighted_length
from core.usecases.accounts import create_link_code
from tests.web.conftest import register


async def test_a_bot_code_links_lists_and_unlinks(client, services):
    headers = await register(client)
    assert (await client.get("/api/v1/links")).status == 401
    assert (await (await client.get("/api/v1/links", headers=headers)).json()) == {"links": []}
    code = await create_link_code(services, "telegram", "42")
    linked = await client.post("/api/v1/links", json={"code": f" {code[:4].lower()}-{code[4:]} "},
                               headers=headers)
    assert linked.status == 200 and await linked.json() == {"platform": "telegram",
                                                            "identity": "42"}
    again = await client.post("/api/v1/links", json={"code": code}, headers=headers)
    assert again.status == 400 and (await again.json())["error"]["code"] == "invalid_link_code"
    listed = await (await client.get("/api/v1/links", headers=headers)).json()
    assert listed == {"links": [{"platform": "telegram", "identity": "42"}]}
    assert (await client.delete("/api/v1/links/telegram", headers=headers)).status == 204
    assert (await client.delete("/api/v1/links/telegram", headers=headers)).status == 404
    assert (await client.delete("/api/v1/links/web", headers=headers)).status == 404


async def test_a_code_for_an_identity_on_another_web_account_is_refused(client, services):
    first = await register(client, "ann@example.com")
    second = await register(client, "bob@example.com")
    for headers, status in ((first, 200), (second, 409)):
        code = await create_link_code(services, "discord", "7")
        answer = await client.post("/api/v1/links", json={"code": code}, headers=headers)
        assert answer.status == status
    assert (await answer.json())["error"]["code"] == "identity_linked_elsewhere"


async def test_fit_cuts_one_post_into_pieces_that_fit_once_numbered(client):
    text = " ".join(f"Sentence {i} is about the shade of city trees." for i in range(15))
    answer = await client.post("/api/v1/posts/fit", json={"text": text, "total": 4,
                                                          "numbering": "(1/n)"})
    assert answer.status == 200
    pieces = (await answer.json())["posts"]
    total = 4 - 1 + len(pieces)
    assert len(pieces) >= 2 and " ".join(pieces).split() == text.split()
    assert all(weighted_length(f"{p} ({total}/{total})") <= 280 for p in pieces)
    bad = await client.post("/api/v1/posts/fit", json={"text": "x", "total": 0})
    assert bad.status == 422
