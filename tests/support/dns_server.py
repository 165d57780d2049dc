"""A small authoritative DNS server on 127.0.0.1 (UDP) for discovery tests.

Records are ``(name, type) -> [rdata text]`` (``("_pop3s._tcp.example.com", "SRV"):
["0 1 995 pop.example.com."]``). A name without any record gets NXDOMAIN, a name with records
of other types an empty answer. ``silent`` makes it swallow every question (a server that
never answers). Messages are parsed and built with dnspython, the same library the engine's
resolver uses, but nothing of the engine.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


@dataclass
class DnsServer:
    """Answers from ``records``; :attr:`questions` counts what was asked."""

    records: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    silent: bool = False
    questions: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    port: int = 0
    _transport: asyncio.DatagramTransport | None = None

    def add(self, name: str, rdtype: str, *values: str) -> None:
        """Add records (``name`` without the final dot)."""
        self.records.setdefault((name.lower(), rdtype.upper()), []).extend(values)

    def answer(self, wire: bytes) -> bytes | None:
        """The response to one query (``None``: stay silent)."""
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.questions[(name, rdtype)] += 1
        if self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        values = self.records.get((name, rdtype))
        if values:
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", rdtype, *values))
        elif not any(key[0] == name for key in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        wire_answer: bytes = response.to_wire()
        return wire_answer

    async def start(self) -> DnsServer:
        """Listen on 127.0.0.1 at a free port (:attr:`port`)."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=("127.0.0.1", 0)
        )
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        reply = self.server.answer(data)
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)
