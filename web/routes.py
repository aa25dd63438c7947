"""The one route table. The OpenAPI document is generated from it (`web.openapi`), so every
status a route can answer is written down next to the handler that answers it."""

from __future__ import annotations

import functools
from collections.abc import Callable

from aiohttp import web

from core.errors import BillingNotConfigured, InvalidInput
from web import schemas as s
from web import schemas_accounts as sa
from web.billing import billing_routes
from web.inputs import current_user
from web.keys import SERVICES, USER_ID
from web.routing import JSON_BODY, Route
from web.views import account_security as sec
from web.views import accounts, links, ops, threads
from web.views import admin as adm
from web.views.ops import STATIC

__all__ = ["ERROR_STATUSES", "JSON_BODY", "Route", "route_table", "setup_routes"]

# What an error status means on this API (one line each in the OpenAPI document).
ERROR_STATUSES = {
    400: "Bad request (e.g. `blocked_url`: an address Threadr refuses to fetch)",
    401: "Missing, malformed, expired or revoked bearer token, or wrong credentials",
    403: "Forbidden (e.g. `premium_required`: scheduling a publication)",
    404: "Not found (also for another person's resource)",
    409: "Conflict (e.g. `email_taken`; a publication no longer scheduled)",
    412: "`version_conflict`: the thread changed since the version in `If-Match` "
         "(`current_version` says which is current)",
    413: "Body too large (text 100 kB, HTML 5 MB by default)",
    415: "Body is not `application/json`",
    422: "Invalid input (see `error.code`: `invalid_input`, `post_too_long`, `paywalled`, "
         "`empty_article`, `unsupported_content`, `page_too_complex`)",
    429: "Quota or rate limit reached; see `Retry-After` (and `upgrade_url` for quotas)",
    502: "The article could not be fetched (`fetch_failed`), or a network did not answer "
         "(`network_unavailable`)",
    503: "A dependency is briefly unavailable; see `Retry-After`",
}


def _threads() -> list[Route]:
    path = "/api/v1/threads/{thread_id}"
    return [
        Route("POST", "/api/v1/threads", threads.create_thread,
              "Make a thread from a URL, an HTML page with its URL, or text",
              ok=(200, s.ThreadOut), body=s.ThreadCreate, auth="optional", stream=True,
              errors=(400, 401, *JSON_BODY, 429, 502, 503)),
        Route("GET", "/api/v1/threads", threads.list_threads, "Your saved threads, newest first",
              ok=(200, s.ThreadList), auth="required", errors=(401, 422, 503),
              extra={"parameters": [
                  {"name": "limit", "in": "query", "required": False,
                   "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                  {"name": "before", "in": "query", "required": False,
                   "schema": {"type": "string"},
                   "description": "id of the last thread of the previous page"}]}),
        Route("GET", path, threads.get_thread, "One of your threads", ok=(200, s.ThreadOut),
              auth="required", errors=(401, 404, 503)),
        Route("PATCH", path, threads.update_thread, "Replace a thread's posts with your edits",
              ok=(200, s.ThreadOut), body=s.ThreadPatch, auth="required",
              errors=(401, 404, 412, *JSON_BODY, 503),
              extra={"parameters": [
                  {"name": "If-Match", "in": "header", "required": False,
                   "schema": {"type": "string"},
                   "description": 'the ETag of the version you edited, e.g. "3"'}]}),
        Route("DELETE", path, threads.delete_thread, "Delete one of your threads", ok=(204, None),
              auth="required", errors=(401, 404, 503)),
        Route("POST", "/api/v1/posts/fit", links.fit,
              "Re-split one over-long post at the best boundaries (the editor's Fit)",
              ok=(200, s.FitOut), body=s.FitIn, errors=JSON_BODY),
    ]


