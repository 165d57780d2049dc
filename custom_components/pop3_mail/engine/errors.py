"""Errors raised by the engine.

Every message is safe to log and to show to a user: it never contains a password, a token or an
apprise URL, and text that came from a server is sanitised and shortened first.
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")
_MAX_SERVER_TEXT = 200


def sanitize_server_text(text: str | bytes) -> str:
    """Make text that came from a server safe for logs: printable and short."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = _UNPRINTABLE.sub(" ", text).strip()
    if len(text) > _MAX_SERVER_TEXT:
        text = text[: _MAX_SERVER_TEXT - 1] + "…"
    return text


class Pop3MailError(Exception):
    """Base class of every error the engine raises on purpose."""


class ConfigError(Pop3MailError):
    """Settings that cannot work (for example plaintext without the insecure opt-in)."""


class Pop3Error(Pop3MailError):
    """A POP3 session failed.

    ``response_code`` is the RFC 2449 response code in upper case (``"IN-USE"``, ``"SYS/TEMP"``)
    when the server sent one.
    """

    def __init__(self, message: str, *, response_code: str | None = None) -> None:
        """Store the safe message and the response code."""
        super().__init__(message)
        self.response_code = response_code


class ConnectError(Pop3Error):
    """The server could not be reached, or the connection was lost."""


class Pop3TimeoutError(ConnectError):
    """A network wait or the whole-session deadline ran out."""


class TlsError(ConnectError):
    """The TLS handshake failed; ``certificate_error`` is true when verification failed."""

    def __init__(self, message: str, *, certificate_error: bool = False) -> None:
        """Store whether the certificate was the problem."""
        super().__init__(message)
        self.certificate_error = certificate_error


class ProtocolError(Pop3Error):
    """The server broke the protocol (garbage, framing errors, oversized status lines)."""


class AuthError(Pop3Error):
    """The server rejected the credentials."""


class TransientServerError(Pop3Error):
    """The server asked us to come back later; ``retry_after`` is a hint in seconds."""

    def __init__(
        self, message: str, *, response_code: str | None = None, retry_after: float | None = None
    ) -> None:
        """Store the retry hint."""
        super().__init__(message, response_code=response_code)
        self.retry_after = retry_after


class MailboxInUseError(TransientServerError):
    """Another session holds the maildrop lock (``[IN-USE]``)."""


class LoginDelayError(TransientServerError):
    """We logged in sooner than the server allows (``[LOGIN-DELAY]``)."""


class PermanentServerError(Pop3Error):
    """The server refuses until a human acts (``[SYS/PERM]``, e.g. POP access disabled)."""


class CommandError(Pop3Error):
    """A command in the transaction state got ``-ERR`` (e.g. no such message, TOP unsupported)."""
