"""PostgreSQL is migrated by `threadr migrate`, not on open: a database that lacks a migration
of this release is refused at start-up in one line naming the command (it used to start and
answer 500 to every account call), while a database newer than the code still opens (rolling
deploys migrate first). Real PostgreSQL, a fresh database per test."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from core.errors import MigrationsPending
from core.settings import Settings
from core.store.factory import check_migrated, open_store
from core.store.migrate import default_directory, load_migrations, migrate
from tests.fixtures.services import pg_admin, pg_url_for

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def empty_database(pg_server_url):
    name = f"threadr_test_{uuid.uuid4().hex[:12]}"
    await pg_admin(pg_server_url, f'CREATE DATABASE "{name}"')
    try:
        yield pg_url_for(pg_server_url, name)
    finally:
        await pg_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _settings(url: str) -> Settings:
    return Settings(database_url=url, db_pool_min=1, db_pool_max=2)


async def test_a_never_migrated_database_is_refused_naming_the_command(empty_database):
    for check in (open_store, check_migrated):
        with pytest.raises(MigrationsPending, match=r"run `threadr migrate`") as raised:
            await check(_settings(empty_database))
        assert raised.value.code == "migrations_pending"
        assert "0001_init" in raised.value.message


async def test_a_database_one_migration_behind_is_refused(empty_database, tmp_path):
    migrations = load_migrations(default_directory() / "postgres")
    older = tmp_path / "postgres"
    older.mkdir()
    for m in migrations[:-1]:
        (older / f"{m.version}_{m.name}.sql").write_text(m.sql, encoding="utf-8")
    await migrate(empty_database, tmp_path)
    last = f"{migrations[-1].version}_{migrations[-1].name}"
    with pytest.raises(MigrationsPending, match=f"lacks 1 migration.*first: {last}"):
        await open_store(_settings(empty_database))


async def test_a_migrated_database_opens(empty_database):
    await migrate(empty_database)
    await check_migrated(_settings(empty_database))
    store = await open_store(_settings(empty_database))
    try:
        await store.ping()
    finally:
        await store.close()


async def test_a_database_newer_than_the_code_still_opens(empty_database, tmp_path):
    """Mid rolling deploy the new release migrated first: the old workers must keep starting."""
    newer = tmp_path / "postgres"
    newer.mkdir()
    for path in (default_directory() / "postgres").glob("*.sql"):
        (newer / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (newer / "9999_from_the_future.sql").write_text("CREATE TABLE future_things (id TEXT);")
    assert "9999" in await migrate(empty_database, tmp_path)
    await check_migrated(_settings(empty_database))  # the code's own migrations are all there
    store = await open_store(_settings(empty_database))
    await store.close()


def test_threadr_serve_on_an_unmigrated_database_exits_2_in_one_line(empty_database, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("THREADR_", "DATABASE_", "REDIS_"))}
    env.update(PYTHONPATH=str(REPO), THREADR_DATA_DIR=str(tmp_path), THREADR_ENV="test",
               DATABASE_URL=empty_database, THREADR_PORT="0", LOG_LEVEL="WARNING")
    for workers in ("1", "2"):  # checked before any worker process starts
        done = subprocess.run([sys.executable, "-m", "cli", "serve", "--workers", workers],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith("threadr: the database lacks")
        assert "run `threadr migrate`" in lines[0]
