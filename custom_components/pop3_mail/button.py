"""Buttons of a mailbox: check now, mark everything read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import Pop3MailConfigEntry, Pop3MailCoordinator
from .entity import Pop3MailEntity

# One press at a time per platform: each press may open a POP3 session.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class Pop3MailButtonDescription(ButtonEntityDescription):
    """What a press does."""

    press_fn: Callable[[Pop3MailCoordinator], Awaitable[Any]]


BUTTONS = (
    Pop3MailButtonDescription(
        key="check_now",
        translation_key="check_now",
        press_fn=lambda coordinator: coordinator.async_check_now(),
    ),
    Pop3MailButtonDescription(
        key="mark_read",
        translation_key="mark_read",
        press_fn=lambda coordinator: coordinator.async_mark_read(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: Pop3MailConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the mailbox's buttons."""
    coordinator = entry.runtime_data
    async_add_entities(Pop3MailButton(coordinator, description) for description in BUTTONS)


class Pop3MailButton(Pop3MailEntity, ButtonEntity):
    """Runs the mailbox action of its description."""

    entity_description: Pop3MailButtonDescription

    async def async_press(self) -> None:
        """Run the action; errors reach the UI translated."""
        await self.entity_description.press_fn(self.coordinator)
