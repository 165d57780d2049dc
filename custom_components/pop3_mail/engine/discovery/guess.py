"""The last resort: usual host names, used only after a verified TLS handshake.

``pop.<domain>``, ``pop3.<domain>`` and ``mail.<domain>`` are tried with implicit TLS (port
995) and with STARTTLS (port 110), all at once; the first in that order that confirms wins.
A guess is never used over plaintext or with certificate verification off.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

from ..settings import Security
from .probe import ProbeResult, confirm_pop3
from .resolver import IpAddress

GUESS_PREFIXES = ("pop", "pop3", "mail")


def guess_hosts(domain: str) -> tuple[str, ...]:
    """The names tried for ``domain``, in order."""
    return tuple(f"{prefix}.{domain}" for prefix in GUESS_PREFIXES)


@dataclass(frozen=True, slots=True)
class GuessOutcome:
    """One guessed endpoint and what its handshake said."""

    host: str
    port: int
    security: Security
    result: ProbeResult


async def probe_guesses(
    hosts: Sequence[tuple[str, Sequence[IpAddress]]],
    *,
    context: ssl.SSLContext,
    max_wait: float,
    pop3s_port: int,
    pop3_port: int,
) -> list[GuessOutcome]:
    """Every endpoint of ``hosts`` (resolved, admitted), best first: implicit TLS, then STLS."""
    endpoints = [
        (host, addresses, port, security)
        for port, security in ((pop3s_port, Security.SSL), (pop3_port, Security.STARTTLS))
        for host, addresses in hosts
    ]
    results = await asyncio.gather(
        *(
            confirm_pop3(
                host, addresses, port=port, security=security, context=context, max_wait=max_wait
            )
            for host, addresses, port, security in endpoints
        )
    )
    return [
        GuessOutcome(host, port, security, result)
        for (host, _addresses, port, security), result in zip(endpoints, results, strict=True)
    ]
