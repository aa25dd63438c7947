"""Migrations: empty → latest on both databases, idempotent, atomic, safe when concurrent."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import uuid
from pathlib import Path

import asyncpg
import pytest

from core.store.migrate import (
    MigrationError,
    default_directory,
    load_migrations,
    migrate,
    sqlite_path,
)
from tests.fixtures.services import pg_admin, pg_url_for, run_in_own_loop

BROKEN = "CREATE TABLE half_done (id INTEGER);\nCREATE TABLE broken (id INTEGER,;\n"


@pytest.fixture
def empty_pg_url(pg_server_url):
    """A brand-new database with no tables at all, dropped after the test."""
    name = f"threadr_test_{uuid.uuid4().hex[:12]}"
    run_in_own_loop(pg_admin, pg_server_url, f'CREATE DATABASE "{name}"')
    yield pg_url_for(pg_server_url, name)
    run_in_own_loop(pg_admin, pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def broken_migrations(tmp_path) -> Path:
    """The real migrations plus a 9999 that fails halfway through."""
    root = tmp_path / "migrations"
    shutil.copytree(default_directory(), root)
    for dialect in ("sqlite", "postgres"):
        (root / dialect / "9999_broken.sql").write_text(BROKEN)
    return root


def latest_version() -> str:
    return load_migrations(default_directory() / "sqlite")[-1].version


def sqlite_tables(url: str) -> set[str]:
    with sqlite3.connect(sqlite_path(url)) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def sqlite_versions(url: str) -> list[str]:
    with sqlite3.connect(sqlite_path(url)) as conn:
        return [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]


async def pg_state(url: str) -> tuple[set[str], list[str]]:
    conn = await asyncpg.connect(url)
    try:
        tables = {r[0] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        versions = [r[0] for r in await conn.fetch(
            "SELECT version FROM schema_migrations ORDER BY 1")]
        return tables, versions
    finally:
        await conn.close()


def test_both_dialects_have_the_same_numbered_migrations():
    root = default_directory()
    names = {d: [(m.version, m.name) for m in load_migrations(root / d)]
             for d in ("sqlite", "postgres")}
    assert names["sqlite"] == names["postgres"] and names["sqlite"]


async def test_sqlite_migrates_from_empty_to_latest_once(sqlite_database_url):
    applied = await migrate(sqlite_database_url)
    assert applied[-1] == latest_version()
    assert await migrate(sqlite_database_url) == []
    assert {"users", "threads", "processed_events", "schema_migrations"} <= sqlite_tables(
        sqlite_database_url)
    assert sqlite_versions(sqlite_database_url) == applied


async def test_postgres_migrates_from_empty_to_latest_once(empty_pg_url):
    applied = await migrate(empty_pg_url)
    assert applied[-1] == latest_version()
    assert await migrate(empty_pg_url) == []
    tables, versions = await pg_state(empty_pg_url)
    assert {"users", "threads", "processed_events", "schema_migrations"} <= tables
    assert versions == applied


async def test_a_broken_sqlite_migration_changes_nothing(sqlite_database_url, broken_migrations):
    await migrate(sqlite_database_url)
    before = sqlite_tables(sqlite_database_url)
    with pytest.raises(sqlite3.OperationalError):
        await migrate(sqlite_database_url, directory=broken_migrations)
    assert sqlite_tables(sqlite_database_url) == before
    assert "9999" not in sqlite_versions(sqlite_database_url)


async def test_a_broken_postgres_migration_changes_nothing(empty_pg_url, broken_migrations):
    await migrate(empty_pg_url)
    before = await pg_state(empty_pg_url)
    with pytest.raises(asyncpg.PostgresSyntaxError):
        await migrate(empty_pg_url, directory=broken_migrations)
    assert await pg_state(empty_pg_url) == before


async def test_two_concurrent_postgres_migrations_apply_each_file_once(empty_pg_url):
    first, second = await asyncio.gather(migrate(empty_pg_url), migrate(empty_pg_url))
    every_version = [m.version for m in load_migrations(default_directory() / "postgres")]
    assert sorted(first + second) == every_version  # each applied by exactly one of them
    _, versions = await pg_state(empty_pg_url)
    assert versions == every_version


async def test_an_edited_applied_migration_is_refused(sqlite_database_url, tmp_path):
    root = tmp_path / "migrations"
    shutil.copytree(default_directory(), root)
    await migrate(sqlite_database_url, directory=root)
    first = sorted((root / "sqlite").glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited later\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await migrate(sqlite_database_url, directory=root)


def test_badly_named_migration_files_are_refused(tmp_path):
    (tmp_path / "add_users.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_name.sql"):
        load_migrations(tmp_path)
