"""The password logins: USER/PASS, APOP and SASL PLAIN (RFC 1939, 5034).

The OAuth 2 logins (XOAUTH2, OAUTHBEARER) are in :mod:`.oauth_login`, over the same wire.

The client runs one of them (``Pop3Client.login`` picks it) over a :class:`Wire`: the stream
of one exchange, which sends lines and reads status lines with the client's bookkeeping.
Every secret is sent with a ``shown`` stand-in for the debug log and redacted from errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from ..errors import AuthError, Pop3Error, ProtocolError
from ..settings import AuthMethod, ServerSettings
from .auth import (
    apop_digest,
    fits_initial_response,
    plain_response,
)
from .responses import Kind, Status

_LOGGER = logging.getLogger(__name__)

LoginError = Callable[..., Pop3Error]
"""``(status, command, *extra_secrets)`` → the error for a refused login step."""


class Wire(Protocol):
    """One exchange's stream, as the client provides it."""

    peer: str

    async def send(self, *lines: str, shown: str | None = None, command: bool = True) -> None:
        """Send lines (``shown`` replaces them in the debug log; SASL lines are no commands)."""

    async def status(self, *, sasl: bool = False) -> Status:
        """Read a status line (a SASL challenge only with ``sasl``)."""


async def log_in(
    wire: Wire, method: AuthMethod, settings: ServerSettings, greeting: bytes, fail: LoginError
) -> None:
    """Run the exchange of ``method``; a refusal raises what ``fail`` makes of it."""
    match method:
        case AuthMethod.PLAIN:
            await _auth_plain(wire, settings, fail)
        case AuthMethod.APOP:
            await _apop(wire, settings, greeting, fail)
        case _:
            await _user_pass(wire, settings, fail)


def _check(status: Status, fail: LoginError, command: str, *extra_secrets: str) -> None:
    if not status.ok:
        raise fail(status, command, *extra_secrets)


async def _user_pass(wire: Wire, settings: ServerSettings, fail: LoginError) -> None:
    await wire.send(f"USER {settings.username}")
    _check(await wire.status(), fail, "USER")
    await wire.send(f"PASS {settings.password}", shown="PASS ****")
    _check(await wire.status(), fail, "PASS")


async def _apop(wire: Wire, settings: ServerSettings, greeting: bytes, fail: LoginError) -> None:
    digest = apop_digest(greeting, settings.password)
    if digest is None:
        raise AuthError(f"{wire.peer} does not offer APOP (no timestamp in its greeting)")
    username = settings.username
    await wire.send(f"APOP {username} {digest}", shown=f"APOP {username} ****")
    _check(await wire.status(), fail, "APOP")


async def _auth_plain(wire: Wire, settings: ServerSettings, fail: LoginError) -> None:
    response = plain_response(settings.username, settings.password)
    if fits_initial_response("PLAIN", response):
        await wire.send(f"AUTH PLAIN {response}", shown="AUTH PLAIN ****")
        status = await wire.status(sasl=True)
    else:  # RFC 5034 §4: the initial response would make the line too long
        await wire.send("AUTH PLAIN")
        status = await wire.status(sasl=True)
        if status.kind is Kind.CONTINUE:
            await wire.send(response, shown="****", command=False)
            status = await wire.status(sasl=True)
    if status.kind is Kind.CONTINUE:  # a challenge PLAIN does not expect: cancel
        await wire.send("*", command=False)
        final = await wire.status(sasl=True)
        if final.kind is Kind.CONTINUE:
            raise ProtocolError(f"{wire.peer} does not end the SASL exchange")
        raise AuthError(f"{wire.peer} sent an unexpected challenge for AUTH PLAIN")
    _check(status, fail, "AUTH PLAIN", response)
