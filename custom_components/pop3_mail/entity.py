"""Base class of the entities of one mailbox (one service device per config entry)."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import Pop3MailCoordinator


class Pop3MailEntity(CoordinatorEntity[Pop3MailCoordinator]):
    """An entity of a mailbox; named by its translation key, unique per entry."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: Pop3MailCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the mailbox's device."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        # The entry id, not the account, so that a reconfigured server keeps its entities.
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            # No manufacturer or model: the device card would read "<host> by POP3".
            entry_type=DeviceEntryType.SERVICE,
        )
