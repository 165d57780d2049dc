"""One TCP connection to a POP3 server: TLS, line reads, writes, timeouts and byte counters.

Every network wait is bounded and every failure comes out as an engine error:
refused/unreachable/reset → ``ConnectError``, a wait that runs out → ``Pop3TimeoutError``, a
failed handshake → ``TlsError``, a line that breaks the framing rules → ``ProtocolError``.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass

from ..errors import ConnectError, Pop3TimeoutError, ProtocolError, TlsError
from .framing import LineBuffer
from .tls_capture import capture_handshake_input
from .tls_reply import plaintext_reply

_LOGGER = logging.getLogger(__name__)

_READ_SIZE = 64 * 1024
_CLOSE_TIMEOUT = 2.0
"""How long a polite close (TLS close_notify) may take before the connection is cut."""
_YIELD_EVERY = 64 * 1024
"""Bytes handed out between two yields to the event loop.

A fast link (and TLS, which decrypts what has arrived in one go) fills the buffer with half a
megabyte at a time; reading a 10 MB ``RETR`` or a long listing line by line from it would
otherwise hold the loop for milliseconds per fill, without a single real wait.
"""


@dataclass(slots=True)
class SessionStats:
    """Wire counters of one session, for benchmarks and diagnostics.

    Bytes are counted at the POP3 layer (after TLS). A round trip is one wait for the server
    after sending one command, one SASL line or one pipelined batch.
    """

    bytes_sent: int = 0
    bytes_received: int = 0
    round_trips: int = 0
    commands: int = 0


class _CountingProtocol(asyncio.StreamReaderProtocol):
    """Counts what the transport delivers, so buffered-but-unread bytes can be found."""

    def __init__(
        self, reader: asyncio.StreamReader, stats: SessionStats, loop: asyncio.AbstractEventLoop
    ) -> None:
        super().__init__(reader, loop=loop)
        self.stats = stats
        self.received = 0

    def data_received(self, data: bytes) -> None:
        """Count, then buffer as usual."""
        self.received += len(data)
        self.stats.bytes_received += len(data)
        super().data_received(data)


class Connection:
    """A byte stream to the server with bounded, typed-error reads and writes."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        protocol: _CountingProtocol,
        *,
        peer: str,
        timeout: float,
        stats: SessionStats,
    ) -> None:
        """Wrap an open stream; use :func:`open_connection` to make one."""
        self._reader = reader
        self._writer = writer
        self._protocol = protocol
        self._buffer = LineBuffer()
        self._pulled = 0
        self._served = 0
        """Bytes handed out since the last yield to the event loop."""
        self.peer = peer
        self.timeout = timeout
        """Seconds any single network wait may take."""
        self.stats = stats
        self._lost: str | None = None
        self._closed = False

    @property
    def is_closing(self) -> bool:
        """True once the connection is closed or lost."""
        return self._writer.is_closing()

    @property
    def tls_active(self) -> bool:
        """True when the stream is encrypted."""
        return self._writer.get_extra_info("ssl_object") is not None

    async def read_piece(self, limit: int, *, max_wait: float | None = None) -> tuple[bytes, bool]:
        """The next line (``True``) or piece of an over-long line (``False``); see ``LineBuffer``.

        Raises ``ConnectError`` when the server closes the connection, ``Pop3TimeoutError`` when
        nothing arrives within ``max_wait`` (default: :attr:`timeout`).
        """
        if self._served >= _YIELD_EVERY:
            self._served = 0
            await asyncio.sleep(0)
        while (piece := self._buffer.next_piece(limit)) is None:
            await self._fill(max_wait or self.timeout)
        self._served += len(piece[0])
        return piece

    def buffered_line(self, limit: int, what: str) -> bytes | None:
        """The next line if it has already arrived, else ``None``; see :meth:`read_line`.

        Long listings (5,000 ``UIDL`` lines) are mostly buffered already; taking them without
        an ``await`` per line halves the CPU a poll spends on them.
        """
        self._check_open()
        if self._served >= _YIELD_EVERY:
            return None  # read_line() yields to the loop first
        piece = self._buffer.next_piece(limit)
        if piece is None:
            return None
        if not piece[1]:
            raise ProtocolError(f"{what} from {self.peer} is longer than {limit} bytes")
        self._served += len(piece[0])
        return piece[0]

    async def read_line(self, limit: int, what: str, *, max_wait: float | None = None) -> bytes:
        """One whole line of at most ``limit`` bytes; a longer one is a ``ProtocolError``."""
        line, complete = await self.read_piece(limit, max_wait=max_wait)
        if not complete:
            raise ProtocolError(f"{what} from {self.peer} is longer than {limit} bytes")
        return line

    async def _fill(self, max_wait: float) -> None:
        self._check_open()
        try:
            async with asyncio.timeout(max_wait):
                data = await self._reader.read(_READ_SIZE)
        except TimeoutError:
            raise Pop3TimeoutError(
                f"{self.peer} sent nothing for {max_wait:g} s (server stalled)"
            ) from None
        except OSError as err:
            raise self._connection_lost(err) from None
        if not data:
            raise self._connection_lost(None)
        self._pulled += len(data)
        self._buffer.feed(data)

    async def write(self, data: bytes) -> None:
        """Send bytes and wait (bounded) until the transport accepted them."""
        self._check_open()
        try:
            self._writer.write(data)
            self.stats.bytes_sent += len(data)
            async with asyncio.timeout(self.timeout):
                await self._writer.drain()
        except TimeoutError:
            raise Pop3TimeoutError(
                f"{self.peer} did not accept data for {self.timeout:g} s"
            ) from None
        except OSError as err:
            raise self._connection_lost(err) from None

    def _check_open(self) -> None:
        if self._lost is not None:
            raise ConnectError(self._lost)

    def _connection_lost(self, err: OSError | None) -> ConnectError:
        """Remember why the connection is gone (later calls fail the same way)."""
        if err is None:
            self._lost = f"{self.peer} closed the connection in the middle of a response"
        else:
            self._lost = f"connection to {self.peer} lost: {_os_error_text(err)}"
        return ConnectError(self._lost)

    async def start_tls(
        self, context: ssl.SSLContext, server_hostname: str, *, max_wait: float
    ) -> None:
        """Upgrade to TLS; bytes received before the handshake are discarded (RFC 2595 §4).

        Anything the server (or an attacker) sent after the last line we read must never be read
        as if it came through TLS.
        """
        unread = self._unread_in_reader()
        early = b""
        if unread:
            # Already in the reader's buffer, so this returns without waiting; no await in
            # between lets more plaintext in before start_tls() pauses the transport.
            early = await self._reader.readexactly(unread)
            self._pulled += unread
        dropped = self._buffer.clear() + early
        if dropped:
            _LOGGER.warning(
                "%s: discarded %d unexpected bytes received before the TLS handshake",
                self.peer,
                len(dropped),
            )
        try:
            with capture_handshake_input(self._writer.transport) as capture:
                async with asyncio.timeout(max_wait):
                    await self._writer.start_tls(
                        context,
                        server_hostname=server_hostname,
                        ssl_shutdown_timeout=_CLOSE_TIMEOUT,
                    )
        except BaseException as err:
            # Plain text where TLS was expected: most often the server's own error line
            # ("-ERR STARTTLS failed ... Permission denied"). It is never acted on, only shown.
            server_said = plaintext_reply(dropped + capture.received)
            # After a failed upgrade the stream never learns that the transport ended, so a
            # polite close would wait in vain: cut the connection now.
            self.abort()
            error = _handshake_error(err, self.peer, max_wait, server_said)
            if error is None:
                raise
            raise error from None

    def _unread_in_reader(self) -> int:
        return self._protocol.received - self._pulled

    async def close(self) -> None:
        """Close politely if the peer cooperates, else cut the connection. Never raises."""
        if self._closed:
            return
        self._closed = True
        transport = self._writer.transport
        if not transport.is_closing():
            self._writer.close()
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await self._writer.wait_closed()
        except TimeoutError:
            transport.abort()
        except (OSError, ssl.SSLError, EOFError) as err:
            _LOGGER.debug("%s: error while closing: %s", self.peer, err)
            transport.abort()
        except asyncio.CancelledError:
            transport.abort()
            raise

    def close_now(self) -> None:
        """Close without waiting for the peer's answer or its TLS close_notify.

        What was written goes out, our close_notify included. RFC 8446 §6.1 lets the side
        that closes first skip waiting for the other's close_notify; the caller must not need
        anything the server still sends (see ``Pop3Client.quit``).
        """
        self._closed = True
        tls = self.tls_active
        # close() flushes the buffered data and, under TLS, writes close_notify at once; the
        # abort then drops only the wait for the server's close_notify (and its 2 s timer).
        self._writer.close()
        if tls:
            self._writer.transport.abort()

    def abort(self) -> None:
        """Cut the connection at once (no TLS close_notify, no waiting)."""
        self._closed = True
        self._writer.transport.abort()


