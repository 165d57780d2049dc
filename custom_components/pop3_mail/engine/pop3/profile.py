"""What earlier sessions learned about a server, so that the next one can skip asking (no I/O).

The pre-login ``CAPA`` answer costs a round trip in every session and hardly ever changes. A
:class:`ServerProfile` remembers it together with what it was read under (security mode,
host, port, and the server's greeting); a session that meets the same server with the same
greeting logs in on the remembered capabilities. Anything else reads ``CAPA`` again:

- another security mode, host or port (the user reconfigured the account);
- another greeting (a server upgrade or migration usually changes it);
- a login that fails on remembered capabilities (the mechanism may have gone; see
  ``Pop3Client.login``), so that stale capabilities never make a login fail.

Security never rests on a profile. With STARTTLS, ``STLS`` is sent whatever the profile says
and a refusal ends the session, and ``CAPA`` is always read again inside TLS (RFC 2595 §4): a
profile only saves the plaintext ``CAPA`` before ``STLS``, which decides nothing. With implicit
TLS the profile's capabilities were themselves read inside a verified TLS session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..settings import ServerSettings
from .capabilities import NO_CAPABILITIES, Capabilities, parse_capabilities

_APOP_TIMESTAMP = re.compile(r"<[^<>]*>")
_VARYING_WORD = re.compile(r"\S*\d\S*")


def server_key(settings: ServerSettings) -> str:
    """Which server a profile belongs to: security mode, host and port."""
    return f"{settings.security.value}://{settings.host.lower()}:{settings.effective_port}"


def greeting_fingerprint(greeting: str) -> str:
    """The greeting without what changes from session to session.

    The APOP timestamp (``<pid.clock@host>``) differs every time, and so do the session ids,
    addresses and clocks some servers add (Gmail: ``Gpop ready for requests from 203.0.113.5
    a1si123wmc``): words with digits count as one placeholder each. Words without digits stay,
    so another server software or host name still shows.
    """
    text = _APOP_TIMESTAMP.sub("<>", greeting)
    return " ".join(_VARYING_WORD.sub("#", text).split())


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerProfile:
    """The server's pre-login capabilities, and what they were read under."""

    server: str
    """:func:`server_key` of the settings used."""
    greeting: str
    """:func:`greeting_fingerprint` of the greeting."""
    capabilities: tuple[str, ...] | None
    """``CAPA`` lines before login; ``None`` when the server refused ``CAPA``."""

    @classmethod
    def learned(
        cls, settings: ServerSettings, greeting: str, capabilities: Capabilities
    ) -> ServerProfile:
        """The profile of a session that read ``capabilities`` after ``greeting``."""
        return cls(
            server=server_key(settings),
            greeting=greeting_fingerprint(greeting),
            capabilities=capabilities.lines if capabilities.supported else None,
        )

    def capabilities_for(self, settings: ServerSettings, greeting: str) -> Capabilities | None:
        """The remembered capabilities when this profile applies, else ``None`` (read CAPA)."""
        if self.server != server_key(settings) or self.greeting != greeting_fingerprint(greeting):
            return None
        if self.capabilities is None:
            return NO_CAPABILITIES
        return parse_capabilities(line.encode() for line in self.capabilities)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "server": self.server,
            "greeting": self.greeting,
            "capabilities": None if self.capabilities is None else list(self.capabilities),
        }

    @classmethod
    def from_json(cls, data: object) -> ServerProfile | None:
        """Inverse of :meth:`to_json`; anything malformed is ``None`` (CAPA is read again)."""
        if not isinstance(data, dict):
            return None
        server, greeting, lines = data.get("server"), data.get("greeting"), data.get("capabilities")
        if not isinstance(server, str) or not isinstance(greeting, str):
            return None
        if lines is not None and not (
            isinstance(lines, list) and all(isinstance(line, str) for line in lines)
        ):
            return None
        return cls(
            server=server,
            greeting=greeting,
            capabilities=None if lines is None else tuple(lines),
        )
