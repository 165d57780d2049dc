"""What one config entry runs: its mailbox, its dispatcher and the coordinator over both."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError

from pop3_mail.errors import ConfigError
from pop3_mail.mailbox import Mailbox

from .const import DOMAIN
from .coordinator import Pop3MailConfigEntry, Pop3MailCoordinator, now_timestamp
from .entry_dispatcher import async_start_dispatcher
from .login import async_get_ssl_context, settings_from_data
from .oauth_tokens import async_with_tokens
from .options import poll_options, scan_interval
from .store import SEEN_STORE, EntryStore


async def async_create_coordinator(
    hass: HomeAssistant, entry: Pop3MailConfigEntry
) -> Pop3MailCoordinator:
    """Build the entry's mailbox and dispatcher and the coordinator that polls them.

    Raises:
        ConfigEntryError: the entry's settings cannot work (a CA file that does not load, a
            line break in a field); retrying would not help.

    """
    try:
        settings = await async_with_tokens(hass, entry, settings_from_data(hass, entry.data))
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
        executor_runner=hass.async_add_executor_job,  # large mail is parsed off the loop
    )
    dispatcher = await async_start_dispatcher(hass, entry, mailbox)
    return Pop3MailCoordinator(
        hass, entry, mailbox, dispatcher, scan_interval=scan_interval(entry.options)
    )
