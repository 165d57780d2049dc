"""The MQTT side of delivery: publishing through the host's connection, when there is one."""

from __future__ import annotations

from .deliveries import MqttDelivery
from .publisher import DeliveryError, MqttPublisher


class MqttChannel:
    """Publishes MQTT deliveries through ``publisher`` (``None``: no MQTT is configured)."""

    def __init__(self, publisher: MqttPublisher | None) -> None:
        """Publish through ``publisher``."""
        self._publisher = publisher

    async def send(self, delivery: MqttDelivery) -> None:
        """Publish ``delivery``; returns once the broker took it.

        Raises:
            DeliveryError: there is no MQTT connection, or the broker did not take it.
        """
        if self._publisher is None:
            raise DeliveryError("no MQTT connection is configured")
        await self._publisher.publish(
            delivery.topic, delivery.payload, qos=delivery.qos, retain=delivery.retain
        )
