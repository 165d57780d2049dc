"""Credential encodings for SASL PLAIN, XOAUTH2 and APOP, and the choice of mechanism.

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

    ``AUTO``: XOAUTH2 when a token is set, else SASL PLAIN when advertised, else USER/PASS.
    APOP is only used when asked for explicitly.
    """
    if settings.auth_method is not AuthMethod.AUTO:
        return settings.auth_method
    if settings.oauth_token:
        return AuthMethod.XOAUTH2
    if "PLAIN" in capabilities.sasl:
        return AuthMethod.PLAIN
    return AuthMethod.USER


def check_credentials(settings: ServerSettings) -> None:
    """Refuse credentials that would break the command line (CR, LF, NUL)."""
    for label, value in (
        ("username", settings.username),
        ("password", settings.password),
        ("OAuth token", settings.oauth_token or ""),
    ):
        if any(char in value for char in _FORBIDDEN):
            raise ConfigError(f"the {label} contains a line break or NUL character")


def plain_response(username: str, password: str) -> str:
    """SASL PLAIN message (RFC 4616): empty authzid, authcid, password; base64."""
    return _b64(f"\x00{username}\x00{password}".encode())


def xoauth2_response(username: str, token: str) -> str:
    """XOAUTH2 message: ``user=U^Aauth=Bearer T^A^A``, base64."""
    return _b64(f"user={username}\x01auth=Bearer {token}\x01\x01".encode())


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
    """Safe summary of an XOAUTH2 error challenge (base64 JSON with ``status``/``scope``)."""
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
    """What must never be shown: the secrets, and the SASL messages that carry them."""
    secrets: list[str] = []
    if settings.password:
        secrets += (settings.password, plain_response(settings.username, settings.password))
    if settings.oauth_token:
        token = settings.oauth_token
        secrets += (token, xoauth2_response(settings.username, token))
    return tuple(secrets)
