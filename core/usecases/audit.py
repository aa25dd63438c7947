"""The audit log: security- and money-relevant events, appended, never changed.

Who (an account id, or "system"), what (`action` + details without secrets), when, from
which IP, with the request id of the request that caused it (from the logging context).
"""

from __future__ import annotations

import logging

from core.logs import request_id_var
from core.services import Services

log = logging.getLogger("threadr.audit")

SYSTEM = "system"
MAX_PAGE = 200


async def record(
    services: Services, action: str, user_id: str | None, *, actor: str | None = None,
    ip: str | None = None, **details,
) -> None:
    """Append one entry; `actor` defaults to the account itself (or "system")."""
    await services.records.append_audit(
        at=services.clock(), actor=actor or user_id or SYSTEM, user_id=user_id, action=action,
        ip=ip, request_id=request_id_var.get(), details=details,
    )


def entry(services: Services, action: str, user_id: str | None, *, actor: str | None = None,
          ip: str | None = None, **details) -> dict:
    """The same entry as `record` writes, for a store call that appends it in its own
    transaction (account deletion)."""
    return {"at": services.clock(), "actor": actor or user_id or SYSTEM, "user_id": user_id,
            "action": action, "ip": ip, "request_id": request_id_var.get(), "details": details}


async def list_entries(
    services: Services, user_id: str | None, limit: int = 50, before: int | None = None
) -> list[dict]:
    """Newest first: one account's entries, or everyone's (`user_id=None`, admins only)."""
    return await services.records.list_audit(user_id, max(1, min(limit, MAX_PAGE)), before)
