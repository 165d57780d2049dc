"""What a poll is asked to do and what it reports: options, result, timings, announcements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from .mail.model import MailSummary
from .pop3 import Capabilities, RetrievedMessage, SessionStats
from .tracking import TrackingOptions


class Announcement(Enum):
    """What a :data:`NewMailHandler` did with a poll's new mail."""

    DONE = "done"
    """The mail was announced: it is committed as seen (also what returning ``None`` means)."""
    DEFERRED = "deferred"
    """The host cannot announce yet (Home Assistant still starting): the mail stays new and is
    announced by the next poll; the poll itself succeeded."""


NewMailHandler = Callable[["PollResult"], Awaitable[Announcement | None]]
"""Called with the result of a poll that found new mail, after the session ended and before
the new UIDs are committed to the store.

If it raises, or returns :attr:`Announcement.DEFERRED`, the messages are announced again by
the next poll (at-least-once delivery).
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class PollOptions:
    """What one poll fetches and how it counts."""

    snippet_length: int = 200
    top_lines: int = 50
    """Body lines fetched with ``TOP`` for the snippet (headers are always fetched)."""
    max_new_per_poll: int = 20
    """At most this many new messages are summarised per poll (newest first); the rest wait."""
    full_message_max_bytes: int = 10 * 1024 * 1024
    """Cap for messages fetched whole with ``RETR`` (only when ``wants_full`` asks)."""
    tracking: TrackingOptions = field(default_factory=TrackingOptions)
    inline_summary_max_bytes: int = 64 * 1024
    """Mail up to this size is summarised on the event loop, larger mail in the executor."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PollTimings:
    """Where a poll spent its time (seconds) and what it cost on the wire."""

    connect: float
    listing: float
    fetch: float
    total: float
    bytes_sent: int
    bytes_received: int
    round_trips: int
    commands: int

    def as_dict(self) -> dict[str, float | int]:
        """JSON-ready form."""
        return {
            "connect": round(self.connect, 4),
            "listing": round(self.listing, 4),
            "fetch": round(self.fetch, 4),
            "total": round(self.total, 4),
            "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received,
            "round_trips": self.round_trips,
            "commands": self.commands,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PollResult:
    """What one poll found.

    ``new_messages`` are oldest first. ``full_messages`` holds whole messages fetched because
    ``wants_full`` asked for them (keyed by UID). ``remaining_new`` counts new messages left for
    the next poll by ``max_new_per_poll``.
    """

    account_key: str
    checked_at: datetime
    message_count: int
    total_size: int
    unread: int
    new_messages: tuple[MailSummary, ...]
    latest: MailSummary | None
    capabilities: Capabilities
    timings: PollTimings
    baseline: bool = False
    storm: bool = False
    remaining_new: int = 0
    deleted: tuple[str, ...] = ()
    full_messages: dict[str, RetrievedMessage] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (without full message bodies)."""
        return {
            "account": self.account_key,
            "checked_at": self.checked_at.isoformat(),
            "message_count": self.message_count,
            "total_size": self.total_size,
            "unread": self.unread,
            "new_messages": [summary.as_dict() for summary in self.new_messages],
            "latest": self.latest.as_dict() if self.latest else None,
            "capabilities": self.capabilities.as_list(),
            "timings": self.timings.as_dict(),
            "baseline": self.baseline,
            "storm": self.storm,
            "remaining_new": self.remaining_new,
            "deleted": list(self.deleted),
        }


def poll_timings(
    started: float, connected: float, listed: float, finished: float, stats: SessionStats
) -> PollTimings:
    """Timings from the ``time.monotonic()`` readings at a poll's milestones."""
    return PollTimings(
        connect=connected - started,
        listing=listed - connected,
        fetch=finished - listed,
        total=finished - started,
        bytes_sent=stats.bytes_sent,
        bytes_received=stats.bytes_received,
        round_trips=stats.round_trips,
        commands=stats.commands,
    )
