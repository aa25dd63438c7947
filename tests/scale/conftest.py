"""Fixtures for scale-out and fault tests: our own Redis and PostgreSQL (see `processes`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scale.processes import OwnPostgres, OwnRedis


@pytest.fixture(scope="session")
def own_postgres() -> Iterator[OwnPostgres]:
    cluster = OwnPostgres()
    try:
        yield cluster.start()
    finally:
        cluster.remove()


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis().start()
    try:
        yield server
    finally:
        server.stop()
