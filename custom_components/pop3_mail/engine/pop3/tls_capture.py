"""Keeping the first bytes a TLS handshake receives, to show a plain-text error instead of it.

asyncio's ``start_tls`` hands every received byte to OpenSSL, which reads a plain-text
``-ERR STARTTLS failed ...`` as a broken TLS record and reports ``WRONG_VERSION_NUMBER``; the
server's words are lost. So while the handshake runs, a pass-through protocol between the
transport and asyncio's TLS protocol keeps a copy of the first :data:`MAX_PLAINTEXT_REPLY`
bytes. It is installed where ``loop.start_tls`` calls ``transport.set_protocol`` and removed
after the handshake, so TLS traffic afterwards does not pass through it. On event loops whose
transports cannot be adapted so (uvloop), nothing is captured and errors just lack that detail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .tls_reply import MAX_PLAINTEXT_REPLY


class _Recorder(asyncio.BufferedProtocol):
    """Passes everything on to ``inner`` and copies the first received bytes."""

    def __init__(self, inner: asyncio.BufferedProtocol) -> None:
        self.inner = inner
        self.received = bytearray()
        self._buffer: memoryview | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.inner.connection_made(transport)

    def get_buffer(self, sizehint: int) -> Any:
        buffer = self.inner.get_buffer(sizehint)
        self._buffer = memoryview(buffer)
        return buffer

    def buffer_updated(self, nbytes: int) -> None:
        room = MAX_PLAINTEXT_REPLY - len(self.received)
        if room > 0 and self._buffer is not None:
            self.received += self._buffer[: min(nbytes, room)]
        self.inner.buffer_updated(nbytes)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


@dataclass(slots=True)
class HandshakeCapture:
    """What the handshake received first (empty when it could not be captured)."""

    recorder: _Recorder | None = None

    @property
    def received(self) -> bytes:
        """The captured bytes."""
        return bytes(self.recorder.received) if self.recorder is not None else b""


@contextmanager
def capture_handshake_input(transport: asyncio.BaseTransport) -> Iterator[HandshakeCapture]:
    """Copy the first bytes received while ``start_tls`` runs on ``transport``."""
    capture = HandshakeCapture()
    original = transport.set_protocol

    def set_protocol(protocol: asyncio.BaseProtocol) -> None:
        if capture.recorder is None and isinstance(protocol, asyncio.BufferedProtocol):
            capture.recorder = _Recorder(protocol)
            protocol = capture.recorder
        original(protocol)

    try:
        transport.set_protocol = set_protocol  # type: ignore[method-assign]
    except AttributeError:  # a transport without instance attributes (uvloop)
        yield capture
        return
    try:
        yield capture
    finally:
        del transport.set_protocol
        recorder = capture.recorder
        if recorder is not None and transport.get_protocol() is recorder:
            transport.set_protocol(recorder.inner)
