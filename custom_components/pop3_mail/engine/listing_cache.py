"""The last full listing of a maildrop, kept so that a poll that finds nothing new can skip it.

A poll lists the whole maildrop (``UIDL`` and ``LIST``: 174 kB for 5,000 messages) only to find,
nearly always, that nothing changed. :class:`ListingSnapshot` keeps what the tracker needs from
the last full listing (every UID, in order) and what the quick check compares with
(:class:`pop3.quick_listing.ListingMark`); see that module for why the check is sound and where
it could be fooled. The hourly full listing (:data:`FULL_LISTING_INTERVAL`) bounds the harm.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, TypeGuard

from .pop3.profile import server_key
from .pop3.quick_listing import ListingMark
from .settings import ServerSettings

FULL_LISTING_INTERVAL = 3600.0
"""Seconds after which a poll lists the whole maildrop even when the quick check passes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingSnapshot:
    """The maildrop as the last full listing saw it."""

    source: str
    """Whose maildrop: security mode, host, port and user (see :func:`listing_source`)."""
    uids: tuple[str, ...]
    """UIDs in message-number order."""
    octets: int
    """``STAT`` total of that session."""
    last_size: int
    """``LIST`` size of the last message (0 when the maildrop was empty)."""
    listed_at: float
    """Wall-clock time (seconds since the epoch) of that listing."""

    @property
    def mark(self) -> ListingMark:
        """What the quick check compares with."""
        return ListingMark(
            count=len(self.uids),
            octets=self.octets,
            last_uid=self.uids[-1] if self.uids else "",
            last_size=self.last_size,
        )

    def usable(self, source: str, now: float, known: Collection[str]) -> bool:
        """Whether a poll of ``source`` at ``now`` may stand on this listing if the check passes.

        Not for another maildrop (the account was reconfigured), not once an hour has passed
        (or the clock went back), and not while a listed UID is unknown to the tracker
        (``known``): mail left for later by the per-poll cap, or whose announcement failed or
        was deferred, must be found again by a real listing.
        """
        if source != self.source or not 0 <= now - self.listed_at < FULL_LISTING_INTERVAL:
            return False
        return all(uid in known for uid in self.uids)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "source": self.source,
            "uids": list(self.uids),
            "octets": self.octets,
            "last_size": self.last_size,
            "listed_at": self.listed_at,
        }

    @classmethod
    def from_json(cls, data: object) -> ListingSnapshot | None:
        """Inverse of :meth:`to_json`; anything malformed is ``None`` (the next poll lists)."""
        if not isinstance(data, dict):
            return None
        source, uids, octets = data.get("source"), data.get("uids"), data.get("octets")
        last_size, listed_at = data.get("last_size"), data.get("listed_at")
        if not isinstance(source, str):
            return None
        if not (isinstance(uids, list) and all(isinstance(uid, str) for uid in uids)):
            return None
        if not (_count(octets) and _count(last_size) and _number(listed_at)):
            return None
        return cls(
            source=source,
            uids=tuple(uids),
            octets=octets,
            last_size=last_size,
            listed_at=listed_at,
        )


def listing_source(settings: ServerSettings) -> str:
    """Which maildrop a listing belongs to: the server (as a profile names it) and the user."""
    return f"{server_key(settings)}/{settings.username}"


def _count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
