"""POP3 Mail: unread counters, the latest subject and one event per new message."""

from __future__ import annotations

from types import MappingProxyType

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .connection import async_get_ssl_context, settings_from_data
from .const import DOMAIN
from .coordinator import Pop3MailConfigEntry, Pop3MailCoordinator, now_timestamp
from .dispatch import OUTBOX_STORE, async_start_dispatcher
from .engine.errors import ConfigError
from .engine.mailbox import Mailbox
from .issues import async_clear_issues
from .options import poll_options, scan_interval
from .services import async_setup_services
from .store import EntryStore

PLATFORMS = [Platform.BUTTON, Platform.EVENT, Platform.SENSOR]
SEEN_STORE = "seen"

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions (once, for every entry)."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: Pop3MailConfigEntry) -> bool:
    """Check the mailbox once, then create its entities."""
    try:
        settings = settings_from_data(entry.data)
        ssl_context = await async_get_ssl_context(hass, settings)
    except ConfigError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="invalid_settings",
            translation_placeholders={"error": str(err)},
        ) from err
    mailbox = Mailbox(
        settings,
        EntryStore(hass, entry.entry_id, SEEN_STORE),
        poll_options(entry.options),
        ssl_context=ssl_context,
        clock=now_timestamp,
    )
    coordinator = Pop3MailCoordinator(
        hass, entry, mailbox, scan_interval=scan_interval(entry.options)
    )
    coordinator.dispatcher = await async_start_dispatcher(hass, entry, mailbox)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    options = MappingProxyType(dict(entry.options))

    async def _options_updated(hass: HomeAssistant, entry: Pop3MailConfigEntry) -> None:
        # Reauth and reconfigure reload by themselves; only option changes need it here.
        if entry.options != options:
            hass.config_entries.async_schedule_reload(entry.entry_id)

    entry.async_on_unload(entry.add_update_listener(_options_updated))
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
