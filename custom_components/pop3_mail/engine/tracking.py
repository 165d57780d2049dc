"""Which messages are new, and which are unread, on a server that has no read/unread state.

POP3 only lists what is in the maildrop. A message is *new* when its UID was never seen before
and *unread* until the user acknowledges it. This module is pure bookkeeping (no I/O): the
mailbox feeds it the UIDs of each listing, announces what it reports as new, and persists
:meth:`TrackingState.to_json`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

_LOGGER = logging.getLogger(__name__)

STATE_VERSION = 2
"""Version of the state document. Version 2 added the listing snapshot and the server profile
beside the tracking fields (``poll_state.PollState``); the tracking fields are unchanged, so a
version 1 document reads as the same tracking state without them."""
READABLE_VERSIONS = (1, 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingOptions:
    """Policy for baselines, unread counting and forgetting."""

    announce_existing: bool = False
    """Announce messages found by the very first poll as new (default: silently record them)."""
    count_existing_as_unread: bool = False
    """Count messages found by the very first poll as unread (default: they start acknowledged)."""
    vanished_grace: float = 30 * 24 * 3600.0
    """Seconds a vanished UID is remembered (servers that briefly stop listing a message)."""
    storm_ratio: float = 0.8
    """Share of changed UIDs that counts as a server re-index (a *UIDL storm*)."""
    storm_min_messages: int = 10
    """Mailboxes smaller than this never trigger the storm guard."""


@dataclass(slots=True)
class TrackingState:
    """Everything that must survive a restart, in a JSON-friendly shape.

    ``seen`` maps each known UID to whether the user acknowledged it; ``missing_since`` holds the
    time a known UID was first found missing from the listing.
    """

    baseline_done: bool = False
    seen: dict[str, bool] = field(default_factory=dict)
    missing_since: dict[str, float] = field(default_factory=dict)
    pending_deletion: set[str] = field(default_factory=set)
    latest: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """Serialisable form (sorted, so unchanged state serialises identically)."""
        return {
            "version": STATE_VERSION,
            "baseline_done": self.baseline_done,
            "acknowledged": sorted(uid for uid, ack in self.seen.items() if ack),
            "unacknowledged": sorted(uid for uid, ack in self.seen.items() if not ack),
            "missing_since": dict(sorted(self.missing_since.items())),
            "pending_deletion": sorted(self.pending_deletion),
            "latest": self.latest,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> TrackingState:
        """Inverse of :meth:`to_json`; unknown or damaged data gives a fresh state.

        Damage of the right version (a list where a mapping belongs, a time that is not a
        number) is logged: half a state could announce the whole mailbox again, a fresh one
        only re-baselines.
        """
        if not isinstance(data, dict) or data.get("version") not in READABLE_VERSIONS:
            return cls()
        try:
            return cls._from_valid_json(data)
        except (TypeError, ValueError) as err:
            _LOGGER.warning("Tracking state is damaged (%s); starting afresh", err)
            return cls()

    @classmethod
    def _from_valid_json(cls, data: dict[str, Any]) -> TrackingState:
        baseline_done = data.get("baseline_done", False)
        missing_since = data.get("missing_since", {})
        if not isinstance(baseline_done, bool) or not isinstance(missing_since, dict):
            raise TypeError("baseline_done or missing_since has the wrong type")
        seen = dict.fromkeys(_uid_list(data, "acknowledged"), True)
        seen.update(dict.fromkeys(_uid_list(data, "unacknowledged"), False))
        latest = data.get("latest")
        return cls(
            baseline_done=baseline_done,
            seen=seen,
            missing_since={str(uid): _time(since) for uid, since in missing_since.items()},
            pending_deletion=set(_uid_list(data, "pending_deletion")),
            latest=latest if isinstance(latest, dict) else None,
        )


def _uid_list(data: dict[str, Any], key: str) -> list[str]:
    """A list of UIDs from the saved state; anything else is damage (``TypeError``)."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(uid, str) for uid in value):
        raise TypeError(f"{key} is not a list of UIDs")
    return value


