"""The options flow: how often and how much to fetch.

The number boxes do not enforce their limits themselves: a selector's own check would answer
with voluptuous's "Value 10.0 is too small", so the step checks the range and says it in
the user's words, on the field.
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)

from ..const import (
    CONF_MAX_NEW_PER_POLL,
    CONF_SCAN_INTERVAL,
    CONF_SNIPPET_LENGTH,
    DEFAULT_MAX_NEW_PER_POLL,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_SNIPPET_LENGTH,
    MAX_MAX_NEW_PER_POLL,
    MAX_SCAN_INTERVAL,
    MAX_SNIPPET_LENGTH,
    MIN_SCAN_INTERVAL,
)
from ..coordinator import Pop3MailConfigEntry


def _number_box(unit: str | None = None) -> NumberSelector:
    """A number box without limits of its own (the step checks them, see the module)."""
    config = NumberSelectorConfig(step=1, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def limits(login_delay: int | None) -> dict[str, tuple[int, int]]:
    """(minimum, maximum) of each option; checks are never more frequent than LOGIN-DELAY."""
    return {
        CONF_SCAN_INTERVAL: (max(MIN_SCAN_INTERVAL, login_delay or 0), MAX_SCAN_INTERVAL),
        CONF_SNIPPET_LENGTH: (0, MAX_SNIPPET_LENGTH),
        CONF_MAX_NEW_PER_POLL: (1, MAX_MAX_NEW_PER_POLL),
    }


def options_schema(login_delay: int | None) -> vol.Schema:
    """The options form."""
    minimum = limits(login_delay)[CONF_SCAN_INTERVAL][0]
    return vol.Schema(
        {
            vol.Required(
                CONF_SCAN_INTERVAL, default=max(DEFAULT_SCAN_INTERVAL, minimum)
            ): _number_box("s"),
            vol.Required(CONF_SNIPPET_LENGTH, default=DEFAULT_SNIPPET_LENGTH): _number_box(),
            vol.Required(CONF_MAX_NEW_PER_POLL, default=DEFAULT_MAX_NEW_PER_POLL): _number_box(),
        }
    )


def limit_placeholders(login_delay: int | None) -> dict[str, str]:
    """The texts' placeholders: every option's limits (the server's LOGIN-DELAY included)."""
    placeholders: dict[str, str] = {}
    for key, (minimum, maximum) in limits(login_delay).items():
        placeholders[f"{key}_min"] = str(minimum)
        placeholders[f"{key}_max"] = str(maximum)
    return placeholders


def range_errors(values: dict[str, Any], login_delay: int | None) -> dict[str, str]:
    """Field errors for values out of range, all at once."""
    errors: dict[str, str] = {}
    for key, (minimum, maximum) in limits(login_delay).items():
        value = values[key]
        if value != int(value) or not minimum <= value <= maximum:
            errors[key] = f"{key}_range"
    return errors


class Pop3MailOptionsFlow(OptionsFlow):
    """Polling settings; the rules are subentries (``flows/rules.py``)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """How often and how much to fetch."""
        entry: Pop3MailConfigEntry = self.config_entry
        login_delay = (
            entry.runtime_data.mailbox.login_delay
            if entry.state is ConfigEntryState.LOADED
            else None
        )
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = range_errors(user_input, login_delay)
            if not errors:
                values = {key: int(value) for key, value in user_input.items()}
                return self.async_create_entry(data={**entry.options, **values})
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                options_schema(login_delay),
                user_input if user_input is not None else entry.options,
            ),
            errors=errors,
            description_placeholders=limit_placeholders(login_delay),
        )
