"""RFC 6186 SRV records and the MX's provider, answered by a local DNS server."""

from __future__ import annotations

import asyncio

import pytest

from pop3_mail.discovery import AuthKind, Confidence, Source, WarningKind, discover
from pop3_mail.settings import Security
from tests.support.dns_server import DnsServer

from .conftest import DOMAIN, options_for

ADDRESS = f"jane@{DOMAIN}"


async def test_found_by_pop3s_srv_records_in_priority_order(dns: DnsServer) -> None:
    dns.add(
        f"_pop3s._tcp.{DOMAIN}",
        "SRV",
        f"20 1 995 backup.{DOMAIN}.",
        f"10 1 1995 pop.{DOMAIN}.",
        f"10 9 2995 heavy.{DOMAIN}.",
    )
    dns.add(f"_pop3._tcp.{DOMAIN}", "SRV", f"0 0 110 plain.{DOMAIN}.")
    for name in ("backup", "pop", "heavy", "plain"):
        dns.add(f"{name}.{DOMAIN}", "A", "127.0.0.1")
    result = await discover(ADDRESS, options_for(dns, allow_private_targets=True))
    server = result.server
    assert server is not None
    assert (server.host, server.port, server.security) == (f"heavy.{DOMAIN}", 2995, Security.SSL)
    assert (server.source, server.confidence) == (Source.SRV, Confidence.MEDIUM)
    assert server.username(result.address) == ADDRESS


async def test_pop3_srv_records_mean_mandatory_starttls(dns: DnsServer) -> None:
    dns.add(f"_pop3._tcp.{DOMAIN}", "SRV", f"0 0 110 mail.{DOMAIN}.")
    dns.add(f"mail.{DOMAIN}", "AAAA", "::1")
    result = await discover(ADDRESS, options_for(dns, allow_private_targets=True))
    assert result.server is not None
    assert (result.server.host, result.server.port, result.server.security) == (
        f"mail.{DOMAIN}",
        110,
        Security.STARTTLS,
    )


async def test_a_dot_target_means_no_service(dns: DnsServer) -> None:
    dns.add(f"_pop3s._tcp.{DOMAIN}", "SRV", "0 0 0 .")
    dns.add(f"_pop3._tcp.{DOMAIN}", "SRV", "0 0 0 .")
    result = await discover(ADDRESS, options_for(dns, try_guesses=False))
    assert result.server is None
    assert result.warnings == ()
    assert dns.questions[(f"_pop3s._tcp.{DOMAIN}", "SRV")] == 1


async def test_an_srv_target_that_does_not_resolve_is_skipped(dns: DnsServer) -> None:
    dns.add(f"_pop3s._tcp.{DOMAIN}", "SRV", f"0 0 995 gone.{DOMAIN}.", f"5 0 995 pop.{DOMAIN}.")
    dns.add(f"pop.{DOMAIN}", "A", "127.0.0.1")
    result = await discover(ADDRESS, options_for(dns, allow_private_targets=True))
    assert result.server is not None
    assert result.server.host == f"pop.{DOMAIN}"
    assert [w.kind for w in result.warnings] == [WarningKind.UNRESOLVED]


@pytest.mark.parametrize(
    ("exchanger", "provider_id", "auth"),
    [
        ("example-com.mail.protection.outlook.com.", "microsoft365", AuthKind.OAUTH),
        ("smtp.google.com.", "google_workspace", AuthKind.APP_PASSWORD),
        ("aspmx.l.google.com.", "google_workspace", AuthKind.APP_PASSWORD),
        ("mx00.kundenserver.de.", "ionos", AuthKind.PASSWORD),
    ],
)
async def test_found_by_the_mx_provider(
    dns: DnsServer, exchanger: str, provider_id: str, auth: AuthKind
) -> None:
    dns.add(DOMAIN, "MX", "5 mx.elsewhere.example.", f"10 {exchanger}")
    result = await discover(ADDRESS, options_for(dns, try_guesses=False))
    server = result.server
    assert server is not None
    assert (server.source, server.provider_id, server.auth) == (Source.MX, provider_id, auth)
    assert server.confidence is Confidence.MEDIUM
    assert bool(server.notes) is (auth is not AuthKind.PASSWORD)


