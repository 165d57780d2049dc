"""A DNS server, HTTPS autoconfig servers and the options that point discovery at them."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from pop3_mail.discovery import DiscoveryOptions, Nameserver
from tests.support.certs import CertFiles, make_certificates
from tests.support.dns_server import DnsServer
from tests.support.http import serve_on_loopback

DOMAIN = "example.com"
"""A public domain: found hosts that resolve to loopback are held back unless allowed."""

ServeHttps = Callable[[web.Application], AbstractAsyncContextManager[int]]


@pytest.fixture
async def dns() -> AsyncIterator[DnsServer]:
    """A DNS server on 127.0.0.1 that knows nothing until a test adds records."""
    server = await DnsServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def web_certs(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    """A CA and a certificate for the domain and its autoconfig host."""
    return make_certificates(
        tmp_path_factory.mktemp("autoconfig-tls"),
        prefix="autoconfig",
        names=[f"autoconfig.{DOMAIN}", DOMAIN, "autoconfig.example.net", "example.net"],
    )


@pytest.fixture
def serve_https(web_certs: CertFiles) -> ServeHttps:
    """``async with serve_https(app) as port``: ``app`` over HTTPS on 127.0.0.1."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(web_certs.certfile, web_certs.keyfile)

    def serve(app: web.Application) -> AbstractAsyncContextManager[int]:
        return serve_on_loopback(app, ssl_context=context)

    return serve


def options_for(
    dns: DnsServer, *, cafile: Path | str | None = None, **changes: Any
) -> DiscoveryOptions:
    """Options that ask ``dns`` and trust ``cafile`` (plus ``changes``)."""
    base = DiscoveryOptions(
        nameservers=(Nameserver("127.0.0.1", dns.port),),
        cafile=str(cafile) if cafile is not None else None,
    )
    return replace(base, **changes)
