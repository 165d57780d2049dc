"""The domain's own autoconfig document, served over HTTPS by a local aiohttp server."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from pop3_mail.discovery import Confidence, DiscoveryOptions, Source, WarningKind, discover
from pop3_mail.settings import Security
from tests.support.certs import CertFiles
from tests.support.dns_server import DnsServer

from .conftest import DOMAIN, ServeHttps, options_for

ADDRESS = f"jane@{DOMAIN}"
PATH = "/mail/config-v1.1.xml"
WELL_KNOWN = "/.well-known/autoconfig/mail/config-v1.1.xml"


def document(host: str = f"pop.{DOMAIN}", port: int = 995, socket_type: str = "SSL") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><clientConfig version="1.1">'
        f'<emailProvider id="{DOMAIN}"><domain>{DOMAIN}</domain>'
        "<displayShortName>Example</displayShortName>"
        f'<incomingServer type="pop3"><hostname>{host}</hostname><port>{port}</port>'
        f"<socketType>{socket_type}</socketType><username>%EMAILLOCALPART%</username>"
        "<authentication>password-cleartext</authentication></incomingServer>"
        "</emailProvider></clientConfig>"
    ).encode()


def app_serving(routes: dict[str, web.StreamResponse | bytes], seen: list[str]) -> web.Application:
    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(f"{request.host.split(':')[0]}{request.path_qs}")
        answer = routes.get(request.path)
        if answer is None:
            raise web.HTTPNotFound
        if isinstance(answer, bytes):
            return web.Response(body=answer, content_type="application/xml")
        if isinstance(answer, web.HTTPException):
            raise answer
        return answer

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    return app


def served(dns: DnsServer, certs: CertFiles, port: int, **changes: Any) -> DiscoveryOptions:
    """Options for the local HTTPS server (loopback allowed, as every test server is there)."""
    return options_for(
        dns, cafile=certs.cafile, https_port=port, allow_private_targets=True, **changes
    )


def resolve_to_loopback(dns: DnsServer, *names: str) -> None:
    for name in names:
        dns.add(name, "A", "127.0.0.1")


async def test_found_in_the_autoconfig_document(
    dns: DnsServer, serve_https: ServeHttps, web_certs: CertFiles
) -> None:
    resolve_to_loopback(dns, f"autoconfig.{DOMAIN}", f"pop.{DOMAIN}")
    # SRV records exist too: autoconfig comes first.
    dns.add(f"_pop3s._tcp.{DOMAIN}", "SRV", f"0 1 995 srv.{DOMAIN}.")
    seen: list[str] = []
    async with serve_https(app_serving({PATH: document()}, seen)) as port:
        options = served(dns, web_certs, port)
        result = await discover(ADDRESS, options)
    server = result.server
    assert server is not None, result.warnings
    assert (server.host, server.port, server.security) == (f"pop.{DOMAIN}", 995, Security.SSL)
    assert (server.source, server.confidence) == (Source.AUTOCONFIG, Confidence.HIGH)
    assert server.username(result.address) == "jane"
    assert server.provider_name == "Example"
    assert f"autoconfig.{DOMAIN}{PATH}?emailaddress={ADDRESS}" in seen
    assert result.warnings == ()


async def test_the_well_known_place_when_there_is_no_autoconfig_host(
    dns: DnsServer, serve_https: ServeHttps, web_certs: CertFiles
) -> None:
    resolve_to_loopback(dns, DOMAIN, f"pop.{DOMAIN}")
    seen: list[str] = []
    async with serve_https(app_serving({WELL_KNOWN: document()}, seen)) as port:
        options = served(dns, web_certs, port)
        result = await discover(ADDRESS, options)
    assert result.server is not None
    assert result.server.source is Source.AUTOCONFIG
    assert seen == [f"{DOMAIN}{WELL_KNOWN}"]


async def test_a_redirect_within_the_domain_is_followed(
    dns: DnsServer, serve_https: ServeHttps, web_certs: CertFiles
) -> None:
    resolve_to_loopback(dns, f"autoconfig.{DOMAIN}", DOMAIN, f"pop.{DOMAIN}")
    seen: list[str] = []
    routes: dict[str, web.StreamResponse | bytes] = {}
    async with serve_https(app_serving(routes, seen)) as port:
        # One server answers for both names; the redirect names its port.
        routes[PATH] = web.HTTPFound(f"https://{DOMAIN}:{port}/moved.xml")
        routes["/moved.xml"] = document()
        options = served(dns, web_certs, port)
        result = await discover(ADDRESS, options)
    assert result.server is not None
    assert result.server.source is Source.AUTOCONFIG
    assert f"{DOMAIN}/moved.xml" in seen


async def test_redirects_elsewhere_are_refused(
    dns: DnsServer, serve_https: ServeHttps, web_certs: CertFiles
) -> None:
    resolve_to_loopback(dns, f"autoconfig.{DOMAIN}", DOMAIN, "example.net")
    seen: list[str] = []
    routes: dict[str, web.StreamResponse | bytes] = {}
    async with serve_https(app_serving(routes, seen)) as port:
        routes[PATH] = web.HTTPFound(f"https://example.net:{port}/config.xml")
        routes[WELL_KNOWN] = web.HTTPFound(f"http://{DOMAIN}:{port}/config.xml")
        routes["/config.xml"] = document()
        options = served(
            dns,
            web_certs,
            port,
            try_guesses=False,
        )
        result = await discover(ADDRESS, options)
    assert result.server is None
    refused = [w.message for w in result.warnings if w.kind is WarningKind.AUTOCONFIG_REFUSED]
    assert any("redirects to https://example.net" in message for message in refused), refused
    assert any(f"redirects to http://{DOMAIN}" in message for message in refused), refused
    assert not any("config.xml" in path for path in seen)


async def test_huge_and_entity_documents_are_refused(
    dns: DnsServer, serve_https: ServeHttps, web_certs: CertFiles
) -> None:
    resolve_to_loopback(dns, f"autoconfig.{DOMAIN}", DOMAIN)

    async def endless(request: web.Request) -> web.StreamResponse:
        # No Content-Length: the size bound must hold while reading.
        response = web.StreamResponse()
        response.content_type = "application/xml"
        await response.prepare(request)
        await response.write(b"<clientConfig>")
        for _ in range(200):
            await response.write(b"<x>" + b"a" * 1024 + b"</x>")
        return response

    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10 if n > 1 else b"&lol;" * 10)
            for n in range(1, 10)
        )
        + b"]><clientConfig>&lol9;</clientConfig>"
    )
    app = web.Application()
    app.router.add_get(PATH, endless)

    async def entities(_request: web.Request) -> web.Response:
        return web.Response(body=laughs, content_type="application/xml")

    app.router.add_get(WELL_KNOWN, entities)
    async with serve_https(app) as port:
        options = served(
            dns,
            web_certs,
            port,
            try_guesses=False,
        )
        result = await discover(ADDRESS, options)
    assert result.server is None
    refused = [w.message for w in result.warnings if w.kind is WarningKind.AUTOCONFIG_REFUSED]
    assert any("larger than 64 KiB" in message for message in refused), refused
    assert any("document type declaration" in message for message in refused), refused


async def test_a_public_domains_autoconfig_host_on_loopback_is_not_contacted(
    dns: DnsServer, serve_https: ServeHttps, web_certs: CertFiles
) -> None:
    resolve_to_loopback(dns, f"autoconfig.{DOMAIN}", f"pop.{DOMAIN}")
    seen: list[str] = []
    async with serve_https(app_serving({PATH: document()}, seen)) as port:
        options = options_for(dns, cafile=web_certs.cafile, https_port=port, try_guesses=False)
        result = await discover(ADDRESS, options)
    assert result.server is None
    assert seen == []
    (warning,) = [w for w in result.warnings if w.kind is WarningKind.PRIVATE_ADDRESS]
    assert warning.message == (
        f"autoconfig.{DOMAIN} resolves to 127.0.0.1, a loopback address; its autoconfig was "
        "not fetched"
    )


async def test_a_stalled_web_server_does_not_hold_discovery_up(
    dns: DnsServer, serve_https: ServeHttps, web_certs: CertFiles
) -> None:
    resolve_to_loopback(dns, f"autoconfig.{DOMAIN}", DOMAIN, f"srv.{DOMAIN}")
    dns.add(f"_pop3s._tcp.{DOMAIN}", "SRV", f"0 1 995 srv.{DOMAIN}.")
    never = asyncio.Event()

    async def stall(_request: web.Request) -> web.Response:
        await never.wait()
        return web.Response()

    app = web.Application()
    app.router.add_get("/{tail:.*}", stall)
    async with serve_https(app) as port:
        options = served(
            dns,
            web_certs,
            port,
            http_timeout=0.5,
            timeout=4.0,
        )
        try:
            async with asyncio.timeout(options.timeout + 2):
                result = await discover(ADDRESS, options)
        finally:
            never.set()  # let the server's handlers end before it shuts down
    assert result.server is not None
    assert result.server.source is Source.SRV
    assert result.elapsed < options.timeout
