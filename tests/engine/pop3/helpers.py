"""Helpers for the POP3 client tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from pop3_mail.pop3 import Pop3Client
from pop3_mail.settings import Security, ServerSettings
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.fault_server import FaultServer

StartFaultServer = Callable[..., Awaitable[FaultServer]]


def dovecot_settings(dovecot: DovecotServer, user: MailUser, **changes: Any) -> ServerSettings:
    """Settings for the test Dovecot: implicit TLS verified against its CA, unless changed."""
    if changes.get("security") in (Security.STARTTLS, Security.PLAIN):
        changes.setdefault("port", dovecot.pop3_port)
    if changes.get("verify_tls") is False or changes.get("security") is Security.PLAIN:
        changes.setdefault("cafile", None)
    base = ServerSettings(
        host=dovecot.host,
        port=dovecot.pop3s_port,
        username=user.username,
        password=user.password,
        security=Security.SSL,
        cafile=dovecot.cafile,
        connect_timeout=10.0,
        command_timeout=10.0,
        session_timeout=60.0,
    )
    return replace(base, **changes)


def make_message(number: int, *, body: bytes | None = None, subject: str | None = None) -> bytes:
    """A small RFC 5322 message with CRLF line endings."""
    subject = subject if subject is not None else f"message {number}"
    head = (
        f"From: sender{number}@example.org\r\nTo: rcpt@example.org\r\n"
        f"Subject: {subject}\r\nMessage-ID: <m{number}@example.org>\r\n\r\n"
    ).encode()
    if body is None:
        body = f"body of message {number}\r\nsecond line\r\n".encode()
    return head + body


async def wait_until(predicate: Callable[[], bool], what: str) -> None:
    """Let the loop run until ``predicate()`` holds (bounded, so a bug cannot hang the suite)."""
    async with asyncio.timeout(10):
        while not predicate():
            await asyncio.sleep(0.005)
    assert predicate(), what


@asynccontextmanager
async def logged_in(settings: ServerSettings) -> AsyncIterator[Pop3Client]:
    """A logged-in client that is aborted (never committing anything) at the end."""
    client = Pop3Client(settings)
    try:
        await client.connect()
        await client.login()
        yield client
    finally:
        await client.abort()
