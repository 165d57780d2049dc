"""MQTT rule actions published through Home Assistant's own MQTT integration.

``mqtt.async_publish`` waits for the broker's acknowledgement (PUBACK for QoS 1, PUBCOMP for
QoS 2) but, in Home Assistant 2025.4, gives up after ten seconds with only a log warning and
returns as if all was well. A delivery counts here only when the client was connected before
and after the publish and the answer came in time; anything else is a ``DeliveryError``, so
the outbox retries: a rare duplicate (consumers de-duplicate on the payload's ``id``) rather
than a lost message.
"""

from __future__ import annotations

from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from pop3_mail.dispatch.publisher import DeliveryError

ACK_TIMEOUT = 10.0
"""``homeassistant.components.mqtt.client.TIMEOUT_ACK``: after this the wait ends silently."""


def mqtt_available(hass: HomeAssistant) -> bool:
    """Whether Home Assistant's MQTT integration is set up (and not disabled)."""
    return mqtt.mqtt_config_entry_enabled(hass) is True


class HomeAssistantMqttPublisher:
    """The engine's ``MqttPublisher`` on top of Home Assistant's MQTT client."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Publish through ``hass``'s MQTT integration."""
        self._hass = hass

    async def publish(self, topic: str, payload: str, *, qos: int, retain: bool) -> None:
        """Return once the broker has the message; ``DeliveryError`` otherwise."""
        if not mqtt_available(self._hass):
            raise DeliveryError("Home Assistant's MQTT integration is not set up")
        if not self._connected():
            # Not even handing it over: paho would keep it in memory and send it after a
            # reconnect, and the outbox retry would then deliver it a second time.
            raise DeliveryError("Home Assistant is not connected to the MQTT broker")
        loop = self._hass.loop
        started = loop.time()
        try:
            await mqtt.async_publish(self._hass, topic, payload, qos=qos, retain=retain)
        except HomeAssistantError as err:
            raise DeliveryError(f"MQTT publish failed: {err}") from None
        if qos > 0 and (loop.time() - started >= ACK_TIMEOUT or not self._connected()):
            raise DeliveryError("the MQTT broker did not acknowledge the message")

    def _connected(self) -> bool:
        try:
            return mqtt.is_connected(self._hass)
        except KeyError:  # the integration is being set up or unloaded right now
            return False
