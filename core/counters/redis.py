"""Redis `Counters`, shared by every process: each check is one atomic Lua script.

Time for rate windows comes from the Redis server (`TIME`), so processes with skewed clocks
agree. Timeouts are short and the client never retries by itself: a dead Redis answers
`CountersUnavailable` within about a second, and the fallback wrapper decides what to do.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from collections.abc import Sequence

import hiredis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ReadOnlyError, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.counters.base import CountersUnavailable
from core.counters.redis_connect import connect

# KEYS[1] counter; ARGV limit, ttl seconds, units → {reserved 0|1, count}
_RESERVE = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[1])
if n >= limit then return {0, n} end
local add = math.min(tonumber(ARGV[3]), limit - n)
local after = redis.call('INCRBY', KEYS[1], add)
if after == add then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2])) end
return {1, after}
"""

# KEYS[1] counter → count after (never below zero, TTL kept)
_RELEASE = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n <= 0 then return 0 end
return redis.call('DECR', KEYS[1])
"""

# KEYS[1] list of hit times (µs, newest first: Redis' own clock); ARGV limit, window µs →
# {allowed 0|1, retry µs}. The same sliding-window log as a sorted set would keep, at O(1) a
# hit (each time is pushed once and popped once) and a few bytes a time, where a sorted set
# took O(log n) and a unique member of ~40 bytes for each.
_HIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
local oldest = redis.call('LINDEX', KEYS[1], -1)
while oldest and tonumber(oldest) <= now - window do
  redis.call('RPOP', KEYS[1])
  oldest = redis.call('LINDEX', KEYS[1], -1)
end
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[1]) then
  return {0, oldest and (tonumber(oldest) + window - now) or window}
end
redis.call('LPUSH', KEYS[1], t[1] .. string.format('%06d', tonumber(t[2])))  -- exact digits
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return {1, 0}
"""

# KEYS[1] entry; ARGV expect-absent 1|0, expected, value, ttl seconds → stored 1|0
_SWAP = """
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'EX', tonumber(ARGV[4]))
return 1
"""

# KEYS[1] lock; ARGV token → deleted only by its holder
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


_FAILURES = (RedisError, OSError, TimeoutError)  # no answer from Redis
_MORE = object()  # what the reply parser gives while a reply is still incomplete


class _Multiplexed:
    """Every command of every request in flight shares one connection. The commands issued
    during one turn of the event loop leave in one write, and since Redis answers a
    connection's commands in order, each reply goes to the caller whose command was next in
    line. Each command keeps its own answer or error; every script is still atomic on its own.

    redis-py makes and hands over the connection (address, TLS, AUTH, SELECT, the Sentinel's
    current master); after that the traffic is hiredis' packer and parser on the connection's
    transport, replies parsed as they arrive (no reader task to wake): a few µs of CPU a
    command, where a redis-py pipeline took ~35 µs a round."""

    def __init__(self, pool, timeout: float) -> None:
        self._pool = pool
        self._timeout = timeout
        self._queued: list[tuple[tuple, asyncio.Future]] = []
        self._line: _Line | None = None
        self._opening: asyncio.Task | None = None

    def call(self, *command) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if not self._queued:  # the first of this turn: send them all at the next one
            loop.call_soon(self._flush)
        self._queued.append((command, future))
        return future

    def _flush(self) -> None:
        if self._line is not None and not self._line.broken:
            batch, self._queued = self._queued, []
            self._line.write(batch)
        elif self._opening is None:  # the queue waits for the connection being opened
            self._opening = asyncio.get_running_loop().create_task(self._open())

    async def _open(self) -> None:
        try:
            connection = await self._pool.get_connection()
        except Exception as exc:  # noqa: BLE001 - every queued command gets the failure
            _fail(self._queued, exc)
            self._queued = []
            return
        finally:
            self._opening = None
        self._line = _Line(self._pool, connection, self._timeout)
        self._flush()

    async def close(self) -> None:
        if self._opening is not None:
            self._opening.cancel()
        if self._line is not None:
            await self._line.close()


