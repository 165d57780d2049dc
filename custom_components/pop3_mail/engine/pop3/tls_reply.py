"""What a server said in plain text where a TLS handshake was expected (I/O-free).

A server that agreed to ``STLS`` and then cannot start TLS (Courier without access to its
certificate) sends ``-ERR STARTTLS failed ...`` instead of a TLS record; a plaintext port reached
with implicit TLS sends its greeting. The handshake then fails with an OpenSSL reason such as
``WRONG_VERSION_NUMBER`` that explains nothing, so the server's own words are shown next to it.
"""

from __future__ import annotations

from ..errors import sanitize_server_text

MAX_PLAINTEXT_REPLY = 512
"""Bytes looked at: one status line (RFC 2449 §4)."""


def plaintext_reply(data: bytes) -> str:
    """The first non-empty line of ``data``, sanitised (``""`` if there is none).

    The text of an ``-ERR`` line is shown without its status word; a bare ``-ERR`` stays.
    Bytes that are not text (a real but broken TLS record) are not shown.
    """
    for raw_line in data[:MAX_PLAINTEXT_REPLY].splitlines():
        line = raw_line.strip()
        if not line:
            continue
        if not _looks_like_text(line):
            return ""
        head, _, rest = line.partition(b" ")
        if head.upper() == b"-ERR":
            return sanitize_server_text(rest) or "-ERR"
        return sanitize_server_text(line)
    return ""


def _looks_like_text(line: bytes) -> bool:
    """Text starts with a printable byte; a TLS record starts with its type (0x14-0x17)."""
    return line[0] >= 0x20