async def open_connection(
    host: str, port: int, *, connect_timeout: float, command_timeout: float, stats: SessionStats
) -> Connection:
    """Open a TCP connection (without TLS: call :meth:`Connection.start_tls` next)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=_READ_SIZE, loop=loop)
    protocol = _CountingProtocol(reader, stats, loop)
    peer = f"{host}:{port}"
    try:
        async with asyncio.timeout(connect_timeout):
            transport, _ = await loop.create_connection(lambda: protocol, host, port)
    except TimeoutError:
        raise Pop3TimeoutError(
            f"connecting to {peer} took longer than {connect_timeout:g} s"
        ) from None
    except OSError as err:
        raise ConnectError(f"cannot connect to {peer}: {_os_error_text(err)}") from None
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    return Connection(reader, writer, protocol, peer=peer, timeout=command_timeout, stats=stats)


def _handshake_error(
    err: BaseException, peer: str, max_wait: float, server_said: str
) -> Exception | None:
    """The engine error for a failed TLS handshake (``None``: not ours to translate).

    ``server_said`` is the plain text the server sent instead of TLS, if any (sanitised).
    """
    said = f"; the server said, unencrypted: {server_said}" if server_said else ""
    if isinstance(err, TimeoutError):
        return Pop3TimeoutError(f"TLS handshake with {peer} took longer than {max_wait:g} s{said}")
    if isinstance(err, ssl.SSLCertVerificationError):
        return TlsError(
            f"certificate of {peer} not trusted: {_verify_text(err)}", certificate_error=True
        )
    if isinstance(err, ssl.SSLError):
        return TlsError(f"TLS handshake with {peer} failed: {_ssl_text(err)}{said}")
    if isinstance(err, OSError | EOFError):
        return TlsError(
            f"TLS handshake with {peer} failed: connection closed ({_os_error_text(err)}){said}"
        )
    return None


def _os_error_text(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__


def _verify_text(err: ssl.SSLCertVerificationError) -> str:
    return err.verify_message or _ssl_text(err)


def _ssl_text(err: ssl.SSLError) -> str:
    return err.reason or err.strerror or str(err) or type(err).__name__
