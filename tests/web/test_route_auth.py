"""Auth comes from the route table: every route declared auth="required" answers 401 to an
anonymous caller and to a bad token, before its handler runs; "optional" routes refuse a bad
token. Walks the real table of the real app (billing configured, so its routes are reached)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.settings import SecretStr
from web.app import create_app
from web.routes import route_table

REPO = Path(__file__).resolve().parents[2]
TABLE = route_table()


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "0123456789abcdef0123456789abcdef", path)


@pytest.fixture
async def billing_client(aiohttp_client, web_settings):
    """Billing configured (never reached: the guard answers first), so `needs_billing`
    routes get as far as their auth check."""
    from core.bootstrap import build_services

    settings = web_settings.with_(stripe_secret_key=SecretStr("sk_test_never_used"),
                                  stripe_webhook_secret=SecretStr("whsec_never_used"),
                                  stripe_api_base="http://127.0.0.1:9")
    async with build_services(settings) as services:
        yield await aiohttp_client(create_app(settings, services=services))


def test_every_route_declares_a_known_auth():
    assert {r.auth for r in TABLE} <= {"none", "optional", "required", "admin"}
    assert any(r.auth == "required" for r in TABLE)


@pytest.mark.parametrize("route", [r for r in TABLE if r.auth in ("required", "admin")],
                         ids=lambda r: f"{r.method} {r.path}")
async def test_a_required_route_refuses_anonymous_and_bad_tokens(billing_client, route):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
        response = await billing_client.request(route.method, _url(route.path), json={},
                                                headers=headers)
        assert response.status == 401, (headers, await response.text())
        assert (await response.json())["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("route", [r for r in TABLE if r.auth == "optional"],
                         ids=lambda r: f"{r.method} {r.path}")
async def test_an_optional_route_refuses_a_bad_token(billing_client, route):
    response = await billing_client.request(route.method, _url(route.path), json={},
                                            headers={"Authorization": "Bearer not-a-token"})
    assert response.status == 401


def _calls_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            for node in ast.walk(tree) if isinstance(node, ast.Call)}


def test_handlers_do_not_authenticate_on_their_own():
    """One place decides: web.routes. A handler reads `user_id(request)`."""
    handlers = [*(REPO / "web" / "views").glob("*.py"), REPO / "web" / "billing.py"]
    wrong = [p.name for p in handlers if {"current_user", "authenticate"} & _calls_in(p)]
    assert wrong == []
