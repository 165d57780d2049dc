"""Stable message identities for servers that do not implement ``UIDL``.

Without UIDL a message has only its session-local number. We derive an identity from what
does not change: the ``Message-ID`` header, else a hash of the whole header block and the
size. Identities stay within RFC 1939's UIDL alphabet and length (1-70 printable characters).
"""

from __future__ import annotations

import hashlib
import re

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*((?:.|\r?\n[ \t])*)", re.IGNORECASE | re.MULTILINE)


def header_block(top_output: bytes) -> bytes:
    """The header part of a ``TOP n 0`` answer (or of any message)."""
    match = _HEADER_END.search(top_output)
    return top_output[: match.start()] if match else top_output


def message_identity(top_output: bytes, size: int) -> str:
    """Identity for a message on a server without UIDL.

    Two copies of one message (same Message-ID) share an identity, exactly like two copies
    sharing a UIDL on servers that have one.
    """
    headers = header_block(top_output)
    match = _MESSAGE_ID.search(headers)
    if match:
        message_id = b"".join(match.group(1).split())
        if message_id:
            return "mid-" + hashlib.sha256(message_id).hexdigest()[:40]
    digest = hashlib.sha256(headers.replace(b"\r\n", b"\n") + b"\x00" + str(size).encode())
    return "hdr-" + digest.hexdigest()[:40]
