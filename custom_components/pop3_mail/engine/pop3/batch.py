"""Commands sent as one batch and their answers, for :meth:`Pop3Client.batch` (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .listing import MAX_LISTING_ENTRIES
from .responses import Status


@dataclass(frozen=True, slots=True)
class Request:
    """One command line of a batch, and the shape of its answer."""

    line: str
    """The command line without CRLF (never a secret: it may be logged)."""
    multiline: bool = False
    """``+OK`` opens a body of short lines (``CAPA``, ``UIDL``, ``LIST`` without argument)."""
    max_lines: int = MAX_LISTING_ENTRIES

    @property
    def name(self) -> str:
        """The command word, for error messages."""
        return self.line.split(" ", 1)[0]


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to one :class:`Request`: ``-ERR`` answers are replies too, not exceptions."""

    status: Status
    lines: list[bytes] = field(default_factory=list)
    """Body lines without terminators (multi-line answers only)."""
