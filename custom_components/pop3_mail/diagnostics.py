"""Diagnostics: how the mailbox is polled, without credentials or mail content."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .coordinator import Pop3MailConfigEntry
from .oauth_tokens import CONF_TOKEN
from .rule_entries import rules_of

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME, "account", "urls", CONF_TOKEN}
"""Secrets (apprise URLs of rules, OAuth 2 tokens included), and the account name (it holds the
username)."""


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: Pop3MailConfigEntry
) -> dict[str, Any]:
    """Settings, schedule and the last poll's figures; no subjects, senders or snippets."""
    coordinator = entry.runtime_data
    result = coordinator.data
    error = coordinator.poll_error
    dispatcher = coordinator.dispatcher
    return {
        "data": async_redact_data(dict(entry.data), TO_REDACT),
        "options": async_redact_data(dict(entry.options), TO_REDACT),
        "rules": async_redact_data(rules_of(entry.subentries), TO_REDACT),
        "schedule": {
            "configured_interval": coordinator.configured_interval,
            "interval": coordinator.interval,
            "login_delay": coordinator.mailbox.login_delay,
            "last_update_success": coordinator.last_update_success,
            "poll_error": None if error is None else f"{type(error).__name__}: {error}",
        },
        "last_poll": {
            "checked_at": result.checked_at.isoformat(),
            "message_count": result.message_count,
            "total_size": result.total_size,
            "unread": result.unread,
            "new_messages": len(result.new_messages),
            "remaining_new": result.remaining_new,
            "baseline": result.baseline,
            "storm": result.storm,
            "capabilities": result.capabilities.as_list(),
            "timings": result.timings.as_dict(),
        },
        "dispatch": dispatcher.status.as_dict(),
    }
