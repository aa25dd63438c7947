"""Which URLs and addresses the fetcher may contact (SPEC §4, SSRF). Pure: no I/O.

`parse_target` vets a URL's scheme, authority, port and (for IP-literal hosts, in every
spelling a resolver would accept) its address; `check_address` vets each address a host name
resolves to. Both raise `BlockedUrl` with a message that says why. URLs are parsed with yarl,
the parser aiohttp itself uses, so the checked URL and the requested URL cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from yarl import URL

from core.errors import BlockedUrl
from core.settings import Settings

IPAddress = IPv4Address | IPv6Address
MAX_URL_LENGTH = 4096
_HOST_NAME = re.compile(r"^(?=.{1,253}\.?$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*"
                        r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.?$")
_NUMBER_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_CONTROL = re.compile(r"[\x00-\x20\x7f\\]")

_V4_RANGES = [(IPv4Network(net), why) for net, why in [
    ("255.255.255.255/32", "broadcast address"), ("0.0.0.0/8", "unspecified address"),
    ("127.0.0.0/8", "loopback address"), ("10.0.0.0/8", "private address"),
    ("172.16.0.0/12", "private address"), ("192.168.0.0/16", "private address"),
    ("169.254.0.0/16", "link-local address"), ("100.64.0.0/10", "shared (CGNAT) address"),
    ("192.0.0.0/24", "IETF protocol address"), ("192.0.2.0/24", "documentation address"),
    ("198.51.100.0/24", "documentation address"), ("203.0.113.0/24", "documentation address"),
    ("198.18.0.0/15", "benchmarking address"), ("192.88.99.0/24", "reserved address"),
    ("224.0.0.0/4", "multicast address"), ("240.0.0.0/4", "reserved address"),
]]
_V6_RANGES = [(IPv6Network(net), why) for net, why in [
    ("::/128", "unspecified address"), ("::1/128", "loopback address"),
    ("fc00::/7", "private address"), ("fe80::/10", "link-local address"),
    ("fec0::/10", "site-local address"), ("ff00::/8", "multicast address"),
    ("2001:db8::/32", "documentation address"), ("64:ff9b:1::/48", "local NAT64 address"),
    ("100::/64", "discard address"), ("2001:2::/48", "benchmarking address"),
]]
_MAPPED, _COMPAT = IPv6Network("::ffff:0:0/96"), IPv6Network("::/96")
_NAT64 = IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class AddressPolicy:
    """Ports the fetcher may use, and the TEST-ONLY loopback allowances.

    `exempt` holds exact (address, port) endpoints a test may reach although the address is
    forbidden (a permitted "start" server on 127.0.0.1); it can only be set in code.
    """

    allowed_ports: frozenset[int] = frozenset({80, 443})
    allow_loopback: bool = False
    exempt: frozenset[tuple[str, int]] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings, **overrides) -> AddressPolicy:
        values = dict(allowed_ports=frozenset(settings.fetch_allowed_ports),
                      allow_loopback=settings.fetch_allow_loopback)
        return cls(**(values | overrides))


@dataclass(frozen=True)
class Target:
    """A vetted URL: `url` is what to request (fragment dropped, IP literals canonical)."""

    url: URL
    host: str  # the name to resolve, or the canonical IP literal
    port: int
    ip: IPAddress | None  # set when the host is an IP literal (already checked)


def parse_target(url: str, policy: AddressPolicy) -> Target:
    """The vetted target of `url`, or `BlockedUrl` saying why it may not be fetched."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        raise BlockedUrl("This address is too long or not a URL.")
    text = url.strip()
    if _CONTROL.search(text.split("#", 1)[0].split("?", 1)[0]):
        raise BlockedUrl("This address contains spaces, backslashes or control characters.")
    try:
        parsed = URL(text)
        scheme, host, port = parsed.scheme.lower(), parsed.raw_host, parsed.port
    except Exception as exc:  # yarl raises ValueError, and IndexError on some inputs
        raise BlockedUrl("This address is not a valid URL.") from exc
    if scheme not in ("http", "https"):
        raise BlockedUrl("Only http:// and https:// addresses can be fetched.")
    if not host or not parsed.absolute:
        raise BlockedUrl("This address has no host name.")
    if "@" in _authority(text) or parsed.raw_user is not None:
        raise BlockedUrl("Addresses with a user name or password are not allowed.")
    if port not in policy.allowed_ports:
        raise BlockedUrl(f"Port {port} is not allowed; use {_ports(policy)}.")
    ip = parse_ip_host(host.lower())
    if ip is None:
        return Target(url=parsed.with_fragment(None), host=host.lower(), port=port, ip=None)
    check_address(ip, port, policy)
    return Target(url=parsed.with_host(str(ip)).with_fragment(None), host=str(ip), port=port,
                  ip=ip)


