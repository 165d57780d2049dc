"""Splitting a header block into fields, bounded and tolerant of damage.

The stdlib parser ends the header block at the first line that is not a well-formed header
(an 8-bit name such as ``Subjéct:``, a line without a colon), so every later header (From, To)
silently becomes body. Here such lines are skipped and flagged instead, and everything is
capped before any per-line work: the block size, the number of headers and each value's size.
Only the fields asked for are kept, as raw unfolded bytes; decoding is up to the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .problems import Problem, Problems

# An empty line ends the header block; lines may end in CRLF or a bare LF.
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
# Unfolding (RFC 5322 2.2.3): a line break followed by whitespace is removed.
_FOLD = re.compile(rb"\r?\n(?=[ \t])")
# Field names: printable US-ASCII except the colon.
_FIELD_NAME = re.compile(rb"[!-9;-~]+")


@dataclass(frozen=True, slots=True)
class HeaderLimits:
    """Caps applied before a header block is parsed."""

    block_bytes: int
    """Bytes of the header block that are read at all."""
    count: int
    """Header lines that are looked at."""
    value_bytes: int
    """Bytes kept of one header's (unfolded) value."""


MESSAGE_HEADER_LIMITS = HeaderLimits(block_bytes=256 * 1024, count=1000, value_bytes=64 * 1024)
PART_HEADER_LIMITS = HeaderLimits(block_bytes=16 * 1024, count=100, value_bytes=8 * 1024)


@dataclass(slots=True)
class HeaderBlock:
    """The wanted fields of one header block and where the body after it starts."""

    fields: dict[str, list[bytes]] = field(default_factory=dict)
    """Lower-case field name to its values in order of appearance (raw, unfolded, stripped)."""
    body_start: int = 0
    """Offset of the body in the parsed buffer (its end if there is no body)."""

    def first(self, name: str) -> bytes | None:
        """The first value of a field, or None when it is missing."""
        values = self.fields.get(name)
        return values[0] if values else None


def parse_header_block(
    raw: bytes,
    start: int,
    end: int,
    *,
    wanted: frozenset[str],
    limits: HeaderLimits,
    problems: Problems,
) -> HeaderBlock:
    """Parse the header block at ``raw[start:end]``, keeping only the ``wanted`` fields."""
    if raw.startswith(b"\r\n", start):
        return HeaderBlock(body_start=min(start + 2, end))
    if raw.startswith(b"\n", start):
        return HeaderBlock(body_start=min(start + 1, end))
    blank = _BLANK_LINE.search(raw, start, end)
    if blank is None:
        header_end = body_start = end
    else:
        header_end, body_start = blank.start() + 1, blank.end()
    if header_end - start > limits.block_bytes:
        # Cut mid-line if need be: a giant To keeps its first addresses.
        problems.add(Problem.HEADER_TRUNCATED)
        header_end = start + limits.block_bytes
    block = HeaderBlock(body_start=body_start)
    lines = _FOLD.sub(b"", raw[start:header_end]).split(b"\n", limits.count)
    if len(lines) > limits.count:
        problems.add(Problem.HEADER_TRUNCATED)
        del lines[limits.count :]
    for index, line in enumerate(lines):
        name, colon, value = line.partition(b":")
        name = name.rstrip(b" \t")
        if not colon or not _FIELD_NAME.fullmatch(name):
            if line.strip() and not (index == 0 and line.startswith(b"From ")):
                # Not a header (mbox "From " lines excepted): skip it, keep the rest.
                problems.add(Problem.HEADERS_MALFORMED)
            continue
        key = name.decode("ascii").lower()
        if key not in wanted:
            continue
        value = value.strip(b" \t\r")
        if len(value) > limits.value_bytes:
            problems.add(Problem.HEADER_TRUNCATED)
            value = value[: limits.value_bytes]
        block.fields.setdefault(key, []).append(value)
    return block
