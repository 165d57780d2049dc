"""Settings and messages for the interop tests."""

from __future__ import annotations

from typing import Any

from pop3_mail.settings import AuthMethod, Security, ServerSettings
from tests.support.pop3_servers.base import InteropServer, InteropUser


def settings_for(
    server: InteropServer, user: InteropUser, security: Security = Security.PLAIN, **changes: Any
) -> ServerSettings:
    """Settings for ``user``: plain text on loopback unless ``security`` says otherwise."""
    port = server.pop3s_port if security is Security.SSL else server.port
    assert port is not None, f"{server.name} has no implicit TLS"
    values: dict[str, Any] = {
        "host": server.host,
        "port": port,
        "username": user.username,
        "password": user.password,
        "security": security,
        "cafile": server.cafile if security is not Security.PLAIN else None,
        "allow_insecure": security is Security.PLAIN,
        "auth_method": AuthMethod.AUTO,
        "connect_timeout": 10.0,
        "command_timeout": 10.0,
        "session_timeout": 60.0,
    }
    values.update(changes)
    return ServerSettings(**values)


def message(number: int, subject: str | bytes | None = None, body: bytes | None = None) -> bytes:
    """A realistic small message (LF line ends, as an MTA hands it to the store)."""
    if subject is None:
        subject = f"interop message {number}"
    if isinstance(subject, str):
        subject = subject.encode()
    return (
        b"From: Sender "
        + str(number).encode()
        + b" <sender"
        + str(number).encode()
        + b"@example.org>\n"
        b"To: rcpt@example.com\n"
        b"Subject: " + subject + b"\n"
        b"Date: Wed, 01 May 2024 10:0" + str(number % 10).encode() + b":00 +0200\n"
        b"Message-ID: <interop-" + str(number).encode() + b"@example.org>\n"
        b"MIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8\n\n"
        + (body if body is not None else b"Line one of " + str(number).encode() + b".\n.dot line\n")
    )
