"""The POP3 client: one connection, one maildrop, commands as coroutines.

Non-intrusive by default: callers read headers with ``TOP``; ``RETR`` (which marks mail as read or
"popped" on many servers) and ``DELE`` only run when a caller asks. Deletions are committed only
by :meth:`Pop3Client.quit`; :meth:`Pop3Client.abort` un-marks them first (``RSET``) or, when the
stream is not in a known state, just drops the connection (no ``QUIT``, nothing committed).

The client is not meant for concurrent use: one command at a time.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import Enum

from ..errors import (
    AuthError,
    CommandError,
    ConfigError,
    ConnectError,
    Pop3Error,
    ProtocolError,
    TlsError,
)
from ..oauth.tokens import checked_token
from ..settings import OAUTH_METHODS, AuthMethod, Security, ServerSettings
from .auth import check_credentials, choose_method, secrets_of
from .batch import Reply, Request
from .capabilities import MAX_CAPA_LINES, NO_CAPABILITIES, Capabilities, parse_capabilities
from .connection import Connection, SessionStats, open_connection
from .framing import MAX_LINE, BodyDecoder
from .listing import MAX_LISTING_BYTES, MAX_LISTING_LINE, parse_list, parse_stat, parse_uidl
from .login import log_in
from .oauth_login import another_user_error, confirm_with_noop, oauth_login, sasl_message
from .profile import ServerProfile
from .responses import MAX_STATUS_LINE, Kind, Status, error_for, parse_status
from .tls import get_ssl_context
from .utf8 import utf8_enabled

__all__ = ["Pop3Client", "Reply", "Request", "RetrievedMessage", "SessionStats"]

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOP_MAX_BYTES = 1024 * 1024
"""``TOP`` answers are cut here (broken servers send whole messages for ``TOP n 0``)."""
DEFAULT_PIPELINE_DEPTH = 50
"""Commands sent per batch when the server supports ``PIPELINING``."""
ABORT_TIMEOUT = 5.0
"""Upper bound for ``RSET`` + ``QUIT`` on the abort path."""


# Spelled here: inside the class, "list" is the LIST command.
_Lines = list[bytes]
_Replies = list[Reply]


@dataclass(frozen=True, slots=True)
class RetrievedMessage:
    """A message fetched with ``RETR``: at most ``max_bytes`` of it, and whether it was cut."""

    data: bytes
    truncated: bool


class _State(Enum):
    NEW = "new"
    AUTHORIZATION = "authorization"
    TRANSACTION = "transaction"
    CLOSED = "closed"


class Pop3Client:
    """An asyncio POP3 client (RFC 1939, 2449, 2595, 3206, 5034).

    Typical use goes through :func:`open_session`, which connects, logs in, and always ends the
    session safely.
    """

    def __init__(
        self,
        settings: ServerSettings,
        *,
        ssl_context: ssl.SSLContext | None = None,
        pipeline_depth: int = DEFAULT_PIPELINE_DEPTH,
        profile: ServerProfile | None = None,
    ) -> None:
        """Prepare a client; nothing is sent before :meth:`connect`.

        ``ssl_context`` replaces the one built from ``settings`` (Home Assistant passes its own).
        ``profile`` (from an earlier session's :attr:`profile`) lets :meth:`connect` skip the
        pre-login ``CAPA`` when it still applies (see :mod:`.profile`).
        """
        self.settings = settings
        self.greeting = ""
        """The server's greeting text, sanitised."""
        self.capabilities: Capabilities = NO_CAPABILITIES
        """The latest ``CAPA`` answer (re-read after ``STLS`` and after login)."""
        self.utf8 = False
        """The server accepted ``UTF8`` (RFC 6856): headers may be raw UTF-8."""
        self.stats = SessionStats()
        self.irregular_uidls = 0
        """UIDLs in the last listing that break RFC 1939 but were accepted (see ``listing``)."""
        self._ssl_context = ssl_context
        self._pipeline_depth = max(1, pipeline_depth)
        self._conn: Connection | None = None
        self._greeting_raw = b""
        self._state = _State.NEW
        self._pending = 0
        """Answers the server still owes us; non-zero after an error means the stream is lost."""
        self._busy = False
        self._broken = False
        self._secrets = secrets_of(settings)
        self._profile = profile
        self._pre_login = NO_CAPABILITIES
        self._remembered = False
        self._unconfirmed_token: str | None = None
        """An OAuth token the server accepted, until the next command confirms it."""
        """The pre-login capabilities came from the profile, not from this session's CAPA."""
        self._changes = False
        """``DELE`` or ``RETR`` was sent: the closing ``QUIT`` matters (see :meth:`quit`)."""

    def __repr__(self) -> str:
        """Account and state only (no secrets)."""
        return f"<Pop3Client {self.settings.account_key} {self._state.value}>"

    @property
    def connected(self) -> bool:
        """True between a successful :meth:`connect` and the end of the session."""
        return self._state in (_State.AUTHORIZATION, _State.TRANSACTION) and not self._broken

    @property
    def encrypted(self) -> bool:
        """True when the connection is protected by TLS."""
        return self._conn is not None and self._conn.tls_active

    @property
    def profile(self) -> ServerProfile:
        """What the next session may remember of this one (after :meth:`connect`)."""
        return ServerProfile.learned(self.settings, self.greeting, self._pre_login)

    # --- session set-up ----------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the connection, read the greeting and ``CAPA``, and upgrade with ``STLS``."""
        if self._state is not _State.NEW:
            raise RuntimeError("connect() may only be called once per client")
        settings = self.settings
        context = None
        if settings.security is not Security.PLAIN:
            context = self._ssl_context or await get_ssl_context(settings)
            assert context is not None
        self._state = _State.CLOSED  # until the connection stands
        self._conn = await open_connection(
            settings.host,
            settings.effective_port,
            connect_timeout=settings.connect_timeout,
            command_timeout=settings.command_timeout,
            stats=self.stats,
        )
        self._state = _State.AUTHORIZATION
        try:
            if context is not None and settings.security is Security.SSL:
                await self._conn.start_tls(
                    context, settings.host, max_wait=settings.connect_timeout
                )
            await self._read_greeting(self._conn)
            starttls = context is not None and settings.security is Security.STARTTLS
            profile = self._profile
            known = profile.capabilities_for(settings, self.greeting) if profile else None
            if known is None:
                self.capabilities = await self._capa()
            elif not starttls:  # with STARTTLS, CAPA is read inside TLS whatever was known
                self.capabilities, self._remembered = known, True
            if starttls:
                assert context is not None
                await self._starttls(context)
            self._pre_login = self.capabilities
            await self._enable_utf8()
        except BaseException:
            self._break()
            raise

    async def _read_greeting(self, conn: Connection) -> None:
        line = await conn.read_line(
            MAX_STATUS_LINE, "the greeting", max_wait=self.settings.connect_timeout
        )
        status = parse_status(line)
        if status.kind is Kind.CONTINUE:
            raise ProtocolError(f"{conn.peer} does not greet like a POP3 server")
        if not status.ok:
            error = error_for(status, command="connect")
            if type(error) is CommandError:
                raise ConnectError(f"{conn.peer} refused the session: {status.safe_text}")
            raise error
        self._greeting_raw = line
        self.greeting = status.safe_text

    async def _starttls(self, context: ssl.SSLContext) -> None:
        peer = self._require_conn().peer
        if self.capabilities.supported and not self.capabilities.stls:
            raise TlsError(
                f"{peer} does not offer STARTTLS (STLS); not continuing unencrypted "
                "(use implicit TLS, or check the port)"
            )
        async with self._exchange(_State.AUTHORIZATION) as conn:
            await self._send(conn, "STLS")
            status = await self._status(conn)
            if not status.ok:
                said = f": {status.safe_text}" if status.safe_text else ""
                raise TlsError(f"{peer} refused STARTTLS (STLS){said}; not continuing unencrypted")
            await conn.start_tls(
                context, self.settings.host, max_wait=self.settings.connect_timeout
            )
        self.capabilities = NO_CAPABILITIES
        self.capabilities = await self._capa()

    async def _enable_utf8(self) -> None:
        """RFC 6856 ``UTF8``, only allowed before login; see :mod:`.utf8` for why and how."""
        if not self.capabilities.utf8:
            return
        async with self._exchange(_State.AUTHORIZATION) as conn:
            await self._send(conn, "UTF8")
            self.utf8 = utf8_enabled(await self._status(conn), conn.peer)

    async def _capa(self) -> Capabilities:
        """``CAPA``; a refusal means "no capability information", not an error."""
        return (await self._capa_answer())[1]

    async def _capa_answer(self) -> tuple[bool, Capabilities]:
        """Whether ``CAPA`` got ``+OK``, and what it said."""
        async with self._exchange(self._state) as conn:
            await self._send(conn, "CAPA")
            status, lines = await self._listing_reply(conn, "CAPA", MAX_CAPA_LINES)
        return status.ok, parse_capabilities(lines) if status.ok else NO_CAPABILITIES

    async def login(self, *, read_capabilities: bool = True) -> None:
        """Authenticate with the one mechanism :func:`choose_method` picks, then re-read CAPA.

        A rejection raises at once (``AuthError``, or the error its response code names);
        no other mechanism is tried, to avoid account lockouts. The one exception: a rejection
        on remembered capabilities, after which a fresh ``CAPA`` names another mechanism (the
        server changed, so the first try met a mechanism it no longer has: no password was
        checked). With the same mechanism, the rejection stands.

        ``read_capabilities=False`` leaves the post-login ``CAPA`` to the caller, who may
        pipeline it (see :meth:`take_capabilities`).
        """
        check_credentials(self.settings)
        method = choose_method(self.settings, self.capabilities)
        try:
            await self._authenticate(method)
        except AuthError as err:
            if (other := await self._method_after_refusal(err, method)) is None:
                raise
            await self._authenticate(other)
        if read_capabilities:
            answered, capabilities = await self._capa_answer()
            self._confirm_oauth(answered)
            self._adopt(capabilities)

    async def _method_after_refusal(self, err: AuthError, tried: AuthMethod) -> AuthMethod | None:
        if not self._remembered or not self.connected:
            return None
        self._remembered = False
        try:
            self.capabilities = self._pre_login = await self._capa()
        except Pop3Error:
            return None
        other = choose_method(self.settings, self.capabilities)
        return other if other is not tried else None

    async def _authenticate(self, method: AuthMethod) -> None:
        if method in OAUTH_METHODS:
            await self._oauth_authenticate(method)
            return
        async with self._exchange(_State.AUTHORIZATION) as conn:
            wire = _Wire(self, conn)
            await log_in(wire, method, self.settings, self._greeting_raw, self._login_error)
            self._state = _State.TRANSACTION

    async def _oauth_authenticate(self, method: AuthMethod) -> None:
        """Log in with a fresh access token (``oauth_login``); a refusal goes to the provider.

        Whether the login counts is only known after the next command: the post-login
        ``CAPA`` (:meth:`_confirm_oauth`), or a ``NOOP`` when the server has no ``CAPA``.
        """
        provider = self.settings.oauth
        if provider is None:
            raise ConfigError(f"auth method {method.value!r} needs an OAuth token provider")
        token = checked_token(await provider.access_token())
        self._secrets = (*self._secrets, token, sasl_message(method, self.settings, token))
        try:
            async with self._exchange(_State.AUTHORIZATION) as conn:
                wire = _Wire(self, conn)
                await oauth_login(wire, method, self.settings, token, self._login_error)
                self._state = _State.TRANSACTION
            if not self.capabilities.supported:
                async with self._exchange() as conn:
                    await confirm_with_noop(_Wire(self, conn))
        except AuthError:
            provider.rejected(token)
            raise
        self._unconfirmed_token = token if self.capabilities.supported else None

    def _confirm_oauth(self, answered: bool) -> None:
        """A post-login ``CAPA`` refused after an accepted token: the login did not count."""
        token, self._unconfirmed_token = self._unconfirmed_token, None
        if token is not None and not answered:
            if self.settings.oauth is not None:
                self.settings.oauth.rejected(token)
            raise another_user_error(self._require_conn().peer)

    def take_capabilities(self, reply: Reply) -> None:
        """Adopt the post-login ``CAPA`` answer that the caller read in a :meth:`batch`.

        Raises:
            AuthError: the server refused it right after accepting an OAuth token.

        """
        self._confirm_oauth(reply.status.ok)
        self._adopt(parse_capabilities(reply.lines) if reply.status.ok else NO_CAPABILITIES)

    def _adopt(self, capabilities: Capabilities) -> None:
        # LOGIN-DELAY and EXPIRE may be per user (RFC 2449 §6.5/6.7); a server that answers
        # CAPA only before login keeps what it said then.
        if capabilities.supported or not self.capabilities.supported:
            self.capabilities = capabilities

    def _login_error(self, status: Status, command: str, *extra_secrets: str) -> Pop3Error:
        return error_for(
            status,
            command=command,
            at_login=True,
            login_delay=self.capabilities.login_delay,
            redact=(*self._secrets, *extra_secrets),
        )

    # --- transaction commands ----------------------------------------------------------------

    async def stat(self) -> tuple[int, int]:
        """``(message count, total size in octets)``."""
        status = await self._simple("STAT")
        return parse_stat(status.text)

    async def list(self) -> dict[int, int]:
        """Message number → size in octets."""
        return self.sizes_from((await self.batch([Request("LIST", True)]))[0])

    async def uidl(self) -> dict[int, str] | None:
        """Message number → unique id, or ``None`` when the server has no ``UIDL``."""
        return self.uids_from((await self.batch([Request("UIDL", True)]))[0])

    async def list_and_uidl(self) -> tuple[dict[int, int], dict[int, str] | None]:
        """``LIST`` and ``UIDL``, in one round trip when the server supports ``PIPELINING``."""
        uidl, listed = await self.batch([Request("UIDL", True), Request("LIST", True)])
        return self.sizes_from(listed), self.uids_from(uidl)

    async def batch(self, requests: Sequence[Request]) -> _Replies:
        """Send ``requests`` and read their answers in order: one round trip with PIPELINING.

        ``-ERR`` answers are replies like any other; a broken answer or a lost connection
        raises (and cuts the stream, as for any command).
        """
        pipelined = self.capabilities.pipelining
        replies: _Replies = []
        async with self._exchange() as conn:
            if pipelined:
                await self._send(conn, *(request.line for request in requests))
            for request in requests:
                if not pipelined:
                    await self._send(conn, request.line)
                if request.multiline:
                    status, lines = await self._listing_reply(conn, request.name, request.max_lines)
                    replies.append(Reply(status, lines))
                else:
                    replies.append(Reply(await self._status(conn)))
        return replies

    def sizes_from(self, reply: Reply) -> dict[int, int]:
        """Sizes by message number from a ``LIST`` answer; ``-ERR`` raises its typed error."""
        if not reply.status.ok:
            raise self._error(reply.status, "LIST")
        return parse_list(reply.lines)

    def uids_from(self, reply: Reply) -> dict[int, str] | None:
        """UIDs by message number from a ``UIDL`` answer, ``None`` when the server has none."""
        if not reply.status.ok:
            error = self._error(reply.status, "UIDL")
            if type(error) is CommandError:
                return None  # UIDL is optional (RFC 1939); Gmail also refuses it at times
            raise error
        report = parse_uidl(reply.lines)
        self.irregular_uidls = report.irregular
        return report.uids

    async def top(
        self, number: int, lines: int, *, max_bytes: int = DEFAULT_TOP_MAX_BYTES
    ) -> bytes:
        """Headers and the first ``lines`` body lines, dot-unstuffed, CRLF line endings.

        Answers longer than ``max_bytes`` are cut (and logged); the rest is read and dropped.
        """
        result = (await self.top_many([number], lines, max_bytes=max_bytes))[number]
        if isinstance(result, CommandError):
            raise result
        return result

    async def top_many(
        self, numbers: Sequence[int], lines: int, *, max_bytes: int = DEFAULT_TOP_MAX_BYTES
    ) -> dict[int, bytes | CommandError]:
        """``TOP`` for many messages: pipelined in batches when the server allows it.

        A message the server refuses maps to its ``CommandError``; other errors raise.
        """
        _check_number_args(numbers, lines)
        depth = self._pipeline_depth if self.capabilities.pipelining else 1
        results: dict[int, bytes | CommandError] = {}
        fatal: Pop3Error | None = None
        async with self._exchange() as conn:
            for start in range(0, len(numbers), depth):
                batch = numbers[start : start + depth]
                await self._send(conn, *(f"TOP {number} {lines}" for number in batch))
                for number in batch:
                    status = await self._status(conn, multiline=True)
                    if status.ok:
                        data, truncated = await self._read_message(conn, max_bytes)
                        if truncated:
                            _LOGGER.warning(
                                "%s: TOP %d answer cut at %d bytes", conn.peer, number, max_bytes
                            )
                        results[number] = data
                        continue
                    error = self._error(status, "TOP")
                    if type(error) is CommandError:
                        results[number] = error
                    else:
                        fatal = fatal or error
                if fatal is not None:
                    raise fatal
        return results

    async def retr(self, number: int, *, max_bytes: int) -> RetrievedMessage:
        """The whole message, cut at ``max_bytes`` (``truncated`` tells).

        Marks the message read on many servers (Dovecot's Seen flag, Gmail's "popped").
        """
        _check_number_args([number], max_bytes)
        self._changes = True
        async with self._exchange() as conn:
            await self._send(conn, f"RETR {number}")
            status = await self._status(conn, multiline=True)
            if status.ok:
                data, truncated = await self._read_message(conn, max_bytes)
        if not status.ok:
            raise self._error(status, "RETR")
        return RetrievedMessage(data, truncated)

    async def retr_stream(self, number: int) -> AsyncGenerator[bytes]:
        """The message line by line (CRLF endings, dot-unstuffed), without holding it in memory.

        Lines longer than ``framing.MAX_LINE`` come in several pieces; only the last ends with
        CRLF. Consume it completely or close it (``contextlib.aclosing``): a stream left
        half-read leaves the connection unusable (it is then closed without ``QUIT``).
        """
        _check_number_args([number], 0)
        self._changes = True
        async with self._exchange() as conn:
            await self._send(conn, f"RETR {number}")
            status = await self._status(conn, multiline=True)
            if not status.ok:
                raise self._error(status, "RETR")
            decoder = BodyDecoder(drop_status_echo=True)
            while True:
                piece, complete = await conn.read_piece(MAX_LINE)
                content = decoder.decode(piece, complete)
                if content is None:
                    break
                if content:
                    yield content
            self._pending -= 1

    async def dele(self, number: int) -> None:
        """Mark a message for deletion; only a later :meth:`quit` makes it final."""
        _check_number_args([number], 0)
        self._changes = True
        await self._simple(f"DELE {number}", "DELE")

    async def rset(self) -> None:
        """Un-mark every message marked with ``DELE`` in this session."""
        await self._simple("RSET")

    async def noop(self) -> None:
        """Ask the server for ``+OK`` (keeps the session alive)."""
        await self._simple("NOOP")

    # --- ending the session ------------------------------------------------------------------

    async def quit(self, *, wait: bool = True) -> None:
        """End the session; in the transaction state this commits ``DELE`` marks.

        ``wait=False`` sends ``QUIT`` and closes at once when the session changed nothing
        (no ``DELE``, no ``RETR``), saving the round trip of its answer: then a ``QUIT`` that
        never arrives is the same as one that does (RFC 1939 §6: without it the server skips
        the UPDATE state, which had nothing to do). After ``DELE`` or ``RETR`` it always waits,
        so a failed commit is reported.
        """
        if not wait and not self._changes and self._state is _State.TRANSACTION:
            async with self._exchange() as conn:
                await self._send(conn, "QUIT")
                self._pending = 0  # its answer is not read: the connection goes now
                self._state = _State.CLOSED
            conn.close_now()
            return
        async with self._exchange(self._state) as conn:
            await self._send(conn, "QUIT")
            status = await self._status(conn)
            self._state = _State.CLOSED
        await conn.close()
        if not status.ok:
            raise self._error(status, "QUIT")

    async def abort(self) -> None:
        """End the session without committing anything. Never raises (except cancellation).

        When the stream is in sync: ``RSET`` (in the transaction state), then ``QUIT``, each
        bounded. Otherwise, or if ``RSET`` fails, the connection is just closed: without
        ``QUIT`` the server commits nothing.
        """
        conn = self._conn
        if conn is None or self._state in (_State.NEW, _State.CLOSED):
            await self.close()
            return
        try:
            if not (self._busy or self._broken or conn.is_closing):
                async with asyncio.timeout(min(self.settings.command_timeout, ABORT_TIMEOUT)):
                    if self._state is _State.TRANSACTION:
                        await self.rset()
                    await self.quit()
        except (Pop3Error, TimeoutError) as err:
            _LOGGER.debug("%s: clean abort failed (%s); closing", conn.peer, err)
        finally:
            await self.close()

    async def close(self) -> None:
        """Close the connection without ``QUIT`` (nothing is committed). Idempotent."""
        self._state = _State.CLOSED
        if self._conn is not None:
            await self._conn.close()

    # --- plumbing ----------------------------------------------------------------------------

    def _require_conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("connect() first")
        return self._conn

    def _break(self) -> None:
        """The stream is in an unknown state: cut it, so nothing can be misread or committed."""
        self._broken = True
        self._state = _State.CLOSED
        if self._conn is not None:
            self._conn.abort()

    @asynccontextmanager
    async def _exchange(self, state: _State = _State.TRANSACTION) -> AsyncIterator[Connection]:
        """One conversation step; any failure while an answer is outstanding cuts the stream."""
        if self._busy:
            raise RuntimeError("another POP3 command is still in progress on this client")
        conn = self._conn
        if conn is None or self._broken or self._state is _State.CLOSED or conn.is_closing:
            raise ConnectError("the POP3 connection is closed")
        if self._state is not state:
            raise RuntimeError(f"not allowed in the {self._state.value} state")
        self._busy = True
        try:
            yield conn
        except BaseException:
            if self._pending:
                self._break()
            raise
        finally:
            self._busy = False

    async def _send(
        self, conn: Connection, *lines: str, shown: str | None = None, command: bool = True
    ) -> None:
        """Send command lines (one round trip); ``shown`` replaces secrets in the debug log."""
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("%s > %s", conn.peer, shown if shown is not None else " | ".join(lines))
        data = "".join(f"{line}\r\n" for line in lines).encode()
        if command:
            self._pending += len(lines)
            self.stats.commands += len(lines)
        self.stats.round_trips += 1
        await conn.write(data)

    async def _status(
        self, conn: Connection, *, multiline: bool = False, sasl: bool = False
    ) -> Status:
        """Read a status line and note whether the answer is complete.

        It is not when it opens a multi-line body, or is a SASL challenge (only accepted when
        ``sasl``; anything else is a ``ProtocolError``).
        """
        line = await conn.read_line(MAX_STATUS_LINE, "a status line")
        status = parse_status(line, redact=self._secrets)
        if status.kind is Kind.CONTINUE:
            if not sasl:
                raise ProtocolError(f"{conn.peer} sent a SASL challenge instead of an answer")
        elif status.kind is Kind.ERR or not multiline:
            self._pending -= 1
        return status

    async def _simple(self, line: str, name: str | None = None) -> Status:
        async with self._exchange() as conn:
            await self._send(conn, line)
            status = await self._status(conn)
        if not status.ok:
            raise self._error(status, name or line)
        return status

    async def _listing_reply(
        self, conn: Connection, what: str, max_lines: int
    ) -> tuple[Status, _Lines]:
        """Status and body lines (without terminators) of a short-lined multi-line answer."""
        status = await self._status(conn, multiline=True)
        lines: _Lines = []
        if not status.ok:
            return status, lines
        decoder = BodyDecoder()
        line_name = f"a {what} line"
        room = MAX_LISTING_BYTES
        while (
            content := decoder.decode(
                conn.buffered_line(MAX_LISTING_LINE, line_name)
                or await conn.read_line(MAX_LISTING_LINE, line_name),
                True,
            )
        ) is not None:
            if len(lines) >= max_lines:
                raise ProtocolError(f"{what} answer has more than {max_lines} lines")
            room -= len(content)
            if room < 0:
                raise ProtocolError(f"{what} answer is larger than {MAX_LISTING_BYTES} bytes")
            lines.append(content[:-2])
        self._pending -= 1
        return status, lines

    async def _read_message(self, conn: Connection, max_bytes: int) -> tuple[bytes, bool]:
        """Body of ``TOP``/``RETR``: keep ``max_bytes``, drain the rest to stay in sync."""
        decoder = BodyDecoder(drop_status_echo=True)
        # One growing buffer, not a list of lines: joining and freeing 130,000 line objects of
        # a 10 MB message at the end would hold the event loop for milliseconds.
        data = bytearray()
        room = max_bytes
        truncated = False
        while (content := decoder.decode(*await conn.read_piece(MAX_LINE))) is not None:
            if len(content) <= room:
                data += content
                room -= len(content)
            elif not truncated:
                data += content[:room]
                room = 0
                truncated = True
        self._pending -= 1
        return bytes(data), truncated

    def _error(self, status: Status, command: str) -> Pop3Error:
        return error_for(
            status,
            command=command,
            login_delay=self.capabilities.login_delay,
            redact=self._secrets,
        )


class _Wire:
    """The stream of one login exchange, for :mod:`.login`."""

    def __init__(self, client: Pop3Client, conn: Connection) -> None:
        self._client = client
        self._conn = conn
        self.peer = conn.peer

    async def send(self, *lines: str, shown: str | None = None, command: bool = True) -> None:
        await self._client._send(self._conn, *lines, shown=shown, command=command)

    async def status(self, *, sasl: bool = False) -> Status:
        return await self._client._status(self._conn, sasl=sasl)


def _check_number_args(numbers: Sequence[int], count: int) -> None:
    if count < 0 or any(number < 1 for number in numbers):
        raise ValueError("message numbers start at 1 and counts cannot be negative")