class _Line(asyncio.Protocol):
    """One connection of `_Multiplexed`: the replies due, parsed as they arrive (this takes
    over the connection's transport from redis-py's stream once its handshake is done). No
    reply for `timeout` seconds while one is due (one timer a connection, not one a command),
    or a broken connection, fails every command waiting on it; the next command opens a new
    one."""

    def __init__(self, pool, connection, timeout: float) -> None:
        self._pool = pool
        self._connection = connection
        self._timeout = timeout
        self._waiting: deque[asyncio.Future] = deque()
        self._progress = 0.0  # loop time of the last reply, or of a write to an idle line
        self._watchdog: asyncio.TimerHandle | None = None
        self._parser = hiredis.Reader(notEnoughData=_MORE)
        self.broken = False
        self._loop = asyncio.get_running_loop()
        self._released = self._loop.create_future()
        self._transport: asyncio.Transport = connection._writer.transport  # noqa: SLF001
        self._streams = self._transport.get_protocol()  # told when the connection ends
        self._transport.set_protocol(self)

    def write(self, batch: list[tuple[tuple, asyncio.Future]]) -> None:
        live = [(command, future) for command, future in batch if not future.done()]
        if not live:
            return
        if not self._waiting:
            self._progress = self._loop.time()
            if self._watchdog is None:
                self._watchdog = self._loop.call_at(self._progress + self._timeout, self._check)
        self._transport.write(b"".join([hiredis.pack_command(command) for command, _ in live]))
        self._waiting.extend(future for _, future in live)

    def data_received(self, data: bytes) -> None:
        self._progress = self._loop.time()
        parser, waiting = self._parser, self._waiting
        try:
            parser.feed(data)
            while (reply := parser.gets()) is not _MORE:
                future = waiting.popleft()
                if isinstance(reply, hiredis.ReplyError):
                    reply = _error(str(reply))
                    if not future.done():
                        future.set_exception(reply)
                    if isinstance(reply, ReadOnlyError):  # a demoted master
                        raise reply
                elif not future.done():  # else its caller left
                    future.set_result(reply)
        except Exception as exc:  # noqa: BLE001 - every command in flight gets the failure
            self._break(exc)

    def eof_received(self) -> bool:
        return False  # the transport closes; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self._break(exc or RedisConnectionError("Redis closed the connection"))
        self._streams.connection_lost(exc)
        self._releasing = self._loop.create_task(self._release())  # held: a task is weak

    async def _release(self) -> None:
        try:
            try:
                await self._connection.disconnect(nowait=True)
            finally:
                await self._pool.release(self._connection)
        finally:  # `close` waits for this, whatever happened
            self._released.set_result(None)

    def _check(self) -> None:
        self._watchdog = None
        if not self._waiting or self.broken:
            return
        due = self._progress + self._timeout
        if self._loop.time() < due:
            self._watchdog = self._loop.call_at(due, self._check)
        else:
            self._break(RedisTimeoutError("Redis did not answer in time"))

    def _break(self, exc: Exception) -> None:
        """Fail every command waiting on this connection and close it."""
        if self.broken:
            return
        self.broken = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        waiting, self._waiting = self._waiting, deque()
        _fail([(None, future) for future in waiting], exc)
        self._transport.abort()

    async def close(self) -> None:
        self._break(RedisConnectionError("Redis connection closed"))
        await self._released


def _fail(batch, exc: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)


def _error(message: str) -> RedisError:
    """A reply error as redis-py raises it: NOSCRIPT and READONLY by their own classes."""
    if message.startswith("NOSCRIPT"):
        return NoScriptError(message)
    if message.startswith("READONLY"):
        return ReadOnlyError(message)
    return ResponseError(message)


