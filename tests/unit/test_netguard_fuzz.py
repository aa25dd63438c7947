"""Fuzzing the URL policy: any input → a vetted target or BlockedUrl, never a forbidden address.

The oracle below is written from the brief's list, independently of `netguard`'s own tables.
"""

from ipaddress import IPv4Address, IPv4Network, IPv6Network, ip_address

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.articles.netguard import AddressPolicy, Target, check_address, parse_target
from core.errors import BlockedUrl

POLICY = AddressPolicy()
V4_FORBIDDEN = [IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")]
V6_FORBIDDEN = [IPv6Network(n) for n in (
    "::/128", "::1/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "2001:db8::/32",
    "64:ff9b:1::/48", "2001::/32")]


def oracle_forbids(address) -> bool:
    if isinstance(address, IPv4Address):
        return any(address in net for net in V4_FORBIDDEN)
    if any(address in net for net in V6_FORBIDDEN):
        return True
    value = int(address)
    inner = []
    if address in IPv6Network("::ffff:0:0/96") or address in IPv6Network("::/96"):
        inner.append(IPv4Address(value & 0xFFFFFFFF))
    if address in IPv6Network("64:ff9b::/96"):
        inner.append(IPv4Address(value & 0xFFFFFFFF))
    if address in IPv6Network("2002::/16"):
        inner.append(IPv4Address((value >> 80) & 0xFFFFFFFF))
    return any(oracle_forbids(v4) for v4 in inner)


def spellings(v4: IPv4Address) -> st.SearchStrategy[str]:
    """Ways a resolver would read `v4`: dotted, integer, hex, octal, short forms, IPv6 wraps."""
    n, octets = int(v4), list(v4.packed)
    part = st.sampled_from([str, hex, lambda x: "0" + oct(x)[2:] if x else "0"])
    return st.one_of(
        st.just(str(v4)), st.just(str(n)), st.just(hex(n)), st.just("0" + oct(n)[2:]),
        st.tuples(part, part, part, part).map(
            lambda f: ".".join(fn(o) for fn, o in zip(f, octets, strict=True))),
        st.tuples(part, part).map(lambda f: f"{f[0](octets[0])}.{f[1](n & 0xFFFFFF)}"),
        st.tuples(part, part, part).map(
            lambda f: f"{f[0](octets[0])}.{f[1](octets[1])}.{f[2](n & 0xFFFF)}"),
        st.sampled_from([f"[::ffff:{v4}]", f"[::{v4}]", f"[64:ff9b::{v4}]",
                         f"[2002:{n >> 16:x}:{n & 0xFFFF:x}::1]"]),
    )


forbidden_v4 = st.sampled_from(V4_FORBIDDEN).flatmap(
    lambda net: st.integers(int(net.network_address), int(net.broadcast_address))
    .map(IPv4Address))
url_like = st.builds(
    lambda scheme, user, host, port, path: f"{scheme}{user}{host}{port}{path}",
    st.sampled_from(["http://", "https://", "HTTP://", "file://", "gopher://", "", "//", "http:"]),
    st.sampled_from(["", "user@", "u:p@", "@", "127.0.0.1@", "a%40b@"]),
    st.one_of(st.ip_addresses().map(lambda a: f"[{a}]" if a.version == 6 else str(a)),
              st.text(min_size=0, max_size=30), st.from_regex(r"[a-z0-9.\-]{1,30}", fullmatch=True),
              forbidden_v4.flatmap(spellings)),
    st.sampled_from(["", ":80", ":443", ":8080", ":0", ":", ":99999", ":-1"]),
    st.text(max_size=20),
)


def assert_vetted(target: Target) -> None:
    assert target.url.scheme in ("http", "https")
    assert target.port in POLICY.allowed_ports
    assert target.url.raw_user is None and target.url.raw_password is None
    if target.ip is not None:
        assert not oracle_forbids(target.ip)
        assert ip_address(target.url.raw_host) == target.ip


def check_anything(url: str) -> None:
    try:
        target = parse_target(url, POLICY)
    except BlockedUrl as exc:
        assert exc.message  # a clear reason, never an empty one
        return
    assert_vetted(target)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text_is_either_vetted_or_blocked(text):
    check_anything(text)


@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(url_like)
def test_url_shaped_input_is_either_vetted_or_blocked(url):
    check_anything(url)


@settings(max_examples=300, deadline=None)
@given(forbidden_v4.flatmap(spellings), st.sampled_from(["http", "https"]),
       st.sampled_from(["", ":80", ":443"]))
def test_a_forbidden_ipv4_is_refused_in_every_spelling(host, scheme, port):
    try:
        parse_target(f"{scheme}://{host}{port}/", POLICY)
    except BlockedUrl:
        return
    raise AssertionError(f"{host} got through")


@settings(max_examples=1000, deadline=None)
@given(st.ip_addresses())
def test_check_address_never_passes_what_the_oracle_forbids(address):
    try:
        check_address(address, 80, POLICY)
    except BlockedUrl:
        return
    assert not oracle_forbids(address)
