"""What one delivery is: an outbox entry and its typed payload, an MQTT message or a notification.

How they are stored is the outbox's business (:mod:`.outbox`); here they are plain records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from .rules import BodyFormat

DeliveryKind = Literal["mqtt", "notify"]
"""The channel a delivery goes out through; the first part of its target."""


@dataclass(frozen=True, slots=True)
class MqttDelivery:
    """An MQTT message: the rendered topic and the message summary as JSON."""

    kind: ClassVar[Literal["mqtt"]] = "mqtt"

    topic: str
    payload: str
    qos: int
    retain: bool


@dataclass(frozen=True, slots=True)
class NotifyDelivery:
    """A notification through one apprise service of a notify action, title and body rendered.

    ``channel`` names the notify action (``<rule>#<n>``), ``fingerprint`` the service; ``None``
    makes it a placeholder for the services of the action that could not be loaded yet.
    ``attachments`` counts the attachments it had when it was queued: they are held in memory
    only, so a retry after a restart knows that it goes without them.
    """

    kind: ClassVar[Literal["notify"]] = "notify"

    channel: str
    fingerprint: str | None
    title: str
    body: str
    body_format: BodyFormat
    attachments: int = 0


Delivery = MqttDelivery | NotifyDelivery


@dataclass(slots=True, kw_only=True)
class OutboxEntry:
    """One delivery of one message to one target.

    ``target`` identifies the destination (``mqtt:<rule>#<n>`` or
    ``notify:<rule>#<n>:<fingerprint>``); ``label`` describes it safely for logs and status
    (the topic, or apprise's privacy URL). ``delivery`` is what to send.
    """

    target: str
    rule: str
    summary_id: str
    uid: str
    label: str
    created: float
    next_attempt: float
    delivery: Delivery
    attempts: int = 0
    last_error: str | None = None

    @property
    def kind(self) -> DeliveryKind:
        """The channel the delivery goes out through (given by its payload)."""
        return self.delivery.kind

    @property
    def key(self) -> str:
        """Identity of the delivery: message and target."""
        return delivery_key(self.summary_id, self.target)


def delivery_key(summary_id: str, target: str) -> str:
    """Key of one (message, target) pair."""
    return f"{summary_id}|{target}"
