"""Credential encodings for SASL PLAIN, XOAUTH2, OAUTHBEARER and APOP, and the mechanism choice.

Nothing here sends anything; the client does. Results contain secrets: never log them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re

from ..errors import ConfigError, sanitize_server_text
from ..settings import AuthMethod, ServerSettings
from .capabilities import Capabilities

MAX_COMMAND_LINE = 255
"""RFC 2449 §4: a command line, CRLF included, is at most 255 octets."""

_APOP_TIMESTAMP = re.compile(rb"<[^<>\s]*@[^<>\s]*>")
_FORBIDDEN = ("\r", "\n", "\x00")


def choose_method(settings: ServerSettings, capabilities: Capabilities) -> AuthMethod:
    """The one mechanism to use; after a rejection nothing else is tried (lockout risk).

    ``AUTO`` with an OAuth token provider: OAUTHBEARER (the standard, RFC 7628) when advertised,
    else XOAUTH2 (what Microsoft offers, and what a server without ``CAPA`` most likely takes).
    Without one: SASL PLAIN when advertised, else USER/PASS. APOP is only used when asked for.
    """
    if settings.auth_method is not AuthMethod.AUTO:
        return settings.auth_method
    if settings.oauth is not None:
        if "OAUTHBEARER" in capabilities.sasl:
            return AuthMethod.OAUTHBEARER
        return AuthMethod.XOAUTH2
    if "PLAIN" in capabilities.sasl:
        return AuthMethod.PLAIN
    return AuthMethod.USER


def check_credentials(settings: ServerSettings) -> None:
    """Refuse credentials that would break the command line (CR, LF, NUL).

    OAuth tokens are checked when they arrive (``oauth.checked_token``).
    """
    for label, value in (
        ("username", settings.username),
        ("password", settings.password),
    ):
        if any(char in value for char in _FORBIDDEN):
            raise ConfigError(f"the {label} contains a line break or NUL character")


def plain_response(username: str, password: str) -> str:
    """SASL PLAIN message (RFC 4616): empty authzid, authcid, password; base64."""
    return _b64(f"\x00{username}\x00{password}".encode())


def xoauth2_response(username: str, token: str) -> str:
    """XOAUTH2 message: ``user=U^Aauth=Bearer T^A^A``, base64."""
    return _b64(f"user={username}\x01auth=Bearer {token}\x01\x01".encode())


def oauthbearer_response(username: str, token: str, host: str, port: int) -> str:
    """OAUTHBEARER message (RFC 7628 §3.1): GS2 header with the user, host, port, token; base64.

    The user is a ``saslname`` (RFC 5801): ``,`` and ``=`` are escaped as ``=2C`` and ``=3D``.
    """
    user = username.replace("=", "=3D").replace(",", "=2C")
    return _b64(
        f"n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01".encode()
    )


OAUTHBEARER_ERROR_REPLY = "AQ=="
"""RFC 7628 §3.2.3: after an error challenge the client sends a lone ``%x01`` (base64 here)."""


def fits_initial_response(mechanism: str, initial_response: str) -> bool:
    """Whether ``AUTH <mechanism> <initial_response>`` stays within 255 octets (RFC 5034)."""
    return len(f"AUTH {mechanism} {initial_response}\r\n".encode()) <= MAX_COMMAND_LINE


def apop_digest(greeting: bytes, password: str) -> str | None:
    """MD5 of the greeting's timestamp and the password, or ``None`` without a timestamp."""
    match = _APOP_TIMESTAMP.search(greeting)
    if match is None:
        return None
    # APOP is defined on MD5; it is weak, which is why it is only used on request.
    return hashlib.md5(match.group(0) + password.encode(), usedforsecurity=False).hexdigest()


def describe_xoauth2_challenge(challenge: str) -> str:
    """Safe summary of an OAuth error challenge (base64 JSON with ``status``/``scope``).

    XOAUTH2 (Google: ``{"status":"401",...}``) and OAUTHBEARER (RFC 7628 §3.2.2:
    ``{"status":"invalid_token",...}``) send the same shape.
    """
    try:
        document = json.loads(base64.b64decode(challenge, validate=True))
    except (binascii.Error, ValueError, RecursionError):
        return "the server sent an unreadable error"
    if not isinstance(document, dict):
        return "the server sent an unreadable error"
    parts = []
    for key in ("status", "scope"):
        value = document.get(key)
        if isinstance(value, str | int):
            parts.append(f"{key} {sanitize_server_text(str(value))[:100]}")
    return ", ".join(parts) or "no status given"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def secrets_of(settings: ServerSettings) -> tuple[str, ...]:
    """What must never be shown: the secrets, and the SASL messages that carry them.

    An OAuth access token and its SASL message join at login, when the token arrives.
    """
    secrets: list[str] = []
    if settings.password:
        secrets += (settings.password, plain_response(settings.username, settings.password))
    return tuple(secrets)
