"""One serialisation: every JSON answer is its route's `ok` model (`out(Model, value)`).

One flow calls every route of the table that declares an `ok` model and checks each body
two ways:
- it has exactly the model's fields, nested models included (`out` drops what a model does
  not declare, so a field missing from a model would vanish from the answer);
- its shape (keys, JSON types, timestamps written as `datetime.isoformat()`) is the one the
  page, the extension and the tests read, recorded from the hand-built answers before they
  went through the models.
"""

from __future__ import annotations

import json
import re
import types
import typing
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from pydantic import BaseModel

from core.billing import StripeBilling
from core.bootstrap import build_services
from core.models import Usage
from core.settings import SecretStr
from core.usecases import accounts, admin
from tests.fixtures.accounts import outbox_link_token
from tests.publish.conftest import networks, publishing_settings  # noqa: F401 (fixture)
from tests.publish.flows import _follow_consent, seven_post_thread, wait_for
from tests.standins.stripe_api import StripeApi
from tests.web.conftest import ARTICLE
from web.app import create_app
from web.routes import route_table
from web.schemas import AccountOut, UsageOut, account_out, out, usage_out

PASSWORD = "correct horse 1"
_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")


def shape(value):
    """Keys and JSON types; a list by its first item; a UTC timestamp as "iso"."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, str) and _ISO.fullmatch(value):
        return "iso"
    return type(value).__name__


def _models_in(annotation) -> list[type[BaseModel]]:
    """The pydantic models a field holds (through `X | None`, `list[X]`, `Annotated`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType, typing.Annotated):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def mismatches(model: type[BaseModel], body, where: str = "") -> list[str]:
    """Where `body` has other keys than `model` declares, recursively."""
    if not isinstance(body, dict):
        return [f"{where or '.'}: not an object"]
    found = [f"{where or '.'}: {sorted(set(body) ^ set(model.model_fields))}"] if (
        set(body) != set(model.model_fields)) else []
    for name, info in model.model_fields.items():
        for inner in _models_in(info.annotation):
            value = body.get(name)
            for i, item in enumerate(value if isinstance(value, list) else [value]):
                if item is not None:
                    found += mismatches(inner, item, f"{where}.{name}" + (
                        f"[{i}]" if isinstance(value, list) else ""))
    return found


@pytest.fixture
async def stripe():
    async with StripeApi() as running:
        yield running


@pytest.fixture
async def services(web_settings, networks, stripe):  # noqa: F811
    configured = publishing_settings(web_settings, networks).with_(
        stripe_secret_key=SecretStr(stripe.secret_key), stripe_api_base=stripe.base_url,
        stripe_webhook_secret=SecretStr(stripe.webhook_secret), stripe_mode="subscription",
        stripe_price_id="price_monthly")
    gateway = StripeBilling(configured)
    async with build_services(configured, billing=gateway) as built:
        built.publish_queue.start()
        yield built
    await gateway.close()


@pytest.fixture
async def client(aiohttp_client, services):
    return await aiohttp_client(create_app(services.settings, services=services))


class Calls:
    """Calls through the app, keeping the first answer of each route."""

    def __init__(self, client, services):
        self.client, self.services, self.bodies = client, services, {}
        self.routes = sorted(route_table(), key=lambda r: r.path.count("{"))

    async def __call__(self, method, path, status=200, headers=None, **kw) -> dict:
        response = await self.client.request(method, path, headers=headers, **kw)
        assert response.status == status, (method, path, await response.text())
        route = next(r for r in self.routes if r.method == method and re.fullmatch(
            re.sub(r"{[^}]+}", "[^/]+", r.path), path.split("?")[0]))
        body = json.loads(await response.text()) if response.status != 204 else None
        self.bodies.setdefault((route.method, route.path), body)
        return body

    async def mail_token(self, email: str, page: str) -> str:
        await self.services.mail.drain()
        return outbox_link_token(self.services.settings.data_dir, email, page)