class RedisCounters:
    def __init__(
        self,
        url: str,
        prefix: str = "threadr:",
        *,
        socket_timeout: float = 1.0,
        connect_timeout: float = 1.0,
        max_connections: int = 64,
    ) -> None:
        self._prefix = prefix
        self._redis = connect(
            url,
            timeout=socket_timeout,
            connect_timeout=connect_timeout,
            max_connections=max_connections,
            retry=Retry(NoBackoff(), 0),
            driver_info=None,  # no CLIENT SETINFO round trips on each new connection
        )
        self._reserve = self._redis.register_script(_RESERVE)
        self._release = self._redis.register_script(_RELEASE)
        self._hit = self._redis.register_script(_HIT)
        self._unlock = self._redis.register_script(_UNLOCK)
        self._swap = self._redis.register_script(_SWAP)
        # a cluster answers one slot per command: there each command goes on its own
        self._batch = None if isinstance(self._redis, RedisCluster) else _Multiplexed(
            self._redis.connection_pool, socket_timeout)

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def _command(self, *command):
        """One command; any failure to get an answer becomes `CountersUnavailable` (one frame
        per call: this is on every request's path)."""
        try:
            if self._batch is None:
                return await self._redis.execute_command(*command)
            return await self._batch.call(*command)
        except _FAILURES as exc:
            raise await self._unavailable(exc) from exc

    async def _script(self, script, keys: list[str], args: list):
        """One script (EVALSHA, loaded again if Redis lost it), failing as `_command` does."""
        try:
            if self._batch is not None:
                try:
                    return await self._batch.call("EVALSHA", script.sha, len(keys), *keys, *args)
                except NoScriptError:  # Redis restarted (or flushed its scripts): load it again
                    pass
            return await script(keys=keys, args=args)
        except _FAILURES as exc:
            raise await self._unavailable(exc) from exc

    async def _unavailable(self, exc: Exception) -> CountersUnavailable:
        # Drop the idle pooled connections: after a Redis restart they are all stale, and
        # keeping them would cost one failed call each before service recovers. Busy ones
        # are left to their own calls, so one slow reply does not fail its neighbours.
        try:
            await self._redis.connection_pool.disconnect(inuse_connections=False)
        except Exception:  # noqa: BLE001 - best effort on an already broken pool
            pass
        return CountersUnavailable(f"redis: {type(exc).__name__}")

    async def reserve(self, key: str, limit: int, ttl_seconds: int,
                      units: int = 1) -> tuple[bool, int]:
        ok, count = await self._script(
            self._reserve, [self._k(key)],
            [int(limit), max(1, int(ttl_seconds)), max(1, int(units))])
        return bool(ok), int(count)

    async def release(self, key: str) -> None:
        await self._script(self._release, [self._k(key)], [])

    async def get_count(self, key: str) -> int:
        value = await self._command("GET", self._k(key))
        return int(value or 0)

    async def read(self, count_keys: Sequence[str],
                   cache_keys: Sequence[str]) -> tuple[list[int], list[bytes | None]]:
        keys = [self._k(key) for key in (*count_keys, *cache_keys)]
        if not keys:
            return [], []
        if self._batch is None:  # a cluster: the keys are read slot by slot
            try:
                values = await self._redis.mget_nonatomic(keys)
            except _FAILURES as exc:
                raise await self._unavailable(exc) from exc
        else:
            values = await self._command("MGET", *keys)
        n = len(count_keys)
        return [int(v or 0) for v in values[:n]], list(values[n:])

    async def hit(self, key: str, limit: int, window_seconds: int) -> tuple[bool, float]:
        window_us = int(window_seconds * 1_000_000)
        ok, retry_us = await self._script(  # ":log": not the sorted set an older release kept
            self._hit, [self._k(key) + ":log"], [int(limit), window_us])
        if ok:
            return True, 0.0
        return False, max(0.001, int(retry_us) / 1_000_000)

    async def cache_get(self, key: str) -> bytes | None:
        return await self._command("GET", self._k(key))

    async def cache_set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        await self._command("SET", self._k(key), value, "EX", max(1, int(ttl_seconds)))

    async def cache_swap(self, key: str, expected: bytes | None, value: bytes,
                         ttl_seconds: int) -> bool:
        stored = await self._script(
            self._swap, [self._k(key)],
            ["1" if expected is None else "0", expected or b"", value, max(1, int(ttl_seconds))])
        return bool(stored)

    async def acquire_lock(self, key: str, ttl_seconds: float) -> str | None:
        token = secrets.token_hex(16)
        px = max(1, int(ttl_seconds * 1000))
        ok = await self._command("SET", self._k(key), token, "NX", "PX", px)
        return token if ok else None

    async def release_lock(self, key: str, token: str) -> None:
        await self._script(self._unlock, [self._k(key)], [token])

    async def ping(self) -> None:
        """Over the connection the commands use: a readiness "ok" (which also ends the
        fallback) means they can go through, not only that a new connection could."""
        await self._command("PING")

    async def close(self) -> None:
        if self._batch is not None:
            await self._batch.close()
        try:
            await self._redis.aclose()
        except (RedisError, OSError):
            pass
