"""Fetching autoconfig documents: HTTPS only, bounded in time and size, guarded redirects.

Host names are resolved by discovery's own resolver, and a public domain's autoconfig host
that resolves to a private address is not contacted at all (see :mod:`.targets`). No proxy
settings from the environment, no cookies; a redirect is followed only to HTTPS on the domain
or its ``autoconfig.`` host, at most three times.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass, field

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from .address import EmailAddress
from .autoconfig import redirect_allowed
from .resolver import DnsError, DnsLookup
from .targets import TargetPolicy

MAX_REDIRECTS = 3
_REDIRECTS = {301, 302, 303, 307, 308}


class FetchRefusedError(Exception):
    """The server answered, but with something discovery must not use (message safe)."""


@dataclass(slots=True)
class GuardedResolver(AbstractResolver):
    """aiohttp's resolver: discovery's DNS, and the private-address rule for every host."""

    lookup: DnsLookup
    policy: TargetPolicy
    refused: list[str] = field(default_factory=list)
    """Why hosts were not contacted (private addresses), for the warnings."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The addresses of ``host``; ``OSError`` when it has none or must not be used."""
        try:
            addresses = await self.lookup.addresses(host)
        except DnsError as err:
            raise OSError(str(err)) from None
        if not addresses:
            raise OSError(f"{host} does not resolve")
        problem = self.policy.problem(host, addresses)
        if problem is not None:
            self.refused.append(problem)
            raise OSError(problem)
        results: list[ResolveResult] = []
        for address in addresses:
            address_family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
            if family in (socket.AF_UNSPEC, address_family):
                results.append(
                    {
                        "hostname": host,
                        "host": str(address),
                        "port": port,
                        "family": address_family,
                        "proto": 0,
                        "flags": socket.AI_NUMERICHOST,
                    }
                )
        if not results:
            raise OSError(f"{host} has no address of the wanted family")
        return results

    async def close(self) -> None:
        """Nothing to release."""


def open_session(resolver: GuardedResolver, context: ssl.SSLContext) -> aiohttp.ClientSession:
    """A session for autoconfig fetches; close it after use."""
    connector = aiohttp.TCPConnector(resolver=resolver, ssl=context, limit=4, use_dns_cache=False)
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
        headers={"Accept": "application/xml, text/xml"},
    )


async def fetch_document(
    session: aiohttp.ClientSession,
    url: str,
    *,
    address: EmailAddress,
    https_port: int,
    max_wait: float,
    max_bytes: int,
) -> bytes | None:
    """The document at ``url``; ``None`` when there is none (no host, 404, TLS failure).

    Raises:
        FetchRefusedError: a redirect elsewhere, too many redirects, or a body over ``max_bytes``.

    """
    try:
        async with asyncio.timeout(max_wait):
            for _ in range(MAX_REDIRECTS + 1):
                async with session.get(url, allow_redirects=False) as response:
                    if response.status in _REDIRECTS:
                        location = response.headers.get("Location", "")
                        target = str(response.url.join(URL(location)))
                        if not redirect_allowed(target, address, https_port):
                            raise FetchRefusedError(
                                f"{url} redirects to {target[:120]}, outside "
                                f"{address.domain} and its autoconfig host"
                            )
                        url = target
                        continue
                    if response.status != 200:
                        return None
                    return await _bounded_body(response, url, max_bytes)
            raise FetchRefusedError(f"{url}: more than {MAX_REDIRECTS} redirects")
    except (TimeoutError, aiohttp.ClientError, OSError, ssl.SSLError):
        # Nothing (usable) there: the usual answer for a domain without autoconfig.
        return None


async def _bounded_body(response: aiohttp.ClientResponse, url: str, max_bytes: int) -> bytes:
    if response.content_length is not None and response.content_length > max_bytes:
        raise FetchRefusedError(f"{url}: the document is larger than {max_bytes // 1024} KiB")
    body = bytearray()
    async for chunk in response.content.iter_chunked(16 * 1024):
        body += chunk
        if len(body) > max_bytes:
            raise FetchRefusedError(f"{url}: the document is larger than {max_bytes // 1024} KiB")
    return bytes(body)
