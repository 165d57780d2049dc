"""POP3 Mail: unread counters, the latest subject and one event per new message."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

# First: every module below imports the engine by its name ``pop3_mail``.
from . import bundled_engine  # noqa: F401  isort: skip
from .const import DOMAIN
from .coordinator import Pop3MailConfigEntry
from .issues import async_clear_issues
from .rule_entries import async_migrate_entry, rules_of
from .runtime import async_create_coordinator
from .services import async_setup_services
from .store import OUTBOX_STORE, SEEN_STORE, EntryStore

PLATFORMS = [Platform.BUTTON, Platform.EVENT, Platform.SENSOR]

__all__ = ["async_migrate_entry", "async_setup", "async_setup_entry", "async_unload_entry"]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions (once, for every entry)."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: Pop3MailConfigEntry) -> bool:
    """Check the mailbox once, then create its entities."""
    coordinator = await async_create_coordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    rules = rules_of(entry.subentries)

    async def _entry_updated(hass: HomeAssistant, entry: Pop3MailConfigEntry) -> None:
        # Reauth and reconfigure reload by themselves. Polling options apply without a reload
        # (a reload makes every entity unavailable and back, which the logbook records); new
        # rules need a new dispatcher, so they reload.
        if rules_of(entry.subentries) != rules:
            hass.config_entries.async_schedule_reload(entry.entry_id)
        else:
            entry.runtime_data.async_apply_options(entry.options)

    entry.async_on_unload(entry.add_update_listener(_entry_updated))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: Pop3MailConfigEntry) -> bool:
    """Remove the entities; the seen-message state stays in storage."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        async_clear_issues(hass, entry.entry_id)
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: Pop3MailConfigEntry) -> None:
    """Forget the mailbox's stored state, its outbox and its repair issues."""
    async_clear_issues(hass, entry.entry_id)
    await EntryStore(hass, entry.entry_id, SEEN_STORE).remove()
    await EntryStore(hass, entry.entry_id, OUTBOX_STORE).remove()
