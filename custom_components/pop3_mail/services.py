"""The actions ``pop3_mail.check_now`` and ``pop3_mail.mark_read``."""

from __future__ import annotations

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .const import ATTR_CONFIG_ENTRY_ID, ATTR_UID, DOMAIN, SERVICE_CHECK_NOW, SERVICE_MARK_READ
from .coordinator import Pop3MailCoordinator

CHECK_NOW_SCHEMA = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})
MARK_READ_SCHEMA = CHECK_NOW_SCHEMA.extend({vol.Optional(ATTR_UID): cv.string})


def _coordinator(hass: HomeAssistant, call: ServiceCall) -> Pop3MailCoordinator:
    """The coordinator of the entry an action targets, or a translated error."""
    entry_id: str = call.data[ATTR_CONFIG_ENTRY_ID]
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_entry",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    coordinator: Pop3MailCoordinator = entry.runtime_data
    return coordinator


async def _check_now(call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(call.hass, call)
    result = await coordinator.async_check_now()
    return {
        "unread": result.unread,
        "messages": result.message_count,
        "new_messages": len(result.new_messages),
    }


async def _mark_read(call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(call.hass, call)
    unread = await coordinator.async_mark_read(call.data.get(ATTR_UID))
    return {"unread": unread}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_CHECK_NOW,
        _check_now,
        schema=CHECK_NOW_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_MARK_READ,
        _mark_read,
        schema=MARK_READ_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
