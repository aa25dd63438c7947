"""The operator's use cases: KPIs over a window, user look-up, manual premium, roles.
Who may call them is decided in one place at each door (the web door's admin routes, the
CLI on the server itself)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from uuid import uuid4

from core.accounts import normalize_email
from core.errors import NotFound
from core.services import Services
from core.store.kpis import kpi_rows
from core.usecases import audit
from core.usecases.premium import forget_plan
from core.usecases.sessions import forget_auth

SURFACES = ("web", "extension", "telegram", "discord", "api", "cli")


def _series(rows: list[dict], days: list[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    index = {d: i for i, d in enumerate(days)}
    for row in rows:
        if row["day"] in index:
            out[row["label"]][index[row["day"]]] += int(row["n"])
    return dict(out)


async def kpis(services: Services, days: int, end: datetime | None = None) -> dict:
    """Per-day series and totals over the last `days` UTC days (today included)."""
    end_day = (end or services.clock()).replace(hour=0, minute=0, second=0, microsecond=0)
    start, stop = end_day - timedelta(days=days - 1), end_day + timedelta(days=1)
    labels = [(start + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(days)]
    if services.usage is not None:  # the records of the last second are still buffered
        await services.usage.flush()
    rows = await kpi_rows(services.records.db, start, stop)
    surfaces = _series(rows["by_surface"], labels)
    for surface in SURFACES:
        surfaces.setdefault(surface, [0] * days)
    active = _series([{**r, "label": "active"} for r in rows["active"]], labels)
    accounts = rows["accounts"]
    tokens = rows["llm_tokens"]
    new = int(accounts["new"])
    threads = sum(sum(v) for v in surfaces.values())
    rejected = rows["outcomes"].get("quota_rejected", 0)
    failed = rows["outcomes"].get("thread_failed", 0)
    attempts = threads + rejected + failed
    return {
        "start": start.isoformat(), "end": stop.isoformat(), "days": labels,
        "threads_by_surface": surfaces,
        "threads_by_generator": _series(rows["by_generator"], labels),
        "active_identities": active.get("active", [0] * days),
        "totals": {
            "threads": threads,
            "error_rate": round(failed / attempts, 4) if attempts else 0.0,
            "quota_rejection_rate": round(rejected / attempts, 4) if attempts else 0.0,
            "new_accounts": new,
            "verified_share": round(int(accounts["verified"]) / new, 4) if new else 0.0,
            "paying_accounts": rows["paying"],
            "conversion": round(rows["paying"] / new, 4) if new else 0.0,
            "revenue_cents": rows["revenue"],
            "llm_tokens": tokens,
            "llm_cost_usd": round(tokens / 1000 * services.settings.llm_price_per_1k_tokens, 4),
        },
    }


def kpis_csv(report: dict) -> str:
    """One row per day: threads per surface and generator, active identities."""
    surfaces = sorted(report["threads_by_surface"])
    generators = sorted(report["threads_by_generator"])
    lines = [",".join(["day", *(f"surface:{s}" for s in surfaces),
                       *(f"generator:{g}" for g in generators), "active_identities"])]
    for i, day in enumerate(report["days"]):
        cells = [report["threads_by_surface"][s][i] for s in surfaces]
        cells += [report["threads_by_generator"][g][i] for g in generators]
        lines.append(",".join([day, *map(str, cells), str(report["active_identities"][i])]))
    return "\n".join(lines) + "\n"


async def lookup(services: Services, email: str) -> dict:
    """Plan, today's usage and linked identities of the account with this address."""
    user = await services.store.get_user_by_email(normalize_email(email))
    if user is None:
        raise NotFound("No account uses this address.")
    from core.usecases.accounts import get_account, usage

    account = await get_account(services, user.id)
    used = await usage(services, f"user:{user.id}", user.id)
    return {**account, "plan": used.plan, "used_today": used.used, "limit": used.limit}


async def grant_premium(services: Services, admin_id: str | None, user_id: str, days: int,
                        ip: str | None = None) -> datetime:
    """Give `days` of premium from now (or from the current end); returns the new end."""
    if await services.store.get_user(user_id) is None:
        raise NotFound("Account not found.")
    now, ref = services.clock(), f"admin:{uuid4().hex}"
    async with services.store.billing_transaction() as tx:
        await tx.lock_account(user_id)
        starts = max(now, await tx.premium_until(user_id, now) or now)
        await tx.add_premium_grant(user_id, "admin", ref, starts, starts + timedelta(days=days))
    await forget_plan(services, user_id)
    await services.records.add_billing_record(user_id=user_id, kind="admin_grant",
                                              source_ref=ref, amount_cents=0, currency="",
                                              days=days, at=now)
    await audit.record(services, "premium_granted", user_id, actor=admin_id or audit.SYSTEM,
                       ip=ip, source="admin", days=days)
    return starts + timedelta(days=days)


async def revoke_premium(services: Services, admin_id: str | None, user_id: str,
                         ip: str | None = None) -> int:
    """End every live premium grant of the account now; how many."""
    ended = await services.records.end_grants(user_id, services.clock())
    await forget_plan(services, user_id)
    await audit.record(services, "premium_revoked", user_id, actor=admin_id or audit.SYSTEM,
                       ip=ip, source="admin", grants=ended)
    return ended


async def set_admin(services: Services, email: str, admin: bool) -> str:
    """Grant or revoke the admin role (the CLI on the server); returns the account id."""
    user = await services.store.get_user_by_email(normalize_email(email))
    if user is None:
        raise NotFound("No account uses this address.")
    await services.records.set_role(user.id, "admin" if admin else "user")
    await forget_auth(services, user.id)
    await audit.record(services, "admin_role_granted" if admin else "admin_role_revoked",
                       user.id, actor=audit.SYSTEM)
    return user.id
