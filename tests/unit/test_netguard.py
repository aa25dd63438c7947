"""The fetcher's address and URL policy (SPEC §4): every range, every spelling."""

from ipaddress import ip_address

import pytest

from core.articles.netguard import (
    AddressPolicy,
    check_address,
    embedded_ipv4,
    forbidden_reason,
    parse_ip_host,
    parse_target,
)
from core.errors import BlockedUrl
from core.settings import Settings

POLICY = AddressPolicy()

FORBIDDEN = {
    "loopback": ["127.0.0.1", "127.255.255.254", "::1"],
    "private": ["10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1",
                "fc00::1", "fd12:3456::1"],
    "link-local": ["169.254.169.254", "169.254.0.1", "fe80::1", "febf::1"],
    "CGNAT": ["100.64.0.1", "100.127.255.254"],
    "multicast": ["224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1"],
    "reserved": ["240.0.0.1", "250.1.2.3", "192.88.99.1"],
    "broadcast": ["255.255.255.255"],
    "documentation": ["192.0.2.1", "198.51.100.7", "203.0.113.9", "2001:db8::1"],
    "benchmarking": ["198.18.0.1", "198.19.255.254", "2001:2::1"],
    "unspecified": ["0.0.0.0", "0.1.2.3", "::"],
    "IETF": ["192.0.0.1", "192.0.0.170"],
    "site-local": ["fec0::1", "feff::1"],
    "NAT64": ["64:ff9b:1::1"],
}
PUBLIC = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001::1",
          "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808", "100.128.0.1", "172.32.0.1",
          "11.0.0.1", "192.169.0.1", "223.255.255.254"]
EMBEDDED = {
    "::ffff:127.0.0.1": "IPv4-mapped", "::ffff:10.0.0.1": "IPv4-mapped",
    "::ffff:169.254.169.254": "IPv4-mapped", "::127.0.0.1": "IPv4-compatible",
    "::10.1.2.3": "IPv4-compatible", "2002:7f00:1::": "6to4", "2002:a9fe:a9fe::1": "6to4",
    "2002:c0a8:101::": "6to4", "64:ff9b::7f00:1": "NAT64", "64:ff9b::a9fe:a9fe": "NAT64",
    "2001:0:4136:e378:8000:63bf:80ff:fffe": "Teredo",
}
LOOPBACK_SPELLINGS = [
    "127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7F000001", "0177.0.0.1",
    "0177.0000.0000.0001", "017700000001", "0x7f.0.0.1", "0x7f.0x0.0x0.0x1", "0x7f.1",
    "127.000.000.001", "127.0.0.1.", "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:127.0.0.1]", "[::127.0.0.1]", "[2002:7f00:1::]",
    "[64:ff9b::7f00:1]", "①②⑦.0.0.1", "127。0。0。1", "127.0.0.255",
]


@pytest.mark.parametrize(("kind", "address"),
                         [(k, a) for k, addrs in FORBIDDEN.items() for a in addrs])
def test_every_forbidden_range_is_refused_with_its_reason(kind, address):
    reason = forbidden_reason(ip_address(address))
    assert reason is not None
    with pytest.raises(BlockedUrl, match="non-public address"):
        check_address(address, 80, POLICY)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert forbidden_reason(ip_address(address)) is None
    assert check_address(address, 443, POLICY) == ip_address(address)


@pytest.mark.parametrize(("address", "form"), EMBEDDED.items())
def test_ipv4_inside_ipv6_is_unwrapped_and_rechecked(address, form):
    inner, found_form = embedded_ipv4(ip_address(address))
    assert found_form == form and inner is not None
    assert forbidden_reason(ip_address(address)) is not None


@pytest.mark.parametrize("spelling", LOOPBACK_SPELLINGS)
def test_every_spelling_of_loopback_is_refused(spelling):
    with pytest.raises(BlockedUrl, match="loopback"):
        parse_target(f"http://{spelling}/", POLICY)


@pytest.mark.parametrize(("host", "expected"), [
    ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"), ("10.1", "10.0.0.1"), ("192.168.257", "192.168.1.1"),
    ("0", "0.0.0.0"), ("0x08080808", "8.8.8.8"), ("8.8.8.8.", "8.8.8.8"),
])
def test_odd_ipv4_spellings_read_like_a_resolver_reads_them(host, expected):
    assert parse_ip_host(host) == ip_address(expected)


