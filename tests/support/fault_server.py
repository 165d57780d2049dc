"""A scripted asyncio POP3 server for what a real server will not do (fault injection).

By default it behaves: greeting with an APOP timestamp, ``CAPA``, ``USER``/``PASS``, ``APOP``,
``AUTH PLAIN``/``XOAUTH2``/``OAUTHBEARER``, ``STLS`` (when it has a certificate), ``STAT``,
``LIST``, ``UIDL``, ``TOP``, ``RETR``, ``DELE``, ``RSET``, ``NOOP``, ``QUIT`` with deletions
committed only by a ``QUIT`` in the transaction state. A test overrides single commands with a
handler (see :func:`reply`, :func:`reply_and_close`, :func:`hang`, :func:`once`) to inject one
fault.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pop3_mail.settings import Security, ServerSettings

from .certs import CertFiles

Handler = Callable[["FaultSession", str], Awaitable[None]]
"""Answers one command line (``session``, ``line`` without CRLF)."""

DEFAULT_CAPA: tuple[str, ...] = (
    "TOP",
    "UIDL",
    "USER",
    "RESP-CODES",
    "AUTH-RESP-CODE",
    "PIPELINING",
    "SASL PLAIN XOAUTH2",
    "IMPLEMENTATION fault-server",
)
APOP_TIMESTAMP = b"<1896.697170952@fault.test>"


def dot_stuff(lines: Iterable[bytes], newline: bytes = b"\r\n") -> bytes:
    """A multi-line body as RFC 1939 sends it: dot-stuffed lines, then the end marker."""
    out = bytearray()
    for line in lines:
        if line.startswith(b"."):
            out += b"."
        out += line + newline
    out += b"." + newline
    return bytes(out)


def message_lines(message: bytes) -> list[bytes]:
    """A message split into lines without terminators."""
    text = message[:-2] if message.endswith(b"\r\n") else message
    return text.split(b"\r\n")


def server_tls_context(certs: CertFiles) -> ssl.SSLContext:
    """A server context for ``certs`` (blocking: reads files)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.certfile, certs.keyfile)
    return context


@dataclass
class Script:
    """How the fault server behaves."""

    messages: list[bytes] = field(default_factory=list)
    uidls: list[str] | None = None
    """UIDs by position; default ``uid-<n>``."""
    capa: Sequence[str] | None = DEFAULT_CAPA
    """``None`` answers ``CAPA`` with ``-ERR``."""
    capa_after_login: Sequence[str] | None = None
    """Capabilities announced in the transaction state (default: the same as before)."""
    greeting: bytes = b"+OK fault POP3 server ready " + APOP_TIMESTAMP + b"\r\n"
    username: str = "alice"
    password: str = "wonder land"
    token: str = "ya29.fault-token"
    xoauth2_error: bytes = b'{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}'
    newline: bytes = b"\r\n"
    single_listing: bool = True
    """``UIDL n`` and ``LIST n`` answer for one message (``False``: ``-ERR``, as on servers
    that only know the whole listing)."""
    handlers: dict[str, Handler] = field(default_factory=dict)
    """Overrides by upper-case command name; ``"GREETING"`` replaces the greeting."""


