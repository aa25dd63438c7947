"""One Redis client from `REDIS_URL`, whatever the topology behind it.

- `redis://…`, `rediss://…`, `unix://…`: one server.
- `redis+sentinel://[:password@]host:port[,host:port…]/SERVICE[/DB]`: Sentinel. The master of
  SERVICE is asked of the sentinels on every new connection, so after a failover the next
  connection goes to the promoted replica. `?sentinel_password=…` when the sentinels need one.
- `redis+cluster://[:password@]host:port[,host:port…]`: Redis Cluster. Threadr's scripts touch
  one key each, and keys carry the identity as a hash tag (`{…}`), so related keys share a slot.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

SENTINEL, CLUSTER = "redis+sentinel", "redis+cluster"


def _nodes(netloc: str, default_port: int) -> list[tuple[str, int]]:
    hosts = netloc.rpartition("@")[2]
    nodes = []
    for part in hosts.split(","):
        host, _, port = part.strip().rpartition(":") if ":" in part else (part, "", "")
        nodes.append((host.strip("[]") or "localhost", int(port or default_port)))
    return nodes


def _password(netloc: str) -> str | None:
    userinfo = netloc.rpartition("@")[0]
    if not userinfo:
        return None
    return unquote(userinfo.partition(":")[2]) or None


def connect(url: str, *, timeout: float, connect_timeout: float, max_connections: int,
            **options) -> Redis | RedisCluster:
    """A client for `url`; connections are made lazily (a Redis that is down at start-up is
    found on the first call). `options` go to every connection (retry, driver_info, …)."""
    parts = urlsplit(url)
    connection = dict(socket_timeout=timeout, socket_connect_timeout=connect_timeout, **options)
    if parts.scheme == SENTINEL:
        path = [p for p in parts.path.split("/") if p]
        if not path:
            raise ValueError("redis+sentinel:// URLs name the service: …/SERVICE[/DB]")
        query = parse_qs(parts.query)
        sentinel_password = query.get("sentinel_password", [None])[0]
        sentinel = Sentinel(_nodes(parts.netloc, 26379),
                            sentinel_kwargs={"socket_timeout": timeout,
                                             "socket_connect_timeout": connect_timeout,
                                             "password": sentinel_password})
        pool = SentinelConnectionPool(path[0], sentinel, db=int(path[1]) if len(path) > 1 else 0,
                                      password=_password(parts.netloc),
                                      max_connections=max_connections, **connection)
        return Redis.from_pool(pool)
    if parts.scheme == CLUSTER:
        nodes = [ClusterNode(host, port) for host, port in _nodes(parts.netloc, 6379)]
        return RedisCluster(startup_nodes=nodes, password=_password(parts.netloc),
                            max_connections=max_connections, **connection)
    pool = BlockingConnectionPool.from_url(url, max_connections=max_connections,
                                           timeout=timeout, **connection)
    return Redis.from_pool(pool)
