"""Errors raised by the engine.

Every message is safe to log and to show to a user: it never contains a password, a token or an
apprise URL, and text that came from a server is sanitised and shortened first.

Network failures are also the builtin exceptions they are (``Pop3TimeoutError`` is a
``TimeoutError``, ``ConnectError`` a ``ConnectionError``), so callers may catch either. What each
error *means* for a host (ask for new credentials, keep values and retry, give up) is decided once,
by :func:`classify`.
"""

from __future__ import annotations

import re
from enum import StrEnum

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


class ConnectError(Pop3Error, ConnectionError):
    """The server could not be reached, or the connection was lost."""


class Pop3TimeoutError(ConnectError, TimeoutError):
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


class TokenRefusedError(AuthError):
    """The OAuth provider refused to issue an access token (revoked consent, ``invalid_grant``).

    ``reason`` is the provider's own word for it (its ``error`` and ``error_description``),
    sanitised; only signing in again helps.
    """

    def __init__(self, message: str, *, reason: str = "") -> None:
        """Store the provider's reason."""
        super().__init__(message)
        self.reason = reason


class TokenUnavailableError(Pop3Error):
    """The OAuth provider could not be asked for an access token (unreachable, slow, 5xx).

    Says nothing about the credentials: hosts keep their values and retry with the back-off.
    """


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


class StateStoreError(Pop3MailError):
    """State could not be written (disk full, permissions)."""


class Failure(StrEnum):
    """What a failure means, whatever raised it: the one classification every host reads.

    Hosts name the kinds in their own words (Home Assistant translation keys, the daemon's
    published status, the CLI's exit codes); which error is which kind is decided only here.
    """

    AUTH = "auth"
    """The credentials were refused: only the user can fix it (reauthentication)."""
    TIMEOUT = "timeout"
    """The server was too slow to answer."""
    IN_USE = "in_use"
    """Another session holds the maildrop lock (``[IN-USE]``)."""
    BUSY = "busy"
    """The server asked us to come back later (``[SYS/TEMP]``, ``[LOGIN-DELAY]``)."""
    TLS = "tls"
    """The TLS handshake failed, or the certificate did not verify."""
    CONNECTION = "connection"
    """The server could not be reached, or the connection was lost."""
    REFUSED = "refused"
    """The server refuses until a human acts at the provider (``[SYS/PERM]``)."""
    PROTOCOL = "protocol"
    """The server broke the protocol, or refused a command it should know."""
    OAUTH_PROVIDER = "oauth_provider"
    """The OAuth provider could not be asked for an access token (unreachable, slow, 5xx)."""
    STATE = "state"
    """Our own state could not be saved."""
    CONFIG = "config"
    """The settings cannot work (an unreadable CA file, a plaintext login not confirmed)."""
    INTERNAL = "internal"
    """Anything else: a bug."""

    @property
    def transient(self) -> bool:
        """Whether the failure says nothing about the mailbox and usually passes by itself.

        Hosts keep the last values for a while and retry with the back-off.
        """
        return self in (Failure.TIMEOUT, Failure.IN_USE, Failure.BUSY, Failure.OAUTH_PROVIDER)


_KINDS: tuple[tuple[type[BaseException], Failure], ...] = (
    # Most specific first: a timeout is a ConnectError, IN-USE a TransientServerError.
    (AuthError, Failure.AUTH),
    (Pop3TimeoutError, Failure.TIMEOUT),
    (TlsError, Failure.TLS),
    (MailboxInUseError, Failure.IN_USE),
    (TransientServerError, Failure.BUSY),
    (ConnectError, Failure.CONNECTION),
    (PermanentServerError, Failure.REFUSED),
    (TokenUnavailableError, Failure.OAUTH_PROVIDER),
    (Pop3Error, Failure.PROTOCOL),
    (StateStoreError, Failure.STATE),
    (ConfigError, Failure.CONFIG),
)


def classify(error: BaseException) -> Failure:
    """The kind of ``error`` (``Failure.INTERNAL`` for anything the engine did not raise)."""
    for kind, failure in _KINDS:
        if isinstance(error, kind):
            return failure
    return Failure.INTERNAL