def _accounts() -> list[Route]:
    return [
        Route("POST", "/api/v1/auth/register", accounts.register,
              "Create an account (the same answer whether or not the address has one)",
              ok=(202, sa.AcceptedOut), body=s.Credentials, tag="accounts",
              errors=(*JSON_BODY, 429, 503)),
        Route("POST", "/api/v1/auth/login", accounts.login, "Sign in", ok=(200, s.AuthOut),
              body=s.Credentials, tag="accounts", errors=(401, *JSON_BODY, 429, 503)),
        Route("GET", "/api/v1/me", accounts.me, "Your account", ok=(200, s.AccountOut),
              auth="required", tag="accounts", errors=(401, 503),
              prefetch=accounts.signed_in_account),
        Route("POST", "/api/v1/tokens", accounts.create_token,
              "Issue a long-lived token for the browser extension (not with one)",
              ok=(201, s.TokenCreated), body=s.TokenCreate, auth="required", tag="accounts",
              errors=(401, 403, *JSON_BODY, 503)),
        Route("GET", "/api/v1/tokens", accounts.list_tokens, "Your extension tokens",
              ok=(200, s.TokenList), auth="required", tag="accounts", errors=(401, 503)),
        Route("DELETE", "/api/v1/tokens/{token_id}", accounts.revoke_token,
              "Revoke an extension token", ok=(204, None), auth="required", tag="accounts",
              errors=(401, 404, 503)),
        Route("GET", "/api/v1/usage", accounts.usage,
              "Where you stand today (signed in: your account; otherwise: your IP)",
              ok=(200, s.UsageOut), auth="optional", tag="accounts", errors=(401, 503),
              prefetch=accounts.signed_in_usage),
        Route("POST", "/api/v1/links", links.redeem,
              "Join the chat account that made this /link code to yours (accounts merge)",
              ok=(200, s.LinkOut), body=s.LinkCode, auth="required", tag="accounts",
              errors=(400, 401, 409, *JSON_BODY, 503)),
        Route("GET", "/api/v1/links", links.list_links, "Chat accounts linked to yours",
              ok=(200, s.LinkList), auth="required", tag="accounts", errors=(401, 503)),
        Route("DELETE", "/api/v1/links/{platform}", links.unlink, "Unlink a chat account",
              ok=(204, None), auth="required", tag="accounts", errors=(401, 404, 503)),
        *_account_security(),
        *_admin(),
    ]


