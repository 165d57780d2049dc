"""What the dispatcher needs from an MQTT connection, and how delivery failures are reported.

The daemon implements :class:`MqttPublisher` with its paho client
(``daemon.mqtt.AsyncMqttClient``); Home Assistant with its own MQTT integration.
"""

from __future__ import annotations

from typing import Protocol

from ..errors import Pop3MailError


class DeliveryError(Pop3MailError):
    """A message could not be delivered to one target; the outbox retries it later.

    The message is safe to log and show: it never contains a password, a token or an apprise
    URL (only apprise's masked "privacy" form of a URL).
    """


class MqttPublisher(Protocol):
    """Publishes one MQTT message and reports whether the broker took it."""

    async def publish(self, topic: str, payload: str, *, qos: int, retain: bool) -> None:
        """Return only once the message is delivered (PUBACK for QoS 1 and 2).

        Raise :class:`DeliveryError` otherwise (not connected, timeout, refused), so the
        outbox keeps the message and retries.
        """