def parse_ip_host(host: str) -> IPAddress | None:
    """The address an IP-literal host denotes (any inet_aton spelling), None for a name.

    Raises `BlockedUrl` for an IPv6 zone id, a malformed numeric host, or an invalid name.
    """
    if "%" in host and ":" in host:
        raise BlockedUrl("IPv6 zone ids are not allowed.")
    if ":" in host:
        try:
            return IPv6Address(host.strip("[]"))
        except ValueError as exc:
            raise BlockedUrl("This address has an invalid IPv6 host.") from exc
    if not _HOST_NAME.match(host):
        raise BlockedUrl("This address has an invalid host name.")
    parts = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if not _NUMBER_PART.match(parts[-1]):
        return None
    return _inet_aton(parts)


def _inet_aton(parts: list[str]) -> IPv4Address:
    """IPv4 the way resolvers read it: 1-4 parts, decimal, 0x-hex or 0-octal (127.1, 0x7f.1)."""
    try:
        if not 1 <= len(parts) <= 4:
            raise ValueError
        numbers = [_number(p) for p in parts]
        *head, last = numbers
        if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
            raise ValueError
        value = last
        for i, n in enumerate(head):
            value += n << (8 * (3 - i))
        return IPv4Address(value)
    except ValueError as exc:
        raise BlockedUrl("This address has a malformed numeric (IP) host.") from exc


def _number(part: str) -> int:
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part, 10)


def forbidden_reason(ip: IPAddress) -> str | None:
    """Why `ip` may not be contacted ("private address", …), or None if it is public."""
    if isinstance(ip, IPv4Address):
        for net, why in _V4_RANGES:
            if ip in net:
                return why
        return None if ip.is_global else "non-public address"
    for net, why in _V6_RANGES:
        if ip in net:
            return why
    embedded, form = embedded_ipv4(ip)
    if embedded is not None:
        reason = forbidden_reason(embedded)
        if reason or form in ("IPv4-mapped", "IPv4-compatible"):
            return f"{reason} in {form} form" if reason else None
    if ip.teredo:
        return "Teredo tunnel address"
    return None if ip.is_global else "non-public address"


def embedded_ipv4(ip: IPv6Address) -> tuple[IPv4Address | None, str]:
    """The IPv4 address carried inside `ip` (mapped, compatible, 6to4, NAT64, Teredo client)."""
    if ip in _MAPPED:
        return ip.ipv4_mapped, "IPv4-mapped"
    if ip in _COMPAT:
        return IPv4Address(int(ip) & 0xFFFFFFFF), "IPv4-compatible"
    if ip.sixtofour is not None:
        return ip.sixtofour, "6to4"
    if ip in _NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF), "NAT64"
    if ip.teredo is not None:
        server, client = ip.teredo
        return (client if forbidden_reason(client) else server), "Teredo"
    return None, ""


def check_address(ip: IPAddress | str, port: int, policy: AddressPolicy) -> IPAddress:
    """`ip` if the fetcher may connect to it on `port`; otherwise `BlockedUrl`."""
    try:
        address = ip_address(ip) if isinstance(ip, str) else ip
    except ValueError:
        raise BlockedUrl("The host name resolved to something that is not an address.") from None
    if isinstance(address, IPv6Address) and address.scope_id:
        raise BlockedUrl("IPv6 zone ids are not allowed.")
    if (str(address), port) in policy.exempt:
        return address
    reason = forbidden_reason(address)
    if reason is None or (policy.allow_loopback and reason == "loopback address"):
        return address
    raise BlockedUrl(f"This URL points to a non-public address ({reason}); it cannot be fetched.")


def _authority(text: str) -> str:
    rest = text.split("://", 1)[1] if "://" in text else text
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _ports(policy: AddressPolicy) -> str:
    return ", ".join(str(p) for p in sorted(policy.allowed_ports)) or "no port"