def _time(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("missing_since holds a time that is not a number")
    return float(value)


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Outcome of comparing one listing with the state.

    ``new_uids`` are in server order (oldest first) and still need announcing through
    :meth:`MailTracker.mark_announced`.
    """

    new_uids: tuple[str, ...]
    baseline: bool = False
    storm: bool = False


class MailTracker:
    """Applies a listing to a :class:`TrackingState`."""

    def __init__(self, state: TrackingState, options: TrackingOptions) -> None:
        """Track on top of ``state`` (modified in place)."""
        self.state = state
        self.options = options

    def reconcile(self, listing: Sequence[str], now: float) -> Reconciliation:
        """Compare the UIDs on the server with what is known; return what is new.

        The first listing becomes the baseline; a listing in which most UIDs changed at once
        (server re-index, migration) re-baselines instead of announcing the whole mailbox.
        """
        present = set(listing)
        state = self.state
        if not state.baseline_done:
            state.baseline_done = True
            if self.options.announce_existing:
                return Reconciliation(new_uids=_unique(listing), baseline=True)
            self._record_all(listing, acknowledged=not self.options.count_existing_as_unread)
            return Reconciliation(new_uids=(), baseline=True)

        if self._is_storm(present):
            state.seen.clear()
            state.missing_since.clear()
            self._record_all(listing, acknowledged=True)
            return Reconciliation(new_uids=(), storm=True)

        self._update_vanished(present, now)
        new = tuple(uid for uid in _unique(listing) if uid not in state.seen)
        return Reconciliation(new_uids=new)

    def mark_announced(self, uids: Iterable[str]) -> None:
        """Record UIDs as seen and unread once they were reported as new."""
        for uid in uids:
            self.state.seen.setdefault(uid, False)
            self.state.missing_since.pop(uid, None)

    def forget(self, uids: Iterable[str]) -> None:
        """Undo :meth:`mark_announced` (the announcement failed; announce them again later)."""
        for uid in uids:
            self.state.seen.pop(uid, None)

    def unread(self, listing: Sequence[str]) -> int:
        """Messages on the server the user has not acknowledged (not yet announced ones count)."""
        seen = self.state.seen
        return sum(1 for uid in listing if not seen.get(uid, False))

    def acknowledge(self, listing: Sequence[str], uid: str | None = None) -> bool:
        """Acknowledge one UID or, with ``None``, everything listed; true when anything changed."""
        uids = _unique(listing) if uid is None else (uid,)
        changed = False
        for item in uids:
            if item in listing and self.state.seen.get(item) is not True:
                self.state.seen[item] = True
                changed = True
        return changed

    def _record_all(self, listing: Sequence[str], *, acknowledged: bool) -> None:
        for uid in listing:
            self.state.seen[uid] = acknowledged

    def _is_storm(self, present: set[str]) -> bool:
        previous = {uid for uid in self.state.seen if uid not in self.state.missing_since}
        minimum = self.options.storm_min_messages
        if len(previous) < minimum or len(present) < minimum:
            return False
        ratio = self.options.storm_ratio
        unknown_share = len(present - self.state.seen.keys()) / len(present)
        vanished_share = len(previous - present) / len(previous)
        return unknown_share >= ratio and vanished_share >= ratio

    def _update_vanished(self, present: set[str], now: float) -> None:
        state = self.state
        for uid in list(state.missing_since):
            if uid in present:
                del state.missing_since[uid]
            elif now - state.missing_since[uid] > self.options.vanished_grace:
                del state.missing_since[uid]
                state.seen.pop(uid, None)
                state.pending_deletion.discard(uid)
        for uid in state.seen.keys() - present - state.missing_since.keys():
            state.missing_since[uid] = now


def _unique(listing: Sequence[str]) -> tuple[str, ...]:
    """UIDs in order without repeats (identical copies of a message may share a UIDL)."""
    return tuple(dict.fromkeys(listing))
