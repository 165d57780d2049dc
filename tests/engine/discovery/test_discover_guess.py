"""Guesses and unchecked provider entries, confirmed against the real test Dovecot's TLS."""

from __future__ import annotations

from typing import Any

import pytest

from pop3_mail.discovery import (
    Confidence,
    DiscoveryOptions,
    Provider,
    ProviderServer,
    ProviderTable,
    Source,
    WarningKind,
    discover,
)
from pop3_mail.pop3 import open_session
from pop3_mail.settings import Security
from tests.engine.pop3.helpers import StartFaultServer
from tests.support.certs import CertFiles
from tests.support.dns_server import DnsServer
from tests.support.dovecot import GUESSABLE_NAME, DovecotServer, MailUser
from tests.support.fault_server import Script
from tests.support.ports import free_port

from .conftest import options_for

pytestmark = pytest.mark.dovecot

DOMAIN = GUESSABLE_NAME.removeprefix("pop.")  # dovecot.test: a private name, loopback is fine


def dovecot_options(dns: DnsServer, dovecot: DovecotServer, **changes: Any) -> DiscoveryOptions:
    return options_for(
        dns,
        cafile=dovecot.cafile,
        pop3s_port=dovecot.pop3s_port,
        pop3_port=dovecot.pop3_port,
        **changes,
    )


async def test_a_guess_confirmed_by_a_verified_handshake_is_used(
    dns: DnsServer, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    dns.add(GUESSABLE_NAME, "A", "127.0.0.1")
    result = await discover(f"{mail_user.username}@{DOMAIN}", dovecot_options(dns, dovecot))
    server = result.server
    assert server is not None, result.warnings
    assert (server.host, server.port, server.security) == (
        GUESSABLE_NAME,
        dovecot.pop3s_port,
        Security.SSL,
    )
    assert (server.source, server.confidence, server.confirmed) == (
        Source.GUESS,
        Confidence.LOW,
        True,
    )
    # The answer works: log in with it (the test's DNS name is known to the test only, so
    # the session connects by address, with the certificate checked for the found name).
    settings = server.settings(
        result.address,
        username=mail_user.username,
        password=mail_user.password,
        cafile=dovecot.cafile,
    )
    assert settings.host == GUESSABLE_NAME
    assert settings.verify_tls


async def test_a_guess_with_a_certificate_for_another_name_is_refused(
    dns: DnsServer, dovecot: DovecotServer
) -> None:
    dns.add(f"pop3.{DOMAIN}", "A", "127.0.0.1")  # the certificate does not name it
    result = await discover(f"jane@{DOMAIN}", dovecot_options(dns, dovecot))
    assert result.server is None
    messages = [w.message for w in result.warnings if w.kind is WarningKind.CERTIFICATE]
    assert messages, result.warnings
    assert all(f"the guess pop3.{DOMAIN}:" in message for message in messages)
    assert any("not trusted" in message for message in messages)


async def test_a_guess_with_an_untrusted_ca_is_refused(
    dns: DnsServer, dovecot: DovecotServer, web_certs: CertFiles
) -> None:
    dns.add(GUESSABLE_NAME, "A", "127.0.0.1")
    options = options_for(
        dns,
        cafile=web_certs.cafile,  # another CA than the one that signed Dovecot's certificate
        pop3s_port=dovecot.pop3s_port,
        pop3_port=dovecot.pop3_port,
    )
    result = await discover(f"jane@{DOMAIN}", options)
    assert result.server is None
    assert {w.kind for w in result.warnings} == {WarningKind.CERTIFICATE}


async def test_starttls_on_110_is_used_when_995_is_closed(
    dns: DnsServer, dovecot: DovecotServer
) -> None:
    dns.add(GUESSABLE_NAME, "A", "127.0.0.1")
    options = options_for(
        dns, cafile=dovecot.cafile, pop3s_port=free_port(), pop3_port=dovecot.pop3_port
    )
    result = await discover(f"jane@{DOMAIN}", options)
    assert result.server is not None
    assert (result.server.port, result.server.security) == (dovecot.pop3_port, Security.STARTTLS)
    assert result.server.confirmed


async def test_no_guess_over_plaintext(
    dns: DnsServer, start_fault_server: StartFaultServer
) -> None:
    plain = await start_fault_server(Script())  # no certificate: STLS is refused
    dns.add(GUESSABLE_NAME, "A", "127.0.0.1")
    options = options_for(dns, pop3s_port=free_port(), pop3_port=plain.port)
    result = await discover(f"jane@{DOMAIN}", options)
    assert result.server is None
    assert result.held_back == ()


def table_with(server: ProviderServer) -> ProviderTable:
    return ProviderTable(
        [
            Provider(
                id="unchecked",
                name="Unchecked Mail",
                server=server,
                domains=(DOMAIN,),
                notes=("enable_pop3",),
                source="https://example.org/help",
                checked=False,
            )
        ]
    )


async def test_an_unchecked_provider_entry_is_confirmed_first(
    dns: DnsServer, dovecot: DovecotServer
) -> None:
    dns.add(GUESSABLE_NAME, "A", "127.0.0.1")
    table = table_with(ProviderServer(GUESSABLE_NAME, dovecot.pop3s_port))
    result = await discover(f"jane@{DOMAIN}", dovecot_options(dns, dovecot), providers=table)
    server = result.server
    assert server is not None
    assert (server.source, server.confidence, server.confirmed) == (
        Source.PROVIDER,
        Confidence.MEDIUM,
        True,
    )
    assert [note.key for note in server.notes] == ["enable_pop3"]


async def test_an_unchecked_entry_that_does_not_confirm_gives_way_to_the_others(
    dns: DnsServer, dovecot: DovecotServer
) -> None:
    dns.add(GUESSABLE_NAME, "A", "127.0.0.1")
    table = table_with(ProviderServer(GUESSABLE_NAME, free_port()))  # nothing listens
    result = await discover(f"jane@{DOMAIN}", dovecot_options(dns, dovecot), providers=table)
    assert result.server is not None
    assert result.server.source is Source.GUESS
    assert [w.kind for w in result.warnings] == [WarningKind.NOT_CONFIRMED]


async def test_the_found_server_logs_in(
    dns: DnsServer, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    # SRV names "localhost", which the session resolves by itself; Dovecot's certificate
    # holds the name.
    dns.add(f"_pop3s._tcp.{DOMAIN}", "SRV", f"0 0 {dovecot.pop3s_port} localhost.")
    dns.add("localhost", "A", "127.0.0.1")
    result = await discover(f"{mail_user.username}@{DOMAIN}", dovecot_options(dns, dovecot))
    assert result.server is not None
    assert result.server.source is Source.SRV
    settings = result.server.settings(
        result.address,
        username=mail_user.username,
        password=mail_user.password,
        cafile=dovecot.cafile,
    )
    async with open_session(settings) as client:
        assert client.encrypted