async def _accounts(call: Calls) -> dict:
    email = "ada@example.com"
    creds = {"email": email, "password": PASSWORD}
    await call("POST", "/api/v1/auth/register", 202, json=creds)
    me = {"Authorization": f"Bearer {(await call('POST', '/api/v1/auth/login', json=creds))['token']}"}
    await call("POST", "/api/v1/auth/verify/resend", 202, me)
    await call("POST", "/api/v1/auth/verify",
               json={"token": await call.mail_token(email, "verify")})
    await call("POST", "/api/v1/auth/password-reset", 202, json={"email": email})
    signed = await call("POST", "/api/v1/auth/password-reset/confirm", json={
        "token": await call.mail_token(email, "reset"), "password": "a new horse 2"})
    me = {"Authorization": f"Bearer {signed['token']}"}
    signed = await call("POST", "/api/v1/me/password", headers=me, json={
        "current_password": "a new horse 2", "new_password": PASSWORD})
    me = {"Authorization": f"Bearer {signed['token']}"}
    await call("POST", "/api/v1/me/email", 202, me,
               json={"password": PASSWORD, "email": "ada2@example.com"})
    await call("POST", "/api/v1/tokens", 201, me, json={"name": "laptop"})
    await call("GET", "/api/v1/tokens", headers=me)
    await call("GET", "/api/v1/me", headers=me)
    await call("GET", "/api/v1/usage", headers=me)
    code = await accounts.create_link_code(call.services, "telegram", "4242")
    await call("POST", "/api/v1/links", headers=me, json={"code": code})
    await call("GET", "/api/v1/links", headers=me)
    return me


async def _threads(call: Calls, me: dict) -> str:
    made = await call("POST", "/api/v1/threads", headers=me, json={"text": ARTICLE})
    await call("GET", "/api/v1/threads", headers=me)
    await call("GET", f"/api/v1/threads/{made['id']}", headers=me)
    await call("PATCH", f"/api/v1/threads/{made['id']}", headers=me,
               json={"posts": ["One post.", "Two posts."]})
    await call("POST", "/api/v1/posts/fit", json={"text": "word " * 100, "total": 2})
    return made["id"]


async def _admin(call: Calls, target: str) -> None:
    creds = {"email": "boss@example.com", "password": PASSWORD}
    await call("POST", "/api/v1/auth/register", 202, json=creds)
    await admin.set_admin(call.services, "boss@example.com", True)
    boss = {"Authorization": f"Bearer {(await call('POST', '/api/v1/auth/login', json=creds))['token']}"}
    await call("GET", "/api/v1/admin/kpis", headers=boss)
    found = await call("GET", f"/api/v1/admin/users?email={target}", headers=boss)
    await call("POST", f"/api/v1/admin/users/{found['id']}/premium", headers=boss,
               json={"days": 30})
    await call("GET", "/api/v1/admin/audit", headers=boss)


async def _publishing(call: Calls, me: dict, networks) -> None:  # noqa: F811
    from tests.standins.bluesky_pds import APP_PASSWORD, HANDLE

    bsky = await call("POST", "/api/v1/destinations/bluesky", 201, me,
                      json={"handle": HANDLE, "app_password": APP_PASSWORD})
    async with aiohttp.ClientSession() as browser:
        x = await call("POST", "/api/v1/destinations/x", headers=me)
        await _follow_consent(call.client, browser, x["authorize_url"])
        await call("POST", "/api/v1/destinations/mastodon", headers=me,
                   json={"instance": networks["mastodon"].base})
    await call("GET", "/api/v1/destinations", headers=me)
    thread_id = await seven_post_thread(call.client, me)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    pub = await call("POST", f"/api/v1/threads/{thread_id}/publish", 202, me,
                     json={"destination_id": bsky["id"], "at": later})
    await call("GET", f"/api/v1/publications/{pub['id']}", headers=me)
    await call("GET", "/api/v1/publications", headers=me)
    await call("DELETE", f"/api/v1/publications/{pub['id']}", headers=me)
    now = await call.client.post(f"/api/v1/threads/{thread_id}/publish", headers=me,
                                 json={"destination_id": bsky["id"]})
    done = await wait_for(call.client, me, (await now.json())["id"])  # with its posts' links
    assert done["status"] == "published", done
    call.bodies[("GET", "/api/v1/publications/{publication_id}")] = done


