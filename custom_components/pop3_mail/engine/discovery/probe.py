"""Confirming a guessed server: a POP3 greeting behind a TLS handshake with a verified certificate.

Implicit TLS: handshake, then ``+OK``. STARTTLS: ``+OK``, ``STLS``, ``+OK``, handshake. Either
way the certificate must verify for the host name, and nothing is sent but ``STLS`` and
``QUIT``: no credentials ever reach a server that has not been chosen yet. The connection
goes to the address discovery resolved and checked, not to a second look-up's.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import Pop3MailError, ProtocolError, TlsError
from ..pop3.connection import Connection, SessionStats, open_connection
from ..pop3.responses import MAX_STATUS_LINE, parse_status
from ..settings import Security
from .resolver import IpAddress


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """Whether the server confirmed; ``reason`` says why not (safe to show)."""

    ok: bool
    reason: str = ""
    certificate_error: bool = False


async def confirm_pop3(
    host: str,
    addresses: Sequence[IpAddress],
    *,
    port: int,
    security: Security,
    context: ssl.SSLContext,
    max_wait: float,
) -> ProbeResult:
    """Try ``host`` at each of ``addresses`` until one confirms, within ``max_wait`` seconds."""
    if security is Security.PLAIN:
        return ProbeResult(ok=False, reason="plaintext is never confirmed")
    last = ProbeResult(ok=False, reason=f"{host} has no address")
    try:
        async with asyncio.timeout(max_wait):
            for address in addresses:
                last = await _confirm_at(
                    host, str(address), port=port, security=security, context=context, wait=max_wait
                )
                if last.ok or last.certificate_error:
                    return last
    except TimeoutError:
        return ProbeResult(ok=False, reason=f"{host}:{port} did not answer within {max_wait:g} s")
    return last


async def _confirm_at(
    host: str, address: str, *, port: int, security: Security, context: ssl.SSLContext, wait: float
) -> ProbeResult:
    try:
        conn = await open_connection(
            address, port, connect_timeout=wait, command_timeout=wait, stats=SessionStats()
        )
    except Pop3MailError as err:
        return ProbeResult(ok=False, reason=str(err))
    try:
        if security is Security.SSL:
            await conn.start_tls(context, host, max_wait=wait)
            await _expect_ok(conn, "the greeting")
        else:
            await _expect_ok(conn, "the greeting")
            await conn.write(b"STLS\r\n")
            await _expect_ok(conn, "the STLS answer")
            await conn.start_tls(context, host, max_wait=wait)
        await conn.write(b"QUIT\r\n")
    except TlsError as err:
        return ProbeResult(ok=False, reason=str(err), certificate_error=err.certificate_error)
    except Pop3MailError as err:
        return ProbeResult(ok=False, reason=str(err))
    finally:
        await conn.close()
    return ProbeResult(ok=True)


async def _expect_ok(conn: Connection, what: str) -> None:
    status = parse_status(await conn.read_line(MAX_STATUS_LINE, what))
    if not status.ok:
        raise ProtocolError(f"{conn.peer} refused: {status.safe_text}")
