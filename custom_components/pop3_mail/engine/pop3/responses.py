"""Status lines (``+OK``, ``-ERR``, SASL ``+``) and RFC 2449/3206 response codes → typed errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ..errors import (
    AuthError,
    CommandError,
    LoginDelayError,
    MailboxInUseError,
    PermanentServerError,
    Pop3Error,
    ProtocolError,
    TransientServerError,
    sanitize_server_text,
)
from .framing import strip_terminator

MAX_STATUS_LINE = 8192
"""RFC 2449 allows 512 octets; tolerate chatty servers, but never buffer without bound."""

DEFAULT_RETRY_AFTER = 60.0
"""Back-off hint (seconds) for ``[IN-USE]`` and ``[SYS/TEMP]``, which carry no duration."""
DEFAULT_LOGIN_DELAY = 300.0
"""Back-off hint for ``[LOGIN-DELAY]`` when CAPA did not say (Gmail's value)."""

_RESPONSE_CODE = re.compile(r"\[([\x21-\x5c\x5e-\x7e]{1,64})\]\s*")
_MENTIONS_POP = re.compile(r"\bPOP3?\b", re.IGNORECASE)
_SWITCHED_OFF = re.compile(r"\b(disabled|not enabled|not allowed)\b", re.IGNORECASE)


class Kind(Enum):
    """What a server line is."""

    OK = "+OK"
    ERR = "-ERR"
    CONTINUE = "+"
    """A SASL challenge (RFC 5034): ``+`` or ``+ <base64>``."""


@dataclass(frozen=True, slots=True)
class Status:
    """A parsed status line; ``text`` is what follows the status and response code, raw."""

    kind: Kind
    code: str | None
    text: str

    @property
    def ok(self) -> bool:
        """True for ``+OK``."""
        return self.kind is Kind.OK

    @property
    def safe_text(self) -> str:
        """``text`` made safe for logs and error messages."""
        return sanitize_server_text(self.text)


def parse_status(line: bytes, *, redact: tuple[str, ...] = ()) -> Status:
    """Parse a status line; anything but ``+OK``/``-ERR``/``+`` is a ``ProtocolError``.

    The status word is matched case-insensitively, response codes are upper-cased. ``redact``
    lists secrets kept out of the error (a broken server may echo the command it got).
    """
    content = strip_terminator(line)
    if content == b"+" or content.startswith(b"+ "):
        return Status(Kind.CONTINUE, None, content[2:].decode("ascii", "replace"))
    head, _, rest = content.partition(b" ")
    word = head.upper()
    if word == b"+OK":
        kind = Kind.OK
    elif word == b"-ERR":
        kind = Kind.ERR
    else:
        # Redacted before it is cut: a cut secret would no longer match.
        shown = _redacted(content.decode("utf-8", "replace"), redact)[:60]
        raise ProtocolError(
            f"expected +OK or -ERR from the server, got {sanitize_server_text(shown)!r}"
        )
    text = rest.decode("utf-8", "replace")
    code = None
    if match := _RESPONSE_CODE.match(text):
        code = match.group(1).upper()
        text = text[match.end() :]
    return Status(kind, code, text)


def error_for(
    status: Status,
    *,
    command: str,
    at_login: bool = False,
    login_delay: int | None = None,
    redact: tuple[str, ...] = (),
) -> Pop3Error:
    """The typed error for a ``-ERR`` answer to ``command`` (a name, never with arguments).

    Response codes decide first; without one, ``-ERR`` during login is an ``AuthError`` and any
    other is a ``CommandError``. ``redact`` lists secrets that must not appear even if the server
    echoed them.
    """
    text = sanitize_server_text(_redacted(status.text, redact))
    code = status.code
    said = f": {text}" if text else ""
    top = code.split("/", 1)[0] if code else None
    if code == "IN-USE":
        return MailboxInUseError(
            f"the mailbox is locked by another POP3 session{said}",
            response_code=code,
            retry_after=DEFAULT_RETRY_AFTER,
        )
    if code == "LOGIN-DELAY":
        return LoginDelayError(
            f"logged in sooner than the server allows{said}",
            response_code=code,
            retry_after=float(login_delay) if login_delay else DEFAULT_LOGIN_DELAY,
        )
    if code == "SYS/TEMP" or (top == "SYS" and code != "SYS/PERM"):
        return TransientServerError(
            f"the server has a temporary problem{said}",
            response_code=code,
            retry_after=DEFAULT_RETRY_AFTER,
        )
    if code == "SYS/PERM":
        hint = (
            "POP access is disabled for this account; enable POP in the mail provider's settings"
            if _MENTIONS_POP.search(text) and _SWITCHED_OFF.search(text)
            else "the server refuses until someone fixes the account"
        )
        return PermanentServerError(f"{hint}{said}", response_code=code)
    if code == "AUTH" or at_login:
        return AuthError(f"the server rejected the login{said}", response_code=code)
    return CommandError(f"{command} failed{said}", response_code=code)


def _redacted(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "****")
    return text
