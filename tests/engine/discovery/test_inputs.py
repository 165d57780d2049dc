"""Addresses, nameservers and options: what discovery accepts before it touches the network."""

from __future__ import annotations

import ipaddress
import ssl

import pytest

from pop3_mail.discovery import DiscoveryOptions, Nameserver, is_public_domain, parse_address
from pop3_mail.discovery.options import parse_nameserver
from pop3_mail.discovery.targets import TargetPolicy, non_public_kind
from pop3_mail.errors import ConfigError


def test_addresses_are_normalised() -> None:
    address = parse_address("  Jane.Doe@GMX.De. ")
    assert (address.local, address.domain) == ("Jane.Doe", "gmx.de")
    assert str(address) == "Jane.Doe@gmx.de"
    assert parse_address("max@müller.de").domain == "xn--mller-kva.de"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "jane",
        "@gmx.de",
        "jane@",
        "ja ne@gmx.de",
        "jane@[127.0.0.1]",
        "jane@127.0.0.1",
        "jane@exa_mple.com",
        "jane@-bad.com",
        "jane@" + "a" * 64 + ".com",
    ],
)
def test_unusable_addresses_are_refused(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_address(text)


@pytest.mark.parametrize(
    ("domain", "public"),
    [
        ("example.com", True),
        ("gmx.de", True),
        ("nas.local", False),
        ("box.home.arpa", False),
        ("router.lan", False),
        ("localhost", False),
        ("intranet", False),
        ("dovecot.test", False),
    ],
)
def test_public_domains(domain: str, public: bool) -> None:
    assert is_public_domain(domain) is public


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "non-public"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "private"),
        ("9.9.9.9", None),
        ("2620:fe::fe", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert non_public_kind(ipaddress.ip_address(address)) == kind


def test_the_policy_refuses_a_host_with_any_private_address() -> None:
    public, private = ipaddress.ip_address("9.9.9.9"), ipaddress.ip_address("10.0.0.1")
    restricted = TargetPolicy(restricted=True)
    assert restricted.problem("pop.example.com", [public]) is None
    assert restricted.problem("pop.example.com", [public, private]) == (
        "pop.example.com resolves to 10.0.0.1, a private address"
    )
    assert TargetPolicy(restricted=False).problem("pop.nas.local", [private]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.53", Nameserver("192.0.2.53")),
        ("127.0.0.1:5353", Nameserver("127.0.0.1", 5353)),
        ("2001:db8::53", Nameserver("2001:db8::53")),
        ("[::1]:53", Nameserver("::1", 53)),
    ],
)
def test_nameservers(text: str, expected: Nameserver) -> None:
    assert parse_nameserver(text) == expected
    assert parse_nameserver(str(expected)) == expected


@pytest.mark.parametrize("text", ["dns.example.com", "127.0.0.1:0", "127.0.0.1:99999", "[::1]:x"])
def test_bad_nameservers(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_nameserver(text)


def test_options_refuse_unbounded_or_unverified_settings() -> None:
    for name in ("timeout", "dns_timeout", "http_timeout", "probe_timeout"):
        for value in (0, -1, float("inf"), float("nan")):
            with pytest.raises(ConfigError, match=name):
                DiscoveryOptions(**{name: value})  # type: ignore[arg-type]
    unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with pytest.raises(ConfigError, match="verifying"):
        DiscoveryOptions(ssl_context=unverified)