def _admin() -> list[Route]:
    def admin(method, path, handler, summary, ok, body=None, errors=(), params=()):
        return Route(method, path, handler, summary, ok=ok, body=body, auth="admin",
                     tag="admin", errors=(401, 403, *errors, 503),
                     extra={"parameters": list(params)} if params else {})

    def query(name, schema, required=False):
        return {"name": name, "in": "query", "required": required, "schema": schema}

    user = "/api/v1/admin/users/{user_id}/premium"
    return [
        admin("GET", "/api/v1/admin/kpis", adm.kpis,
              "KPIs per day over a window (JSON, or CSV with format=csv)", (200, sa.KpiOut),
              params=[query("days", {"type": "integer", "minimum": 1, "maximum": 366}),
                      query("format", {"type": "string", "enum": ["json", "csv"]})]),
        admin("GET", "/api/v1/admin/users", adm.user, "Look an account up by email",
              (200, sa.UserLookupOut), errors=(404,),
              params=[query("email", {"type": "string", "minLength": 3, "maxLength": 254},
                            True)]),
        admin("POST", user, adm.grant, "Give an account days of premium", (200, sa.PremiumOut),
              sa.PremiumDays, errors=(404, *JSON_BODY)),
        admin("DELETE", user, adm.revoke, "End an account's premium now", (200, sa.CountOut),
              errors=(404,)),
        admin("GET", "/api/v1/admin/audit", adm.audit_log, "Everyone's audit log, newest first",
              (200, sa.AuditList),
              params=[query("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
                      query("before", {"type": "integer", "minimum": 1})]),
    ]


def _account_security() -> list[Route]:
    def post(path, handler, summary, ok, body=None, auth="required", errors=()):
        return Route("POST", path, handler, summary, ok=ok, body=body, auth=auth,
                     tag="accounts", errors=(*errors, *JSON_BODY, 429, 503))

    return [
        post("/api/v1/auth/verify", sec.verify, "Confirm an email address with its link's token",
             (200, sa.VerifiedOut), sa.TokenBody, auth="none", errors=(400, 409)),
        post("/api/v1/auth/verify/resend", sec.resend_verification,
             "Mail a new verification link", (202, sa.AcceptedOut), errors=(401,)),
        post("/api/v1/auth/password-reset", sec.request_reset,
             "Mail a password-reset link (the same answer whether or not the account exists)",
             (202, sa.AcceptedOut), sa.EmailBody, auth="none"),
        post("/api/v1/auth/password-reset/confirm", sec.confirm_reset,
             "Set a new password with a reset link's token; every session ends",
             (200, s.AuthOut), sa.ResetConfirm, auth="none", errors=(400,)),
        post("/api/v1/auth/sign-out", sec.sign_out, "End this session", (204, None),
             errors=(401,)),
        post("/api/v1/auth/sign-out-everywhere", sec.sign_out_everywhere,
             "End every session and revoke every extension token", (200, sa.CountOut),
             errors=(401,)),
        post("/api/v1/me/password", sec.change_password,
             "Change your password (other sessions end)", (200, s.AuthOut),
             sa.PasswordChange, errors=(401,)),
        post("/api/v1/me/email", sec.change_email,
             "Change your email (takes effect once the new address is confirmed)",
             (202, sa.AcceptedOut), sa.EmailChange, errors=(401,)),
        Route("GET", "/api/v1/me/export", sec.export, "Download everything about your account",
              ok=(200, sa.ExportOut), auth="required", tag="accounts", errors=(401, 503)),
        Route("DELETE", "/api/v1/me", sec.delete_account,
              "Delete your account and its data (password required)", ok=(204, None),
              body=sa.PasswordBody, auth="required", tag="accounts",
              errors=(401, *JSON_BODY, 429, 503)),
        Route("GET", "/api/v1/me/audit", sec.my_audit, "Security events of your account",
              ok=(200, sa.AuditList), auth="required", tag="accounts", errors=(401, 503),
              extra={"parameters": [
                  {"name": "limit", "in": "query", "required": False,
                   "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                  {"name": "before", "in": "query", "required": False,
                   "schema": {"type": "integer", "minimum": 1},
                   "description": "id of the last entry of the previous page"}]}),
    ]


def _publishing() -> list[Route]:
    from web import publish as p  # imports the publishing use cases: only when routes are built

    dests, pubs = "/api/v1/destinations", "/api/v1/publications"
    callback = {"parameters": [
        {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
        for n in ("code", "state", "error", "error_description")]}
    listing = {"parameters": [{"name": "limit", "in": "query", "required": False,
                               "schema": {"type": "integer", "minimum": 1, "maximum": 100}}]}
    kw = dict(auth="required", tag="publishing")
    return [
        Route("POST", f"{dests}/x", p.connect_x, "Connect an X account: where to send the person",
              ok=(200, p.AuthorizeOut), errors=(401, 503), **kw),
        Route("GET", f"{dests}/x/callback", p.x_callback, "X sends the person back here",
              ok=(303, None), tag="publishing", errors=(400, 502, 503), extra=callback),
        Route("POST", f"{dests}/bluesky", p.connect_bluesky,
              "Connect a Bluesky account with an app password", ok=(201, p.DestinationOut),
              body=p.BlueskyIn, errors=(400, 401, *JSON_BODY, 502, 503), **kw),
        Route("POST", f"{dests}/mastodon", p.connect_mastodon,
              "Connect a Mastodon account: where to send the person", ok=(200, p.AuthorizeOut),
              body=p.MastodonIn, errors=(400, 401, *JSON_BODY, 502, 503), **kw),
        Route("GET", f"{dests}/mastodon/callback", p.mastodon_callback,
              "Mastodon sends the person back here", ok=(303, None), tag="publishing",
              errors=(400, 502, 503), extra=callback),
        Route("GET", dests, p.list_destinations, "Your connected accounts",
              ok=(200, p.DestinationList), errors=(401, 503), **kw),
        Route("DELETE", f"{dests}/{{destination_id}}", p.delete_destination,
              "Remove a connected account (its token is revoked where the network allows)",
              ok=(204, None), errors=(401, 404, 503), **kw),
        Route("POST", "/api/v1/threads/{thread_id}/publish", p.publish,
              "Publish a thread to a connected account, now or at a time (Premium)",
              ok=(202, p.PublicationOut), body=p.PublishIn,
              errors=(401, 403, 404, *JSON_BODY, 503), **kw),
        Route("GET", pubs, p.list_publications, "Your publications, newest first",
              ok=(200, p.PublicationList), errors=(401, 503), extra=listing, **kw),
        Route("GET", f"{pubs}/{{publication_id}}", p.get_publication,
              "A publication and its posts' links", ok=(200, p.PublicationOut),
              errors=(401, 404, 503), **kw),
        Route("DELETE", f"{pubs}/{{publication_id}}", p.cancel_publication,
              "Cancel a scheduled publication", ok=(200, p.PublicationOut),
              errors=(401, 404, 409, 503), **kw),
    ]


def _ops() -> list[Route]:
    return [
        Route("GET", "/api/v1/config", ops.config, "What the page needs to know",
              ok=(200, s.ConfigOut), tag="ops"),
        Route("GET", "/api/v1/openapi.json", ops.openapi, "This document", tag="ops"),
        Route("GET", "/healthz", ops.healthz, "Alive", ok=(200, s.HealthOut), tag="ops"),
        Route("GET", "/readyz", ops.readyz, "Ready: database, counters and LLM breaker",
              ok=(200, s.HealthOut), errors=(503,), tag="ops"),
        Route("GET", "/metrics", ops.metrics, "Prometheus metrics", tag="ops",
              media="text/plain"),
        Route("GET", "/", ops.index, "The web page", public=False),
        Route("GET", "/favicon.ico", ops.favicon, "The icon", public=False, tag="ops"),
        # mailed links land on the page, which reads `?token=` itself
        Route("GET", "/verify", ops.index, "The page, confirming an address", public=False,
              tag="ops"),
        Route("GET", "/reset", ops.index, "The page, choosing a new password", public=False,
              tag="ops"),
        Route("GET", "/admin", adm.page, "The operator's dashboard", public=False, tag="ops"),
    ]


def route_table() -> list[Route]:
    return [*_threads(), *_accounts(), *billing_routes(), *_publishing(), *_ops()]


def _query_names(route: Route) -> frozenset[str]:
    return frozenset(p["name"] for p in route.extra.get("parameters", []) if p["in"] == "query")


def _guarded(route: Route) -> Callable:
    """The route's handler behind the checks the table declares, in this order: unknown query
    parameters (API routes refuse them, as bodies refuse extra fields), billing configured,
    then authentication (`auth`, with the route's `prefetch`): the handler reads the user
    from `user_id(request)`."""
    allowed = _query_names(route)
    strict = route.tag != "ops"

    @functools.wraps(route.handler)
    async def handler(request: web.Request) -> web.StreamResponse:
        if strict and request.query_string and (unknown := sorted(set(request.query) - allowed)):
            raise InvalidInput(f"Unknown query parameter: {unknown[0]}.")
        if route.needs_billing and request.app[SERVICES].billing is None:
            raise BillingNotConfigured()
        if route.auth != "none":
            request[USER_ID] = await current_user(request, required=route.auth != "optional",
                                                  prefetch=route.prefetch)
        return await route.handler(request)

    return handler


def setup_routes(app: web.Application, table: list[Route]) -> None:
    for route in table:
        handler = _guarded(route)
        if route.auth == "admin":  # operators are told apart here, after authentication
            handler = adm.admin_only(handler)
        app.router.add_route(route.method, route.path, handler)
    app.router.add_static("/static/", STATIC, name="static", append_version=False)
