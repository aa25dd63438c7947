"""Numbered SQL migrations: `migrations/<dialect>/NNNN_name.sql`, dialect `sqlite` or `postgres`.

Each migration runs in its own transaction together with its row in `schema_migrations`
(version, name, checksum, applied_at), so a failing file leaves the database as it was.
Applying twice is a no-op. PostgreSQL runs serialise on an advisory lock; SQLite runs on
`BEGIN IMMEDIATE` (the database write lock), so concurrent processes are safe on both.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import core
from core.errors import MigrationsPending, StorageUnavailable

_FILE = re.compile(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$")
_PG_LOCK_KEY = 0x7468726561647200  # "threadr\0": the advisory lock all migrators share


class MigrationError(RuntimeError):
    """The migration files disagree with what the database recorded, or are malformed."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: str
    name: str
    sql: str
    checksum: str


def default_directory() -> Path:
    return Path(core.__file__).resolve().parent.parent / "migrations"


def dialect_of(url: str) -> str:
    if url.startswith("sqlite://"):
        return "sqlite"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgres"
    raise ValueError("unsupported DATABASE_URL: use sqlite:///path or postgresql://…")


def sqlite_path(url: str) -> str:
    """`sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite:///:memory:`."""
    path = url.removeprefix("sqlite://").removeprefix("/")
    if not path:
        raise ValueError("sqlite URL without a path: use sqlite:///path/to/threadr.db")
    return path


def load_migrations(directory: Path) -> list[Migration]:
    """Every `NNNN_name.sql` file in `directory`, in version order."""
    found: dict[str, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(f"migration file name must be NNNN_name.sql: {path.name}")
        version, name = match.groups()
        if version in found:
            raise MigrationError(f"two migrations share version {version}")
        sql = path.read_text(encoding="utf-8")
        checksum = hashlib.sha256(sql.encode()).hexdigest()
        found[version] = Migration(version, name, sql, checksum)
    return [found[v] for v in sorted(found)]


def pending(migrations: list[Migration], applied: dict[str, str]) -> list[Migration]:
    """The migrations not yet applied; refuses files edited after they were applied."""
    for m in migrations:
        if m.version in applied and applied[m.version] != m.checksum:
            raise MigrationError(
                f"migration {m.version}_{m.name} changed after it was applied; "
                "add a new migration instead of editing an old one"
            )
    return [m for m in migrations if m.version not in applied]


async def missing_postgres(conn, migrations: list[Migration]) -> list[Migration]:
    """The code's migrations this database has not applied (read-only). Versions the
    database has and the code does not know (a newer release that migrated first, mid
    rolling deploy) are not missing: an older worker still starts."""
    known: set[str] = set()
    if await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
        known = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
    return [m for m in migrations if m.version not in known]


async def require_migrated(conn, directory: Path | str | None = None) -> None:
    """`MigrationsPending` (one line naming `threadr migrate`) when the PostgreSQL database
    behind `conn` lacks a migration of this release (see `missing_postgres`)."""
    root = Path(directory) if directory else default_directory()
    missing = await missing_postgres(conn, load_migrations(root / "postgres"))
    if missing:
        first = f"{missing[0].version}_{missing[0].name}"
        raise MigrationsPending(
            f"the database lacks {len(missing)} migration(s) of this release (first: {first}):"
            " run `threadr migrate`, then start again")


def split_statements(script: str) -> list[str]:
    """Cut a SQLite script into statements (sqlite3's own notion of a complete statement)."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            statements.append(buf.strip())
            buf = ""
    if buf.strip() and any(not ln.strip().startswith("--") for ln in buf.splitlines() if ln.strip()):
        statements.append(buf.strip())  # an unterminated statement: let SQLite report it
    return statements


async def migrate(url: str, directory: Path | str | None = None) -> list[str]:
    """Apply pending migrations to the database at `url`; returns the versions applied now."""
    dialect = dialect_of(url)
    root = Path(directory) if directory is not None else default_directory()
    migrations = load_migrations(root / dialect)
    if dialect == "sqlite":
        from core.store.sqlite_connect import connect

        conn = await connect(sqlite_path(url))
        try:
            return await migrate_sqlite(conn, migrations)
        finally:
            await conn.close()
    return await migrate_postgres(url, migrations)


_SQLITE_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)"""


async def migrate_sqlite(conn, migrations: list[Migration]) -> list[str]:
    """Apply on an open aiosqlite connection in autocommit mode (isolation_level=None)."""
    from core.store.rows import to_text, utcnow

    await conn.execute(_SQLITE_TABLE)
    done: list[str] = []
    for m in migrations:
        await conn.execute("BEGIN IMMEDIATE")
        try:
            rows = await conn.execute_fetchall("SELECT version, checksum FROM schema_migrations")
            if pending([m], {r[0]: r[1] for r in rows}):
                for statement in split_statements(m.sql):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?, ?)",
                    (m.version, m.name, m.checksum, to_text(utcnow())),
                )
                done.append(m.version)
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
    return done


_PG_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"""


async def migrate_postgres(url: str, migrations: list[Migration]) -> list[str]:
    import asyncpg

    try:
        conn = await asyncpg.connect(url, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresConnectionError) as exc:
        raise StorageUnavailable(retry_after=5) from exc
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _PG_LOCK_KEY)
        try:
            await conn.execute(_PG_TABLE)
            rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
            done: list[str] = []
            for m in pending(migrations, {r["version"]: r["checksum"] for r in rows}):
                async with conn.transaction():
                    await conn.execute(m.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) "
                        "VALUES ($1, $2, $3)", m.version, m.name, m.checksum,
                    )
                done.append(m.version)
            return done
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _PG_LOCK_KEY)
    finally:
        await conn.close()
