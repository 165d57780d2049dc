"""Sensors of a mailbox: unread, messages, latest subject, last checked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import MAX_LENGTH_STATE_STATE, EntityCategory, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import Pop3MailConfigEntry
from .engine.mailbox import PollResult
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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: Pop3MailConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the mailbox's sensors."""
    coordinator = entry.runtime_data
    async_add_entities(Pop3MailSensor(coordinator, description) for description in SENSORS)


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
