"""POP3 line framing without I/O: splitting received bytes into lines, and dot-unstuffing.

Kept free of sockets and asyncio so that the tricky parts (lines split across reads, bare LF,
over-long lines, the ``CRLF.CRLF`` end marker) can be tested exhaustively.
"""

from __future__ import annotations

CRLF = b"\r\n"

MAX_LINE = 1024 * 1024
"""Longest line kept in one piece (RFC 5322 allows 998 octets; real mail has 100 KB lines).

Longer lines are not an error inside a message: they are handed on in pieces of this size so the
stream stays in sync, and memory stays bounded."""

_COMPACT_AFTER = 64 * 1024


class LineBuffer:
    """Received bytes not yet consumed, handed out line by line.

    A line ends at LF; a CR before it is part of the terminator (bare LF is tolerated).
    """

    __slots__ = ("_data", "_start")

    def __init__(self) -> None:
        """Start empty."""
        self._data = bytearray()
        self._start = 0

    def __len__(self) -> int:
        """Bytes buffered and not yet handed out."""
        return len(self._data) - self._start

    def feed(self, data: bytes) -> None:
        """Append received bytes."""
        if self._start > _COMPACT_AFTER and self._start * 2 > len(self._data):
            del self._data[: self._start]
            self._start = 0
        self._data += data

    def clear(self) -> bytes:
        """Drop everything buffered (pre-TLS bytes after ``STLS``); returns what was dropped."""
        dropped = bytes(self._data[self._start :])
        self._data.clear()
        self._start = 0
        return dropped

    def next_piece(self, limit: int) -> tuple[bytes, bool] | None:
        """The next line, or a piece of it, or ``None`` when more data is needed.

        Returns ``(line, True)`` for a whole line of at most ``limit`` bytes including its
        terminator. When the line is longer, returns ``(piece, False)`` with the next part of it
        (at most ``limit`` bytes); the rest follows in later pieces. A CR at the end of a piece is
        held back, so that a CRLF split by the limit is still seen as the terminator. ``limit``
        is at least 3, so the end marker of a multi-line answer is always one whole line.
        """
        if limit < 3:
            raise ValueError("the line limit must be at least 3 bytes")
        start = self._start
        end = self._data.find(b"\n", start, start + limit)
        if end >= 0:
            self._start = end + 1
            return bytes(self._data[start : end + 1]), True
        if len(self._data) - start < limit:
            return None
        size = limit - 1 if limit > 1 and self._data[start + limit - 1] == 0x0D else limit
        self._start = start + size
        return bytes(self._data[start : start + size]), False


def strip_terminator(line: bytes) -> bytes:
    """The line without its CRLF or bare LF."""
    if line.endswith(b"\r\n"):
        return line[:-2]
    if line.endswith(b"\n"):
        return line[:-1]
    return line


class BodyDecoder:
    """Turns the pieces of a multi-line response into content.

    One leading dot is stripped per line, line endings become CRLF, and the end marker (a line
    that is a single dot) ends the body.
    """

    __slots__ = ("_at_line_start", "_first_line", "finished")

    def __init__(self, *, drop_status_echo: bool = False) -> None:
        """Expect the first line of the body.

        ``drop_status_echo`` drops a first line that is a ``+OK`` status: broken servers send
        ``+OK`` twice for ``TOP``/``RETR`` (fetchmail FAQ), and a message cannot start with one.
        """
        self._at_line_start = True
        self._first_line = drop_status_echo
        self.finished = False

    def decode(self, piece: bytes, complete: bool) -> bytes | None:
        """Content for one piece from :meth:`LineBuffer.next_piece`; ``None`` at the end marker.

        A whole line comes back with a CRLF ending; a piece of an over-long line comes back as is
        (only the piece that ends the line gets the CRLF); a dropped status echo comes back empty.
        """
        if complete:
            content = strip_terminator(piece)
            if self._at_line_start:
                if content == b".":
                    self.finished = True
                    return None
                if content[:1] == b".":
                    content = content[1:]
                elif self._first_line and _is_ok_status(content):
                    self._first_line = False
                    return b""
            self._first_line = False
            self._at_line_start = True
            return content + CRLF
        if self._at_line_start and piece[:1] == b".":
            piece = piece[1:]
        self._first_line = False
        self._at_line_start = False
        return piece


def _is_ok_status(content: bytes) -> bool:
    return content[:3].upper() == b"+OK" and content[3:4] in (b"", b" ")