async def _the_rest(call: Calls, me: dict, target_id: str, stripe) -> None:
    await call("GET", "/api/v1/me/export", headers=me)
    await call("GET", "/api/v1/me/audit", headers=me)
    await call("GET", "/api/v1/config")
    await call("GET", "/healthz")
    await call("GET", "/readyz")
    boss = {"Authorization": "Bearer " + (await call(
        "POST", "/api/v1/auth/login",
        json={"email": "boss@example.com", "password": PASSWORD}))["token"]}
    await call("DELETE", f"/api/v1/admin/users/{target_id}/premium", headers=boss)
    url = (await call("POST", "/api/v1/billing/checkout", headers=me, json={}))["url"]
    payload, signature = stripe.signed(stripe.complete_session(url.rsplit("/", 1)[1]))
    await call("POST", "/api/v1/stripe/webhook", data=payload,
               headers={"Stripe-Signature": signature})
    await call("POST", "/api/v1/billing/portal", headers=me)
    await call("POST", "/api/v1/auth/sign-out-everywhere", headers=me)


@pytest.fixture
async def bodies(client, services, networks, stripe):  # noqa: F811
    call = Calls(client, services)
    me = await _accounts(call)
    await _threads(call, me)
    await _admin(call, "ada@example.com")
    await _publishing(call, me, networks)
    target_id = (await services.store.get_user_by_email("ada@example.com")).id
    await _the_rest(call, me, target_id, stripe)
    return call.bodies


def _json_routes():
    return [r for r in route_table() if r.ok[1] is not None and r.media == "application/json"]


async def test_every_answer_has_exactly_its_models_fields_and_the_recorded_shape(bodies):
    wanted = {(r.method, r.path) for r in _json_routes()}
    assert wanted - set(bodies) == set(), "a route with an ok model is not called here"
    assert set(SHAPES) <= wanted
    problems = {}
    for route in _json_routes():
        key = (route.method, route.path)
        found = mismatches(route.ok[1], bodies[key])
        if found:
            problems[key] = found
        if key in SHAPES and shape(bodies[key]) != SHAPES[key]:
            problems.setdefault(key, []).append(f"shape: {shape(bodies[key])}")
    assert not problems, problems


def test_mismatches_finds_a_missing_and_an_extra_field_at_any_depth():
    from web.schemas import AuthOut

    user = {"id": "u", "email": None, "email_verified": False, "created_at": None}
    assert mismatches(AuthOut, {"token": "t", "user": user}) == []
    assert mismatches(AuthOut, {"token": "t", "user": {**user, "x": 1}}) == [".user: ['x']"]
    assert mismatches(AuthOut, {"user": user}) == [".: ['token']"]


