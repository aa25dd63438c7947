"""`threadr serve` runs on uvloop (a dependency on every platform but Windows)."""

from __future__ import annotations

import asyncio
import sys

import pytest

from web.server import _run, loop_factory


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not installed on Windows")
def test_the_server_loop_is_uvloop():
    import uvloop

    seen = []

    async def serving() -> None:
        seen.append(type(asyncio.get_running_loop()))

    assert loop_factory() is uvloop.new_event_loop
    _run(serving())
    assert seen == [uvloop.Loop]
