"""RFC 6186 service records: ``_pop3s._tcp.<domain>`` (implicit TLS), ``_pop3._tcp.<domain>``.

``_pop3s`` is preferred whatever the priorities say (RFC 8314 §5.1); within one service the
lowest priority wins, then the highest weight. A lone record with target "." says the
service is not offered (RFC 2782). ``_pop3`` answers are used with mandatory STARTTLS only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ..settings import Security
from .address import is_valid_host_name
from .resolver import DnsError, DnsLookup, SrvRecord


@dataclass(frozen=True, slots=True)
class SrvTarget:
    """One server named by SRV records."""

    host: str
    port: int
    security: Security


async def srv_targets(lookup: DnsLookup, domain: str) -> tuple[list[SrvTarget], list[str]]:
    """The announced servers, best first, and the errors of look-ups that failed."""
    results = await asyncio.gather(
        lookup.srv(f"_pop3s._tcp.{domain}"),
        lookup.srv(f"_pop3._tcp.{domain}"),
        return_exceptions=True,
    )
    targets: list[SrvTarget] = []
    errors: list[str] = []
    for result, security in zip(results, (Security.SSL, Security.STARTTLS), strict=True):
        if isinstance(result, DnsError):
            errors.append(str(result))
        elif isinstance(result, BaseException):
            raise result
        else:
            targets.extend(_ranked(result, security))
    return targets, errors


def _ranked(records: list[SrvRecord], security: Security) -> list[SrvTarget]:
    if len(records) == 1 and not records[0].target:
        return []  # "." : decidedly no service
    usable = [
        record
        for record in records
        if record.target and 0 < record.port < 65536 and is_valid_host_name(record.target)
    ]
    usable.sort(key=lambda record: (record.priority, -record.weight))
    return [SrvTarget(record.target, record.port, security) for record in usable]
