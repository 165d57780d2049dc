"""The persistent outbox: deliveries that failed, waiting for their next attempt.

Pure bookkeeping (no I/O): the dispatcher decides what to deliver, saves :meth:`Outbox.to_json`
through a ``StateStore`` and loads it back after a restart. It also remembers which
(message, target) pairs were delivered, so that a message announced again (after a crash, or
a poll whose handler failed) is not delivered twice, and which messages wait for their
deliveries before they may be deleted from the server.

The stored document is described by :class:`StoredOutbox`; this module alone turns it into
typed records and back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from .deliveries import Delivery, DeliveryKind, MqttDelivery, NotifyDelivery, OutboxEntry
from .rules import BodyFormat

_LOGGER = logging.getLogger(__name__)

OUTBOX_VERSION = 1
DEFAULT_MAX_ENTRIES = 1000
DEFAULT_MAX_DELIVERED = 10_000
DELIVERED_TTL = 30 * 24 * 3600.0
"""Seconds a delivery is remembered for de-duplication."""
_DAMAGE = (KeyError, TypeError, ValueError, AttributeError)
"""What reading a damaged record raises (a missing key, a value of the wrong type)."""


class StoredMqttDelivery(TypedDict):
    """``data`` of a stored MQTT entry."""

    topic: str
    payload: str
    qos: int
    retain: bool
    attachments: NotRequired[int]
    """Always 0; written by versions before the typed records, never read."""


class StoredNotifyDelivery(TypedDict):
    """``data`` of a stored notification entry; ``fingerprint`` ``null`` for a placeholder."""

    channel: str
    fingerprint: str | None
    title: str
    body: str
    format: str
    attachments: int


class StoredEntry(TypedDict):
    """One stored :class:`OutboxEntry`."""

    target: str
    kind: DeliveryKind
    rule: str
    summary_id: str
    uid: str
    label: str
    created: float
    next_attempt: float
    attempts: int
    last_error: str | None
    data: StoredMqttDelivery | StoredNotifyDelivery


class StoredDeletion(TypedDict):
    """One stored :class:`PendingDeletion`."""

    uid: str
    waiting: list[str]


class StoredOutbox(TypedDict):
    """The saved document (version 1)."""

    version: int
    entries: list[StoredEntry]
    delivered: list[tuple[str, float]]
    """``[key, when]`` pairs, oldest first."""
    deletions: dict[str, StoredDeletion]
    dropped: int


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

    def to_json(self) -> StoredOutbox:
        """JSON-ready form of everything that must survive a restart."""
        return {
            "version": OUTBOX_VERSION,
            "entries": [_stored_entry(entry) for entry in self.entries.values()],
            "delivered": list(self.delivered.items()),
            "deletions": {
                sid: {"uid": pending.uid, "waiting": sorted(pending.waiting)}
                for sid, pending in self.deletions.items()
            },
            "dropped": self.dropped,
        }

    def load(self, data: Mapping[str, Any] | None) -> None:
        """Replace the contents with a saved document; damaged parts are skipped with a warning."""
        self.entries.clear()
        self.delivered.clear()
        self.deletions.clear()
        self.dropped = 0
        if data is None:
            return
        if not isinstance(data, Mapping) or data.get("version") != OUTBOX_VERSION:
            _LOGGER.warning("Outbox has an unknown format; starting with an empty outbox")
            return
        damaged = 0
        for raw in data.get("entries") or []:
            try:
                entry = _entry_from_stored(raw)
            except _DAMAGE:
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


def _stored_entry(entry: OutboxEntry) -> StoredEntry:
    return {
        "target": entry.target,
        "kind": entry.kind,
        "rule": entry.rule,
        "summary_id": entry.summary_id,
        "uid": entry.uid,
        "label": entry.label,
        "created": entry.created,
        "next_attempt": entry.next_attempt,
        "attempts": entry.attempts,
        "last_error": entry.last_error,
        "data": _stored_delivery(entry.delivery),
    }


def _stored_delivery(delivery: Delivery) -> StoredMqttDelivery | StoredNotifyDelivery:
    match delivery:
        case MqttDelivery():
            return {
                "topic": delivery.topic,
                "payload": delivery.payload,
                "qos": delivery.qos,
                "retain": delivery.retain,
            }
        case NotifyDelivery():
            return {
                "channel": delivery.channel,
                "fingerprint": delivery.fingerprint,
                "title": delivery.title,
                "body": delivery.body,
                "format": delivery.body_format.value,
                "attachments": delivery.attachments,
            }


def _entry_from_stored(raw: Any) -> OutboxEntry:
    """Inverse of :func:`_stored_entry`; raises one of :data:`_DAMAGE` for a damaged record."""
    data = raw.get("data") or {}
    delivery: Delivery
    match raw["kind"]:
        case "mqtt":
            delivery = _mqtt_from_stored(data)
        case "notify":
            delivery = _notify_from_stored(data)
        case unknown:
            raise ValueError(f"unknown delivery kind {unknown!r}")
    last_error = raw.get("last_error")
    return OutboxEntry(
        target=str(raw["target"]),
        rule=str(raw["rule"]),
        summary_id=str(raw["summary_id"]),
        uid=str(raw["uid"]),
        label=str(raw["label"]),
        created=float(raw["created"]),
        next_attempt=float(raw["next_attempt"]),
        attempts=int(raw.get("attempts", 0)),
        last_error=None if last_error is None else str(last_error),
        delivery=delivery,
    )


def _mqtt_from_stored(data: Any) -> MqttDelivery:
    return MqttDelivery(
        topic=str(data["topic"]),
        payload=str(data["payload"]),
        qos=int(data["qos"]),
        retain=bool(data["retain"]),
    )


def _notify_from_stored(data: Any) -> NotifyDelivery:
    fingerprint = data.get("fingerprint")
    return NotifyDelivery(
        channel=str(data["channel"]),
        fingerprint=None if fingerprint is None else str(fingerprint),
        title=str(data["title"]),
        body=str(data["body"]),
        body_format=BodyFormat(data["format"]),
        attachments=int(data.get("attachments") or 0),
    )