# Recorded from the hand-built answers (`user_json`, `audit_json`, `Publication.as_dict`, …)
# just before they went through the models.
SHAPES = {('DELETE', '/api/v1/admin/users/{user_id}/premium'): {'ended': 'int'},
          ('DELETE', '/api/v1/publications/{publication_id}'): {'created_at': 'iso',
                                                                'destination_id': 'str',
                                                                'error': 'NoneType',
                                                                'id': 'str',
                                                                'platform': 'str',
                                                                'posts': [{'index': 'int',
                                                                           'remote_id': 'NoneType',
                                                                           'text': 'str',
                                                                           'url': 'NoneType'}],
                                                                'run_at': 'iso',
                                                                'status': 'str',
                                                                'thread_id': 'str'},
          ('GET', '/api/v1/admin/audit'): {'entries': [{'action': 'str',
                                                        'actor': 'str',
                                                        'at': 'iso',
                                                        'details': {'days': 'int', 'source': 'str'},
                                                        'id': 'int',
                                                        'ip': 'str',
                                                        'request_id': 'str',
                                                        'user_id': 'str'}]},
          ('GET', '/api/v1/admin/kpis'): {'active_identities': ['int'],
                                          'days': ['str'],
                                          'end': 'iso',
                                          'start': 'iso',
                                          # the usage records of the last second are
                                          # flushed first (were missing while buffered)
                                          'threads_by_generator': {'offline': ['int']},
                                          'threads_by_surface': {'api': ['int'],
                                                                 'cli': ['int'],
                                                                 'discord': ['int'],
                                                                 'extension': ['int'],
                                                                 'telegram': ['int'],
                                                                 'web': ['int']},
                                          'totals': {'conversion': 'float',
                                                     'error_rate': 'float',
                                                     'llm_cost_usd': 'float',
                                                     'llm_tokens': 'int',
                                                     'new_accounts': 'int',
                                                     'paying_accounts': 'int',
                                                     'quota_rejection_rate': 'float',
                                                     'revenue_cents': {},
                                                     'threads': 'int',
                                                     'verified_share': 'float'}},
          ('GET', '/api/v1/admin/users'): {'admin': 'bool',
                                           'created_at': 'iso',
                                           'email': 'str',
                                           'email_verified': 'bool',
                                           'id': 'str',
                                           'identities': [{'external_id': 'str', 'platform': 'str'}],
                                           'limit': 'int',
                                           'plan': 'str',
                                           'premium': 'bool',
                                           'premium_until': 'NoneType',
                                           'used_today': 'int'},
          ('GET', '/api/v1/destinations'): {'destinations': [{'created_at': 'iso',
                                                              'handle': 'str',
                                                              'id': 'str',
                                                              'platform': 'str',
                                                              'server': 'str'}]},
          ('GET', '/api/v1/me/audit'): {'entries': [{'action': 'str',
                                                     'actor': 'str',
                                                     'at': 'iso',
                                                     'details': {'days': 'int', 'source': 'str'},
                                                     'id': 'int',
                                                     'ip': 'str',
                                                     'request_id': 'str',
                                                     'user_id': 'str'}]},
          ('GET', '/api/v1/me/export'): {'account': {'created_at': 'iso',
                                                     'email': 'str',
                                                     'email_verified_at': 'iso',
                                                     'id': 'str',
                                                     'language': 'NoneType',
                                                     'role': 'str'},
                                         'billing_records': [{'amount_cents': 'int',
                                                              'at': 'iso',
                                                              'currency': 'str',
                                                              'days': 'int',
                                                              'kind': 'str'}],
                                         'exported_at': 'iso',
                                         'extension_tokens': [{'created_at': 'iso',
                                                               'id': 'str',
                                                               'last_used_at': 'NoneType',
                                                               'name': 'str',
                                                               'revoked_at': 'NoneType'}],
                                         'identities': [{'created_at': 'iso',
                                                         'external_id': 'str',
                                                         'platform': 'str'}],
                                         'premium_grants': [{'created_at': 'iso',
                                                             'revoked_at': 'NoneType',
                                                             'source': 'str',
                                                             'source_ref': 'str',
                                                             'starts_at': 'iso',
                                                             'until': 'iso'}],
                                         'threads': [{'created_at': 'iso',
                                                      'edited_at': 'iso',
                                                      'fallback_reason': 'NoneType',
                                                      'generator': 'str',
                                                      'id': 'str',
                                                      'options': {'emoji': 'bool',
                                                                  'hashtags': 'int',
                                                                  'language': 'NoneType',
                                                                  'link': 'str',
                                                                  'max_posts': 'NoneType',
                                                                  'mode': 'str',
                                                                  'numbering': 'str',
                                                                  'numbering_position': 'str',
                                                                  'platform': 'str',
                                                                  'tone': 'str'},
                                                      'posts': [{'text': 'str',
                                                                 'weighted_length': 'int'}],
                                                      'source': {'author': 'NoneType',
                                                                 'canonical_url': 'NoneType',
                                                                 'language': 'NoneType',
                                                                 'published': 'NoneType',
                                                                 'site_name': 'NoneType',
                                                                 'title': 'NoneType',
                                                                 'url': 'NoneType'},
                                                      'source_title': 'NoneType',
                                                      'source_url': 'NoneType'}],
                                         # flushed first (the buffered ones were missing)
                                         'usage': [{'at': 'iso', 'cached': 'int',
                                                    'completion_tokens': 'int',
                                                    'generator': 'str', 'platform': 'str',
                                                    'prompt_tokens': 'int'}]},
          ('GET', '/api/v1/publications'): {'publications': [{'created_at': 'iso',
                                                              'destination_id': 'str',
                                                              'error': 'NoneType',
                                                              'id': 'str',
                                                              'platform': 'str',
                                                              'posts': [{'index': 'int',
                                                                         'remote_id': 'NoneType',
                                                                         'text': 'str',
                                                                         'url': 'NoneType'}],
                                                              'run_at': 'iso',
                                                              'status': 'str',
                                                              'thread_id': 'str'}]},
          ('GET', '/api/v1/publications/{publication_id}'): {'created_at': 'iso',
                                                             'destination_id': 'str',
                                                             'error': 'NoneType',
                                                             'id': 'str',
                                                             'platform': 'str',
                                                             'posts': [{'index': 'int',
                                                                        'remote_id': 'str',
                                                                        'text': 'str',
                                                                        'url': 'str'}],
                                                             'run_at': 'iso',
                                                             'status': 'str',
                                                             'thread_id': 'str'},
          ('GET', '/api/v1/tokens'): {'tokens': [{'created_at': 'iso',
                                                  'id': 'str',
                                                  'last_used_at': 'NoneType',
                                                  'name': 'str'}]},
          ('POST', '/api/v1/admin/users/{user_id}/premium'): {'premium_until': 'iso'},
          ('POST', '/api/v1/auth/login'): {'token': 'str',
                                           'user': {'created_at': 'iso',
                                                    'email': 'str',
                                                    'email_verified': 'bool',
                                                    'id': 'str'}},
          ('POST', '/api/v1/auth/password-reset'): {'message': 'str', 'status': 'str'},
          ('POST', '/api/v1/auth/password-reset/confirm'): {'token': 'str',
                                                            'user': {'created_at': 'iso',
                                                                     'email': 'str',
                                                                     'email_verified': 'bool',
                                                                     'id': 'str'}},
          ('POST', '/api/v1/auth/register'): {'message': 'str', 'status': 'str'},
          ('POST', '/api/v1/auth/sign-out-everywhere'): {'ended': 'int'},
          ('POST', '/api/v1/auth/verify'): {'email': 'str', 'email_verified': 'bool'},
          ('POST', '/api/v1/auth/verify/resend'): {'message': 'str', 'status': 'str'},
          ('POST', '/api/v1/destinations/bluesky'): {'created_at': 'iso',
                                                     'handle': 'str',
                                                     'id': 'str',
                                                     'platform': 'str',
                                                     'server': 'str'},
          ('POST', '/api/v1/destinations/mastodon'): {'authorize_url': 'str'},
          ('POST', '/api/v1/destinations/x'): {'authorize_url': 'str'},
          ('POST', '/api/v1/me/email'): {'message': 'str', 'status': 'str'},
          ('POST', '/api/v1/me/password'): {'token': 'str',
                                            'user': {'created_at': 'iso',
                                                     'email': 'str',
                                                     'email_verified': 'bool',
                                                     'id': 'str'}},
          ('POST', '/api/v1/threads/{thread_id}/publish'): {'created_at': 'iso',
                                                            'destination_id': 'str',
                                                            'error': 'NoneType',
                                                            'id': 'str',
                                                            'platform': 'str',
                                                            'posts': [{'index': 'int',
                                                                       'remote_id': 'NoneType',
                                                                       'text': 'str',
                                                                       'url': 'NoneType'}],
                                                            'run_at': 'iso',
                                                            'status': 'str',
                                                            'thread_id': 'str'},
          ('POST', '/api/v1/tokens'): {'created_at': 'iso',
                                       'id': 'str',
                                       'last_used_at': 'NoneType',
                                       'name': 'str',
                                       'token': 'str'}}


_WHEN = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


@pytest.mark.parametrize("until", [None, _WHEN, _WHEN.replace(microsecond=0)])
def test_the_written_out_usage_answer_is_the_models(until):
    usage = Usage(plan="premium" if until else "free", limit=5, used=7, remaining=0,
                  resets_at=datetime(2026, 3, 2, tzinfo=UTC), premium_until=until)
    assert json.dumps(usage_out(usage)) == json.dumps(out(UsageOut, usage))


@pytest.mark.parametrize(("email", "created", "until", "identities"), [
    ("ada@example.com", _WHEN, None, []),
    (None, None, _WHEN, [{"platform": "telegram", "external_id": "42"},
                         {"platform": "discord", "external_id": "7"}]),
])
def test_the_written_out_account_answer_is_the_models(email, created, until, identities):
    account = {"id": "u1", "email": email, "email_verified": email is None, "admin": False,
               "created_at": created, "premium_until": until, "premium": until is not None,
               "identities": identities}
    assert json.dumps(account_out(account)) == json.dumps(out(AccountOut, account))
