"""Bounded asynchronous DNS look-ups (dnspython) against the system's or given nameservers.

dnspython is pure Python with one stable asyncio API since 2.0, so it runs wherever the
engine runs (Home Assistant OS, musl containers) and lets tests point it at their own DNS
server and port. Reading ``/etc/resolv.conf`` is blocking file I/O: it happens in a thread.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver

from .options import Nameserver

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DnsError(Exception):
    """A DNS look-up failed for a reason other than "no such record" (safe to show)."""


@dataclass(frozen=True, slots=True)
class SrvRecord:
    """One SRV answer; ``target`` is ``""`` for RFC 2782's "." (no service here)."""

    priority: int
    weight: int
    port: int
    target: str


class DnsLookup:
    """A resolver whose every question is bounded by ``timeout`` seconds."""

    def __init__(self, resolver: dns.asyncresolver.Resolver, timeout: float) -> None:
        """Ask through ``resolver``; use :meth:`create` to make one."""
        self._resolver = resolver
        self._timeout = timeout

    @classmethod
    async def create(cls, nameservers: tuple[Nameserver, ...], max_wait: float) -> DnsLookup:
        """A look-up through ``nameservers``, or the system's configuration when empty.

        Raises:
            DnsError: the system has no usable resolver configuration.

        """
        if nameservers:
            resolver = dns.asyncresolver.Resolver(configure=False)
            resolver.nameservers = [
                dns.nameserver.Do53Nameserver(server.address, server.port) for server in nameservers
            ]
        else:
            try:
                resolver = await asyncio.to_thread(dns.asyncresolver.Resolver)
            except dns.exception.DNSException as err:
                raise DnsError(f"no DNS resolver configuration ({err})") from None
        # Several servers share one question's time; a server that never answers must not
        # take all of it.
        resolver.timeout = min(max_wait, max(max_wait / 2, 0.5))
        resolver.lifetime = max_wait
        return cls(resolver, max_wait)

    async def srv(self, name: str) -> list[SrvRecord]:
        """The SRV records of ``name`` (empty when there are none).

        Raises:
            DnsError: the question could not be answered (timeout, server failure).

        """
        answer = await self._ask(name, dns.rdatatype.SRV)
        records = []
        for rdata in answer:
            target = rdata.target
            records.append(
                SrvRecord(
                    priority=int(rdata.priority),
                    weight=int(rdata.weight),
                    port=int(rdata.port),
                    target="" if target == dns.name.root else target.to_text(True).lower(),
                )
            )
        return records

    async def mx(self, domain: str) -> list[str]:
        """The mail exchangers of ``domain``, most preferred first.

        Raises:
            DnsError: the question could not be answered (timeout, server failure).

        """
        answer = await self._ask(domain, dns.rdatatype.MX)
        ranked = sorted(
            (int(rdata.preference), rdata.exchange.to_text(True).lower()) for rdata in answer
        )
        return [host for _, host in ranked if host and host != "."]

    async def addresses(self, host: str) -> list[IpAddress]:
        """The IPv4 and IPv6 addresses of ``host`` (IPv4 first; empty when it has none).

        Raises:
            DnsError: neither question could be answered.

        """
        results = await asyncio.gather(
            self._ask(host, dns.rdatatype.A),
            self._ask(host, dns.rdatatype.AAAA),
            return_exceptions=True,
        )
        found: list[IpAddress] = []
        errors: list[DnsError] = []
        for result in results:
            if isinstance(result, DnsError):
                errors.append(result)
            elif isinstance(result, BaseException):
                raise result
            else:
                found.extend(ipaddress.ip_address(rdata.address) for rdata in result)
        if not found and errors:
            raise errors[0]
        return found

    async def _ask(self, name: str, rdtype: dns.rdatatype.RdataType) -> list[Any]:
        try:
            answer = await self._resolver.resolve(
                name, rdtype, search=False, raise_on_no_answer=False, lifetime=self._timeout
            )
        except dns.resolver.NXDOMAIN:
            return []
        except dns.exception.Timeout:
            raise DnsError(
                f"no DNS answer for {name} {rdtype.name} within {self._timeout:g} s"
            ) from None
        except dns.resolver.NoNameservers:
            raise DnsError(f"the DNS servers failed to answer {name} {rdtype.name}") from None
        except dns.exception.DNSException as err:
            raise DnsError(f"DNS look-up of {name} {rdtype.name} failed: {err}") from None
        return list(answer.rrset) if answer.rrset is not None else []
