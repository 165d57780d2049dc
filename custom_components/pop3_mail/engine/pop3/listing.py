"""Parsing and validating ``STAT``, ``LIST`` and ``UIDL`` answers; every length is bounded."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import ProtocolError, sanitize_server_text

_LOGGER = logging.getLogger(__name__)

MAX_LISTING_LINE = 1024
"""Longest ``LIST``/``UIDL`` line accepted; anything longer is garbage, not a message."""
MAX_LISTING_ENTRIES = 1_000_000
"""More messages than this in one maildrop is treated as a broken server."""
MAX_LISTING_BYTES = 64 * 1024 * 1024
"""One ``LIST`` or ``UIDL`` answer larger than this is a broken server (a million real entries
take about 30 MB); without it, a hostile server could make the client hold a gigabyte."""
UIDL_RFC_MAX = 70
"""RFC 1939 §7: a unique-id is 1 to 70 characters in 0x21-0x7E."""
UIDL_MAX = 512
"""Longer UIDLs than the RFC allows are tolerated (with a warning) up to this length."""

# What nearly every line looks like; lines that do not match take the careful path, which
# gives the same result or the precise error. Checked per line, on maildrops of thousands.
_REGULAR_LIST_LINE = re.compile(rb"(\d{1,15})[ \t]+(\d{1,15})(?:[ \t][^\r\n]*)?")
_REGULAR_UIDL_LINE = re.compile(rb"(\d{1,15})[ \t]+([\x21-\x7e]{1,70})[ \t]*")


@dataclass(slots=True)
class UidlReport:
    """UIDLs by message number, and how many broke the RFC 1939 rules but were accepted."""

    uids: dict[int, str] = field(default_factory=dict)
    irregular: int = 0
    """UIDLs longer than 70 characters or with characters outside 0x21-0x7E."""


def parse_stat(text: str) -> tuple[int, int]:
    """``+OK count size`` → ``(count, size)``."""
    words = text.encode("utf-8", "replace").split()
    if len(words) < 2:
        raise ProtocolError(f"unreadable STAT answer {sanitize_server_text(text[:60])!r}")
    return _number(words[0], text, "STAT"), _number(words[1], text, "STAT")


def _number(word: bytes, line: bytes | str, what: str) -> int:
    """A non-negative ASCII decimal of sane length."""
    if not word.isdigit() or len(word) > 15:
        raise ProtocolError(f"unreadable {what} answer {sanitize_server_text(line[:60])!r}")
    return int(word)


def parse_list(lines: Iterable[bytes]) -> dict[int, int]:
    """``LIST`` lines (``number size``) → sizes by message number."""
    sizes: dict[int, int] = {}
    for line in lines:
        if (regular := _REGULAR_LIST_LINE.fullmatch(line)) and (
            number := int(regular[1])
        ) not in sizes:
            sizes[number] = int(regular[2])
            continue
        words = line.split()
        if len(words) < 2:
            raise ProtocolError(f"unreadable LIST line {sanitize_server_text(line[:60])!r}")
        number = _number(words[0], line, "LIST")
        if number in sizes:
            raise ProtocolError(f"LIST names message {number} twice")
        sizes[number] = _number(words[1], line, "LIST")
    return sizes


def parse_uidl(lines: Iterable[bytes]) -> UidlReport:
    """``UIDL`` lines (``number uid``) → UIDs by number, with irregular ones counted.

    Irregular UIDLs (too long, odd bytes) stay usable: bytes outside ASCII are escaped, which is
    deterministic, so the same message keeps the same key across sessions. Duplicate UIDs are
    allowed (identical copies may share one); a missing or absurdly long one is an error.
    """
    report = UidlReport()
    for line in lines:
        if (regular := _REGULAR_UIDL_LINE.fullmatch(line)) and (
            number := int(regular[1])
        ) not in report.uids:
            report.uids[number] = regular[2].decode("ascii")
            continue
        words = line.split(None, 1)
        if len(words) < 2 or not words[1].strip():
            raise ProtocolError(f"unreadable UIDL line {sanitize_server_text(line[:60])!r}")
        number = _number(words[0], line, "UIDL")
        raw = words[1].strip()
        if len(raw) > UIDL_MAX:
            raise ProtocolError(
                f"UIDL of message {number} is {len(raw)} characters long (limit {UIDL_MAX})"
            )
        if number in report.uids:
            raise ProtocolError(f"UIDL names message {number} twice")
        uid = raw.decode("ascii", "backslashreplace")
        if len(raw) > UIDL_RFC_MAX or not all(0x21 <= byte <= 0x7E for byte in raw):
            report.irregular += 1
            uid = "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in uid)
        report.uids[number] = uid
    if report.irregular:
        _LOGGER.warning(
            "%d UIDL(s) break RFC 1939 (longer than %d characters or unusual bytes); kept as is",
            report.irregular,
            UIDL_RFC_MAX,
        )
    return report
