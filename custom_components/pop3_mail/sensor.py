"""Sensors of a mailbox: unread, messages, latest subject, last checked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import MAX_LENGTH_STATE_STATE, EntityCategory, UnitOfInformation
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval

from pop3_mail.dispatch.dispatcher import Dispatcher
from pop3_mail.mailbox import PollResult

from .const import OUTBOX_REFRESH_SECONDS
from .coordinator import Pop3MailConfigEntry, Pop3MailCoordinator
from .entity import Pop3MailEntity

# The coordinator polls; entities only read its data.
PARALLEL_UPDATES = 0

type StateValue = str | int | datetime | None


@dataclass(frozen=True, kw_only=True)
class Pop3MailSensorDescription(SensorEntityDescription):
    """How one sensor reads the poll result."""

    value_fn: Callable[[PollResult], StateValue]
    attributes_fn: Callable[[PollResult], Mapping[str, Any] | None] = lambda _result: None


def _latest_subject(result: PollResult) -> str | None:
    if result.latest is None:
        return None
    subject = result.latest.subject
    if len(subject) > MAX_LENGTH_STATE_STATE:
        subject = subject[: MAX_LENGTH_STATE_STATE - 1] + "…"
    return subject


def _latest_attributes(result: PollResult) -> Mapping[str, Any] | None:
    latest = result.latest
    if latest is None:
        return None
    return {
        "from_name": latest.from_name,
        "from_address": latest.from_address,
        "date": latest.date,
        "message_id": latest.message_id,
        "uid": latest.uid,
        "snippet": latest.snippet,
    }


SENSORS = (
    Pop3MailSensorDescription(
        key="unread",
        translation_key="unread",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda result: result.unread,
    ),
    Pop3MailSensorDescription(
        key="messages",
        translation_key="messages",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda result: result.message_count,
        attributes_fn=lambda result: {"total_size": result.total_size},
    ),
    Pop3MailSensorDescription(
        key="latest_subject",
        translation_key="latest_subject",
        value_fn=_latest_subject,
        attributes_fn=_latest_attributes,
    ),
    Pop3MailSensorDescription(
        key="last_checked",
        translation_key="last_checked",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        # Its state changes on every check, and the logbook lists every change of a sensor
        # without a unit: off by default, so that the logbook is not one line per check.
        entity_registry_enabled_default=False,
        value_fn=lambda result: result.checked_at,
    ),
    Pop3MailSensorDescription(
        key="mailbox_size",
        translation_key="mailbox_size",
        device_class=SensorDeviceClass.DATA_SIZE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.MEGABYTES,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda result: result.total_size,
    ),
)


OUTBOX = SensorEntityDescription(
    key="outbox",
    translation_key="outbox",
    state_class=SensorStateClass.MEASUREMENT,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: Pop3MailConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the mailbox's sensors."""
    coordinator = entry.runtime_data
    sensors: list[SensorEntity] = [
        Pop3MailSensor(coordinator, description) for description in SENSORS
    ]
    sensors.append(Pop3MailOutboxSensor(coordinator, coordinator.dispatcher))
    async_add_entities(sensors)


class Pop3MailSensor(Pop3MailEntity, SensorEntity):
    """A value from the latest poll."""

    entity_description: Pop3MailSensorDescription

    @property
    def native_value(self) -> StateValue:
        """The value from the coordinator's data."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Details that do not fit in the state."""
        return self.entity_description.attributes_fn(self.coordinator.data)


class Pop3MailOutboxSensor(Pop3MailEntity, SensorEntity):
    """Deliveries of the rules still waiting for a retry; the last error as an attribute.

    The dispatcher retries on its own schedule, so besides each poll the sensor looks at it
    every few seconds.
    """

    def __init__(self, coordinator: Pop3MailCoordinator, dispatcher: Dispatcher) -> None:
        """Show ``dispatcher``'s status."""
        super().__init__(coordinator, OUTBOX)
        self._dispatcher = dispatcher

    async def async_added_to_hass(self) -> None:
        """Look at the outbox regularly while the entity exists."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_track_time_interval(
                self.hass, self._refresh, timedelta(seconds=OUTBOX_REFRESH_SECONDS)
            )
        )

    @callback
    def _refresh(self, _now: datetime) -> None:
        self.async_write_ha_state()

    @property
    def native_value(self) -> int:
        """Deliveries waiting in the outbox."""
        return self._dispatcher.status.outbox_size

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """The last error (secret-free) and counters."""
        status = self._dispatcher.status.as_dict()
        del status["outbox_size"]
        return status