async def test_srv_records_come_before_the_mx(dns: DnsServer) -> None:
    dns.add(DOMAIN, "MX", "10 example-com.mail.protection.outlook.com.")
    dns.add(f"_pop3s._tcp.{DOMAIN}", "SRV", f"0 0 995 pop.{DOMAIN}.")
    dns.add(f"pop.{DOMAIN}", "A", "127.0.0.1")
    result = await discover(ADDRESS, options_for(dns, allow_private_targets=True))
    assert result.server is not None
    assert result.server.source is Source.SRV


@pytest.mark.parametrize(
    ("record", "value", "kind"),
    [
        ("A", "127.0.0.2", "loopback"),
        ("A", "10.20.30.40", "private"),
        ("A", "192.168.1.10", "private"),
        ("A", "169.254.169.254", "link-local"),
        ("AAAA", "fe80::1", "link-local"),
        ("AAAA", "fd12::3", "private"),
    ],
)
async def test_a_public_domains_host_on_a_private_address_is_held_back(
    dns: DnsServer, record: str, value: str, kind: str
) -> None:
    dns.add(f"_pop3s._tcp.{DOMAIN}", "SRV", f"0 0 995 pop.{DOMAIN}.")
    dns.add(f"pop.{DOMAIN}", record, value)
    result = await discover(ADDRESS, options_for(dns))
    assert result.server is None
    # Held back twice: as the SRV answer, and as the guess pop.<domain> (never contacted).
    assert [(held.host, held.source) for held in result.held_back] == [
        (f"pop.{DOMAIN}", Source.SRV),
        (f"pop.{DOMAIN}", Source.GUESS),
    ]
    assert not any(held.confirmed for held in result.held_back)
    messages = [w.message for w in result.warnings if w.kind is WarningKind.PRIVATE_ADDRESS]
    assert messages[0] == (
        f"pop.{DOMAIN} resolves to {value}, a {kind} address (found by srv); not used unless "
        "confirmed"
    )


async def test_private_addresses_are_fine_for_private_domains(dns: DnsServer) -> None:
    dns.add("_pop3s._tcp.home.arpa", "SRV", "0 0 995 nas.home.arpa.")
    dns.add("nas.home.arpa", "A", "192.168.1.10")
    result = await discover("me@home.arpa", options_for(dns))
    assert result.server is not None
    assert result.server.host == "nas.home.arpa"
    assert result.held_back == ()
    assert result.warnings == ()


async def test_a_dns_server_that_never_answers_keeps_discovery_in_bounds(
    dns: DnsServer,
) -> None:
    dns.silent = True
    options = options_for(dns, dns_timeout=0.5, timeout=2.0)
    async with asyncio.timeout(options.timeout + 2):  # a hang guard, not a measurement
        result = await discover(ADDRESS, options)
    assert result.server is None
    assert result.elapsed < options.timeout + 0.5
    kinds = {warning.kind for warning in result.warnings}
    assert kinds & {WarningKind.DNS, WarningKind.TIMEOUT}
    assert any(key[1] == "SRV" for key in dns.questions)


async def test_the_whole_discovery_stops_at_its_deadline(dns: DnsServer) -> None:
    dns.silent = True
    options = options_for(dns, dns_timeout=5.0, timeout=1.0)
    async with asyncio.timeout(options.timeout + 2):
        result = await discover(ADDRESS, options)
    assert result.server is None
    assert result.elapsed < options.timeout + 0.5
    assert [warning.kind for warning in result.warnings] == [WarningKind.TIMEOUT]


async def test_the_provider_table_needs_no_network(dns: DnsServer) -> None:
    result = await discover("jane@gmx.de", options_for(dns))
    assert result.server is not None
    assert result.server.host == "pop.gmx.net"
    assert (result.server.source, result.server.confidence) == (Source.PROVIDER, Confidence.HIGH)
    assert not dns.questions
    icloud = await discover("jane@icloud.com", options_for(dns))
    assert icloud.server is None
    assert icloud.no_pop3 is not None
    assert icloud.no_pop3.notes[0].key == "no_pop3"