class FaultSession:
    """One client connection."""

    def __init__(
        self, server: FaultServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.script = server.script
        self.reader = reader
        self.writer = writer
        self.authenticated = False
        self.utf8 = False
        self.deleted: set[int] = set()
        self.closed = False
        self._user: str | None = None

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def ok(self, text: str = "") -> None:
        await self.send(b"+OK" + (b" " + text.encode() if text else b"") + self.script.newline)

    async def err(self, text: str) -> None:
        await self.send(b"-ERR " + text.encode() + self.script.newline)

    async def multiline(self, status: str, lines: Iterable[bytes]) -> None:
        await self.send(
            b"+OK " + status.encode() + self.script.newline + dot_stuff(lines, self.script.newline)
        )

    async def read_line(self) -> str | None:
        try:
            line = await self.reader.readuntil(b"\n")
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            return None
        text = line.rstrip(b"\r\n").decode("latin-1")
        self.server.received.append(text)
        return text

    async def hang(self) -> None:
        """Never answer: wait until the client goes away."""
        with contextlib.suppress(ConnectionError, OSError):
            while await self.reader.read(4096):
                pass
        self.close()

    def close(self) -> None:
        self.closed = True
        self.writer.close()

    async def start_tls(self) -> None:
        assert self.server.tls_context is not None
        await self.writer.start_tls(self.server.tls_context)

    async def run(self) -> None:
        greet = self.script.handlers.get("GREETING")
        if greet is not None:
            await greet(self, "")
        else:
            await self.send(self.script.greeting)
        while not self.closed:
            line = await self.read_line()
            if line is None:
                break
            name = line.split(" ", 1)[0].upper()
            handler = self.script.handlers.get(name)
            if handler is not None:
                await handler(self, line)
            else:
                await self.default(line)

    async def default(self, line: str) -> None:
        """The well-behaved answer to ``line``."""
        name, _, argument = line.partition(" ")
        method = getattr(self, f"_cmd_{name.upper()}", None)
        if method is None:
            await self.err("unknown command")
            return
        await method(argument.split())

    # --- messages --------------------------------------------------------------------------

    def _uid(self, number: int) -> str:
        uidls = self.script.uidls
        return uidls[number - 1] if uidls is not None else f"uid-{number}"

    def _live(self) -> list[int]:
        return [n for n in range(1, len(self.script.messages) + 1) if n not in self.deleted]

    def _message(self, argument: str) -> int | None:
        if argument.isdigit() and int(argument) in self._live():
            return int(argument)
        return None

    # --- authorization state ---------------------------------------------------------------

    async def _cmd_CAPA(self, _: list[str]) -> None:  # noqa: N802
        capa = self.script.capa
        if self.authenticated and self.script.capa_after_login is not None:
            capa = self.script.capa_after_login
        if capa is None:
            await self.err("unknown command")
            return
        names = list(capa)
        if self.server.tls_context is not None and not self.writer.get_extra_info("ssl_object"):
            names.append("STLS")
        await self.multiline("Capability list follows", [name.encode() for name in names])

    async def _cmd_STLS(self, _: list[str]) -> None:  # noqa: N802
        if self.server.tls_context is None or self.writer.get_extra_info("ssl_object"):
            await self.err("STLS not available")
            return
        await self.ok("Begin TLS negotiation")
        await self.start_tls()

    async def _cmd_UTF8(self, _: list[str]) -> None:  # noqa: N802
        # RFC 6856 §2: only before authentication, and only when advertised.
        offered = any(tag.split()[0].upper() == "UTF8" for tag in self.script.capa or ())
        if self.authenticated or not offered:
            await self.err("UTF8 not allowed now")
            return
        self.utf8 = True
        await self.ok("UTF8 enabled")

    async def _cmd_USER(self, arguments: list[str]) -> None:  # noqa: N802
        self._user = " ".join(arguments)
        await self.ok()

    async def _cmd_PASS(self, arguments: list[str]) -> None:  # noqa: N802
        await self._login(self._user, " ".join(arguments))

    async def _cmd_APOP(self, arguments: list[str]) -> None:  # noqa: N802
        expected = hashlib.md5(
            APOP_TIMESTAMP + self.script.password.encode(), usedforsecurity=False
        ).hexdigest()
        ok = len(arguments) == 2 and arguments[1] == expected
        await self._login(arguments[0] if ok else None, self.script.password)

    async def _cmd_AUTH(self, arguments: list[str]) -> None:  # noqa: N802
        mechanism = arguments[0].upper() if arguments else ""
        if mechanism == "PLAIN":
            response = arguments[1] if len(arguments) > 1 else await self._challenge()
            if response is None:
                return
            try:
                _, user, password = base64.b64decode(response).decode().split("\x00")
            except ValueError:
                await self.err("[AUTH] bad PLAIN message")
                return
            await self._login(user, password)
        elif mechanism in ("XOAUTH2", "OAUTHBEARER"):
            response = await self._challenge()
            if response is None:
                return
            decoded = base64.b64decode(response).decode()
            token = f"auth=Bearer {self.script.token}\x01\x01"
            if mechanism == "XOAUTH2":
                expected = f"user={self.script.username}\x01{token}"
            else:
                host, port = self.writer.get_extra_info("sockname")[:2]
                expected = f"n,a={self.script.username},\x01host={host}\x01port={port}\x01{token}"
            if decoded == expected:
                await self._login(self.script.username, self.script.password)
                return
            await self.send(b"+ " + base64.b64encode(self.script.xoauth2_error) + b"\r\n")
            if await self.read_line() is None:
                return
            await self.err("[AUTH] Invalid credentials")
        else:
            await self.err("unsupported mechanism")

    async def _challenge(self) -> str | None:
        await self.send(b"+ \r\n")
        return await self.read_line()

    async def _login(self, user: str | None, password: str) -> None:
        if user == self.script.username and password == self.script.password:
            self.authenticated = True
            await self.ok("logged in")
        else:
            await self.err("[AUTH] Authentication failed.")

    # --- transaction state -----------------------------------------------------------------

    async def _cmd_STAT(self, _: list[str]) -> None:  # noqa: N802
        live = self._live()
        size = sum(len(self.script.messages[n - 1]) for n in live)
        await self.ok(f"{len(live)} {size}")

    async def _cmd_LIST(self, arguments: list[str]) -> None:  # noqa: N802
        if arguments:
            await self._one_entry(arguments[0], lambda n: str(len(self.script.messages[n - 1])))
            return
        lines = [f"{n} {len(self.script.messages[n - 1])}".encode() for n in self._live()]
        await self.multiline("scan listing follows", lines)

    async def _cmd_UIDL(self, arguments: list[str]) -> None:  # noqa: N802
        if arguments:
            await self._one_entry(arguments[0], self._uid)
            return
        lines = [f"{n} {self._uid(n)}".encode() for n in self._live()]
        await self.multiline("unique-id listing follows", lines)

    async def _one_entry(self, argument: str, value: Callable[[int], str]) -> None:
        number = self._message(argument)
        if not self.script.single_listing:
            await self.err("unknown command")
        elif number is None:
            await self.err("no such message")
        else:
            await self.ok(f"{number} {value(number)}")

    async def _cmd_TOP(self, arguments: list[str]) -> None:  # noqa: N802
        number = self._message(arguments[0]) if len(arguments) == 2 else None
        if number is None or not arguments[1].isdigit():
            await self.err("no such message")
            return
        lines = message_lines(self.script.messages[number - 1])
        blank = lines.index(b"") if b"" in lines else len(lines)
        await self.multiline("top of message follows", lines[: blank + 1 + int(arguments[1])])

    async def _cmd_RETR(self, arguments: list[str]) -> None:  # noqa: N802
        number = self._message(arguments[0]) if arguments else None
        if number is None:
            await self.err("no such message")
            return
        message = self.script.messages[number - 1]
        await self.multiline(f"{len(message)} octets", message_lines(message))

    async def _cmd_DELE(self, arguments: list[str]) -> None:  # noqa: N802
        number = self._message(arguments[0]) if arguments else None
        if number is None:
            await self.err("no such message")
            return
        self.deleted.add(number)
        await self.ok(f"message {number} deleted")

    async def _cmd_RSET(self, _: list[str]) -> None:  # noqa: N802
        self.deleted.clear()
        await self.ok()

    async def _cmd_NOOP(self, _: list[str]) -> None:  # noqa: N802
        await self.ok()

    async def _cmd_QUIT(self, _: list[str]) -> None:  # noqa: N802
        if self.authenticated:
            self.server.committed.append(sorted(self.deleted))
        await self.ok("bye")
        self.close()


class FaultServer:
    """The listening server; ``received`` holds every command line of every session."""

    host = "127.0.0.1"

    def __init__(
        self,
        script: Script,
        *,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
    ) -> None:
        self.script = script
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.received: list[str] = []
        self.committed: list[list[int]] = []
        """Per session that ended with QUIT after login: the message numbers it deleted."""
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self.sessions: set[FaultSession] = set()
        """Connections still open on the server side."""
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> FaultServer:
        self._server = await asyncio.start_server(
            self._serve,
            self.host,
            0,
            ssl=self.tls_context if self.implicit_tls else None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        session = FaultSession(self, reader, writer)
        self.sessions.add(session)
        try:
            await session.run()
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            self.sessions.discard(session)
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError, OSError, TimeoutError):
                async with asyncio.timeout(1):
                    await writer.wait_closed()
            writer.transport.abort()
            self._tasks.discard(task)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in list(self.sessions):
            session.writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        if self._server is not None:
            await self._server.wait_closed()

    def settings(self, **changes: Any) -> ServerSettings:
        """Settings for this server with short timeouts; ``changes`` override fields."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "username": self.script.username,
            "password": self.script.password,
            "security": Security.SSL if self.implicit_tls else Security.PLAIN,
            "allow_insecure": not self.implicit_tls,
            "connect_timeout": 5.0,
            "command_timeout": 5.0,
            "session_timeout": 30.0,
        }
        values.update(changes)
        return ServerSettings(**values)


def reply(data: bytes) -> Handler:
    """Answer with exactly these bytes."""

    async def handler(session: FaultSession, line: str) -> None:
        await session.send(data)

    return handler


def reply_and_close(data: bytes) -> Handler:
    """Answer with these bytes, then drop the connection."""

    async def handler(session: FaultSession, line: str) -> None:
        await session.send(data)
        session.writer.transport.abort()
        session.closed = True

    return handler


def hang(data: bytes = b"") -> Handler:
    """Send ``data`` (maybe nothing), then never answer again."""

    async def handler(session: FaultSession, line: str) -> None:
        if data:
            await session.send(data)
        await session.hang()

    return handler


def once(handler: Handler) -> Handler:
    """Use ``handler`` for the first such command only, the default answer afterwards."""
    used = False

    async def wrapper(session: FaultSession, line: str) -> None:
        nonlocal used
        if used:
            await session.default(line)
            return
        used = True
        await handler(session, line)

    return wrapper


def after_default(extra: bytes) -> Handler:
    """The default answer, then ``extra`` bytes (e.g. a stray second ``+OK``)."""

    async def handler(session: FaultSession, line: str) -> None:
        await session.default(line)
        await session.send(extra)

    return handler
