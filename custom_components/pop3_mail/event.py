"""The event entity ``mail``: one ``received`` event per new message (a UI trigger)."""

from __future__ import annotations

from homeassistant.components.event import (
    EventEntity,
    EventEntityDescription,
    EventExtraStoredData,
)
from homeassistant.core import CoreState, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from pop3_mail.mail.model import MailSummary

from .const import ATTRIBUTES_BUDGET, EVENT_TYPE_RECEIVED
from .coordinator import Pop3MailConfigEntry
from .entity import Pop3MailEntity
from .mail_data import fit_to_budget, summary_data

PARALLEL_UPDATES = 0

MAIL_EVENT = EventEntityDescription(
    key="mail",
    translation_key="mail",
    event_types=[EVENT_TYPE_RECEIVED],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: Pop3MailConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the mailbox's event entity."""
    async_add_entities([Pop3MailEventEntity(entry.runtime_data, MAIL_EVENT)])


class Pop3MailEventEntity(Pop3MailEntity, EventEntity):
    """Fires ``received`` with the message summary as attributes."""

    async def async_get_last_event_data(self) -> EventExtraStoredData | None:
        """The last event from before a restart; none after a reload.

        A reload (new rules, reauth, reconfigure) makes the entity unavailable and then
        restores it: the logbook would read the restored timestamp as a new event and show
        "detected an event" although no mail came. After a restart there is no such step.
        """
        if self.hass.state is CoreState.running:
            return None
        return await super().async_get_last_event_data()

    async def async_added_to_hass(self) -> None:
        """Listen for announced mail while the entity exists."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_mail_listener(self._handle_mail))

    @callback
    def _handle_mail(self, summary: MailSummary) -> None:
        attributes = summary_data(summary, self.coordinator.mailbox.account_key)
        self._trigger_event(EVENT_TYPE_RECEIVED, fit_to_budget(attributes, ATTRIBUTES_BUDGET))
        self.async_write_ha_state()