@pytest.mark.parametrize("host", ["example.com", "xn--bcher-kva.de", "a-b.example", "1e1",
                                  "localhost"])
def test_host_names_are_not_ip_literals(host):
    assert parse_ip_host(host) is None


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.1.1.1", "1.2.3.256", "0x1ffffffff",
                                  "4294967296", "example.123", "09.1.1.1", "0x1.0x2.0x3.0x100"])
def test_malformed_numeric_hosts_are_refused(host):
    with pytest.raises(BlockedUrl, match="malformed numeric"):
        parse_ip_host(host)


@pytest.mark.parametrize("url", ["http://[::1%25eth0]/", "http://[fe80::1%25lo]/",
                                 "http://[2606:4700::1%251]/"])
def test_ipv6_zone_ids_are_refused(url):
    with pytest.raises(BlockedUrl, match="zone"):
        parse_target(url, POLICY)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://example.com/", "ftp://x.org/",
                                 "dict://x.org:11211/", "ldap://x.org/", "javascript:alert(1)",
                                 "data:text/html,hi", "ws://example.com/", "example.com/page",
                                 "//example.com/", "http:/example.com/", "http:example.com"])
def test_only_absolute_http_and_https_urls_are_fetched(url):
    with pytest.raises(BlockedUrl):
        parse_target(url, POLICY)


@pytest.mark.parametrize("url", ["http://user@example.com/", "http://u:p@example.com/",
                                 "http://@example.com/", "http://example.com@127.0.0.1/",
                                 "https://:@example.com/"])
def test_userinfo_is_refused(url):
    with pytest.raises(BlockedUrl, match="user name or password"):
        parse_target(url, POLICY)


@pytest.mark.parametrize("url", ["http://example.com:8080/", "https://example.com:22/",
                                 "http://example.com:0/", "https://example.com:80/",
                                 "http://example.com:443/x"])
def test_ports_outside_the_allowed_list_are_refused(url):
    # 80 and 443 are allowed as ports, whatever the scheme; anything else is refused.
    if url.endswith((":80/", ":443/x")):
        assert parse_target(url, POLICY).port in (80, 443)
    else:
        with pytest.raises(BlockedUrl, match="Port"):
            parse_target(url, POLICY)


@pytest.mark.parametrize("url", ["http://exa mple.com/", "http://example.com\\@127.0.0.1/",
                                 "http://exa\tmple.com/", "http://%31%32%37.0.0.1/",
                                 "http://example.com/\x00", "http://" + "a" * 5000 + ".com/"])
def test_hosts_with_odd_characters_are_refused(url):
    with pytest.raises(BlockedUrl):
        parse_target(url, POLICY)


def test_a_public_url_becomes_a_target_without_its_fragment():
    target = parse_target("  HTTPS://Example.COM/a/b?q=1#frag  ", POLICY)
    assert (str(target.url), target.host, target.port, target.ip) == (
        "https://example.com/a/b?q=1", "example.com", 443, None)


def test_an_ip_literal_target_is_requested_by_its_canonical_address():
    target = parse_target("http://0x08080808/x", POLICY)
    assert str(target.url) == "http://8.8.8.8/x" and target.ip == ip_address("8.8.8.8")


def test_the_default_policy_comes_from_settings():
    policy = AddressPolicy.from_settings(Settings())
    assert policy.allowed_ports == {80, 443} and policy.allow_loopback is False


def test_allowing_loopback_allows_loopback_only():
    policy = AddressPolicy(allow_loopback=True)
    assert check_address("127.0.0.1", 80, policy) and check_address("::1", 80, policy)
    for address in ("10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1", "0.0.0.0", "fe80::1"):
        with pytest.raises(BlockedUrl):
            check_address(address, 80, policy)


def test_an_exempt_endpoint_is_exempt_on_its_port_only():
    policy = AddressPolicy(allowed_ports=frozenset({80, 8081}),
                           exempt=frozenset({("127.0.0.1", 8081)}))
    assert check_address("127.0.0.1", 8081, policy)
    with pytest.raises(BlockedUrl):
        check_address("127.0.0.1", 80, policy)
    with pytest.raises(BlockedUrl):
        check_address("127.0.0.2", 8081, policy)
