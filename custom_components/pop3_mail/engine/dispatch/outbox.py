"""The persistent outbox: deliveries that failed, waiting for their next attempt.

Pure bookkeeping (no I/O): the dispatcher decides what to deliver, saves :meth:`Outbox.to_json`
through a ``StateStore`` and loads it back after a restart. It also remembers which
(message, target) pairs were delivered, so that a message announced again (after a crash, or
a poll whose handler failed) is not delivered twice, and which messages wait for their
deliveries before they may be deleted from the server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

_LOGGER = logging.getLogger(__name__)

OUTBOX_VERSION = 1
DEFAULT_MAX_ENTRIES = 1000
DEFAULT_MAX_DELIVERED = 10_000
DELIVERED_TTL = 30 * 24 * 3600.0
"""Seconds a delivery is remembered for de-duplication."""


@dataclass(slots=True, kw_only=True)
class OutboxEntry:
    """One delivery of one message to one target.

    ``target`` identifies the destination (``mqtt:<rule>#<n>`` or
    ``notify:<rule>#<n>:<fingerprint>``); ``label`` describes it safely for logs and status
    (the topic, or apprise's privacy URL). ``data`` is what to send: for MQTT the rendered
    topic and payload, for notifications the rendered title and body.
    """

    target: str
    kind: str
    rule: str
    summary_id: str
    uid: str
    label: str
    created: float
    next_attempt: float
    attempts: int = 0
    last_error: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Identity of the delivery: message and target."""
        return delivery_key(self.summary_id, self.target)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutboxEntry:
        """Inverse of :meth:`to_json`; raises ``KeyError``/``TypeError``/``ValueError``."""
        return cls(
            target=str(data["target"]),
            kind=str(data["kind"]),
            rule=str(data["rule"]),
            summary_id=str(data["summary_id"]),
            uid=str(data["uid"]),
            label=str(data["label"]),
            created=float(data["created"]),
            next_attempt=float(data["next_attempt"]),
            attempts=int(data.get("attempts", 0)),
            last_error=data.get("last_error"),
            data=dict(data.get("data") or {}),
        )


def delivery_key(summary_id: str, target: str) -> str:
    """Key of one (message, target) pair."""
    return f"{summary_id}|{target}"


@dataclass(slots=True)
class PendingDeletion:
    """A message to delete from the server once the deliveries in ``waiting`` succeeded."""

    uid: str
    waiting: set[str]


class Outbox:
    """Entries in creation order, delivered keys, pending deletions and a dropped counter."""

    def __init__(
        self,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_delivered: int = DEFAULT_MAX_DELIVERED,
        delivered_ttl: float = DELIVERED_TTL,
    ) -> None:
        """An empty outbox holding at most ``max_entries`` waiting deliveries."""
        self.max_entries = max_entries
        self.max_delivered = max_delivered
        self.delivered_ttl = delivered_ttl
        self.entries: dict[str, OutboxEntry] = {}
        self.delivered: dict[str, float] = {}
        self.deletions: dict[str, PendingDeletion] = {}
        self.dropped = 0

    def __len__(self) -> int:
        """Number of waiting deliveries."""
        return len(self.entries)

    def is_delivered(self, key: str) -> bool:
        """Whether this (message, target) pair was delivered already."""
        return key in self.delivered

    def mark_delivered(self, key: str, now: float) -> None:
        """Remember a delivery (forgetting the oldest ones beyond the limits)."""
        self.delivered.pop(key, None)
        self.delivered[key] = now
        horizon = now - self.delivered_ttl
        while self.delivered:
            oldest_key, when = next(iter(self.delivered.items()))
            if len(self.delivered) <= self.max_delivered and when >= horizon:
                break
            del self.delivered[oldest_key]

    def add(self, entry: OutboxEntry) -> list[OutboxEntry]:
        """Queue ``entry``; returns the oldest entries dropped to stay within the limit."""
        self.entries[entry.key] = entry
        dropped = []
        while len(self.entries) > self.max_entries:
            oldest = next(iter(self.entries))
            dropped.append(self.entries.pop(oldest))
        self.dropped += len(dropped)
        return dropped

    def remove(self, key: str) -> None:
        """Forget a waiting delivery (delivered, or given up)."""
        self.entries.pop(key, None)

    def due(self, now: float) -> list[OutboxEntry]:
        """Entries whose next attempt is due, oldest first."""
        return [entry for entry in self.entries.values() if entry.next_attempt <= now]

    def next_attempt(self) -> float | None:
        """When the next entry becomes due, ``None`` when the outbox is empty."""
        return min((entry.next_attempt for entry in self.entries.values()), default=None)

    def for_target(self, target: str) -> list[OutboxEntry]:
        """Waiting entries for one target, oldest first."""
        return [entry for entry in self.entries.values() if entry.target == target]

    def wait_for(self, summary_id: str, uid: str, keys: Iterable[str]) -> None:
        """Delete message ``uid`` from the server once every delivery in ``keys`` succeeded."""
        self.deletions[summary_id] = PendingDeletion(uid=uid, waiting=set(keys))

    def settle(self, key: str) -> None:
        """A delivery succeeded: it no longer holds back a deletion."""
        for pending in self.deletions.values():
            pending.waiting.discard(key)

    def replace_waiting(self, key: str, replacements: Iterable[str]) -> None:
        """A placeholder delivery turned into several; deletions wait for all of them."""
        new_keys = set(replacements)
        for pending in self.deletions.values():
            if key in pending.waiting:
                pending.waiting.discard(key)
                pending.waiting.update(new_keys)

    def abandon(self, key: str) -> list[str]:
        """A delivery was given up: cancel deletions waiting for it; returns their UIDs."""
        kept = [sid for sid, pending in self.deletions.items() if key in pending.waiting]
        return [self.deletions.pop(sid).uid for sid in kept]

    def ready_deletions(self) -> dict[str, str]:
        """Messages (summary id → UID) whose deliveries all succeeded."""
        return {sid: pending.uid for sid, pending in self.deletions.items() if not pending.waiting}

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form of everything that must survive a restart."""
        return {
            "version": OUTBOX_VERSION,
            "entries": [entry.to_json() for entry in self.entries.values()],
            "delivered": [[key, when] for key, when in self.delivered.items()],
            "deletions": {
                sid: {"uid": pending.uid, "waiting": sorted(pending.waiting)}
                for sid, pending in self.deletions.items()
            },
            "dropped": self.dropped,
        }

    def load(self, data: dict[str, Any] | None) -> None:
        """Replace the contents with a saved document; damaged parts are skipped with a warning."""
        self.entries.clear()
        self.delivered.clear()
        self.deletions.clear()
        self.dropped = 0
        if data is None:
            return
        if not isinstance(data, dict) or data.get("version") != OUTBOX_VERSION:
            _LOGGER.warning("Outbox has an unknown format; starting with an empty outbox")
            return
        damaged = 0
        for raw in data.get("entries") or []:
            try:
                entry = OutboxEntry.from_json(raw)
            except (KeyError, TypeError, ValueError, AttributeError):
                damaged += 1
                continue
            self.entries[entry.key] = entry
        for item in data.get("delivered") or []:
            try:
                key, when = item
                self.delivered[str(key)] = float(when)
            except (TypeError, ValueError):
                damaged += 1
        for sid, raw in (data.get("deletions") or {}).items():
            try:
                self.deletions[str(sid)] = PendingDeletion(
                    uid=str(raw["uid"]), waiting={str(key) for key in raw["waiting"]}
                )
            except (KeyError, TypeError, AttributeError):
                damaged += 1
        try:
            self.dropped = int(data.get("dropped") or 0)
        except (TypeError, ValueError):
            damaged += 1
        if damaged:
            _LOGGER.warning("Outbox: skipped %d damaged record(s)", damaged)
