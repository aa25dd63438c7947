"""A row of the route table (`web.routes`): the handler and everything the table declares
about it (auth, body, answers), which the OpenAPI document and the guards are built from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

JSON_BODY = (413, 415, 422)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Callable
    summary: str
    ok: tuple[int, type[BaseModel] | None] = (200, None)
    body: type[BaseModel] | None = None
    # Who may call it, enforced for every route in one place (web.routes._guarded):
    # "none" (no user looked up), "optional" (a bad token is 401, none is anonymous),
    # "required" (no valid token, no handler: 401), "admin" (required, and the handler
    # checks the role).
    auth: Literal["none", "optional", "required", "admin"] = "none"
    errors: tuple[int, ...] = ()
    tag: str = "threads"
    media: str = "application/json"  # of the success answer
    stream: bool = False  # also answers text/event-stream
    public: bool = True  # listed in the OpenAPI document
    extra: dict = field(default_factory=dict)
    needs_billing: bool = False  # 503 billing_not_configured first, before auth and body
    # For a session's token: `(request, SessionToken) -> (Principal, value)`, a use case
    # that checks the session and reads what the handler needs in the same round trip; the
    # guard stores the value at `PREFETCHED` (absent for anonymous callers and extension
    # tokens: the handler then reads it itself).
    prefetch: Callable | None = None

    @property
    def statuses(self) -> tuple[int, ...]:
        """Every error status; API routes also answer 422 to unknown query parameters."""
        extra = () if self.tag == "ops" else (422,)
        return tuple(sorted({*self.errors, *extra}))
