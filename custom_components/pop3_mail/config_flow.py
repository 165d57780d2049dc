"""UI setup: add a mailbox, re-enter its password, change its server, tune polling."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from pop3_mail.dispatch.notify import invalid_urls, load_targets
from pop3_mail.dispatch.rules import RuleError, parse_rule
from pop3_mail.errors import ConfigError, Pop3Error
from pop3_mail.settings import DEFAULT_PORTS, Security

from . import rules_form
from .const import (
    CONF_CAFILE,
    CONF_COUNT_EXISTING_AS_UNREAD,
    CONF_INSECURE_CONFIRMED,
    CONF_MAX_NEW_PER_POLL,
    CONF_RULES,
    CONF_SCAN_INTERVAL,
    CONF_SECURITY,
    CONF_SNIPPET_LENGTH,
    DEFAULT_MAX_NEW_PER_POLL,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_SNIPPET_LENGTH,
    DOMAIN,
    LOGGER,
    MAX_MAX_NEW_PER_POLL,
    MAX_SCAN_INTERVAL,
    MAX_SNIPPET_LENGTH,
    MIN_SCAN_INTERVAL,
)
from .coordinator import Pop3MailConfigEntry
from .login import async_try_login, error_key, settings_from_data
from .mqtt_publisher import mqtt_available
from .rules_form import form_values, rule_from_form, rule_schema, stored_urls

SECURITY_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[mode.value for mode in Security],
        translation_key=CONF_SECURITY,
        mode=SelectSelectorMode.DROPDOWN,
    )
)
PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)
USERNAME_SELECTOR = TextSelector(TextSelectorConfig(autocomplete="username"))


def _server_fields(*, advanced: bool) -> dict[vol.Marker, Any]:
    fields: dict[vol.Marker, Any] = {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_SECURITY, default=Security.SSL.value): SECURITY_SELECTOR,
        vol.Optional(CONF_PORT): cv.port,
        vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
    }
    if advanced:
        fields[vol.Optional(CONF_CAFILE)] = TextSelector()
    return fields


def _user_schema(*, advanced: bool) -> vol.Schema:
    return vol.Schema(
        {
            **_server_fields(advanced=advanced),
            vol.Required(CONF_USERNAME): USERNAME_SELECTOR,
            vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR,
            # Decided by the very first check, which runs during setup: so it is asked here
            # (and stored as an option), not in the options flow where it could change nothing.
            vol.Required(CONF_COUNT_EXISTING_AS_UNREAD, default=False): BooleanSelector(),
        }
    )


RULE = "rule"
TEMPLATE_EXAMPLES = {
    "topic_example": "home/mail/{{ from_address }}",
    "default_title": "New mail from {{ sender }}",
}
"""Templates quoted in the rule form's help texts. They go in as placeholders: the frontend
reads translations as ICU messages, where ``{{`` is a syntax error."""
RULES = "rules"
NONE = "-"

REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR})
INSECURE_SCHEMA = vol.Schema({vol.Required(CONF_INSECURE_CONFIRMED, default=False): bool})


def _normalised(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Entry data: trimmed host, the port made explicit, no empty CA file."""
    data = dict(user_input)
    data[CONF_HOST] = str(data[CONF_HOST]).strip()
    security = Security(data[CONF_SECURITY])
    if data.get(CONF_PORT) is None:
        data[CONF_PORT] = DEFAULT_PORTS[security]
    if cafile := str(data.get(CONF_CAFILE) or "").strip():
        data[CONF_CAFILE] = cafile
    else:
        data.pop(CONF_CAFILE, None)
    if security is not Security.PLAIN:
        data.pop(CONF_INSECURE_CONFIRMED, None)
    return data


def _unique_id(data: Mapping[str, Any]) -> str:
    """``username@host:port`` with the host in lower case (one entry per maildrop)."""
    return f"{data[CONF_USERNAME]}@{str(data[CONF_HOST]).lower()}:{data[CONF_PORT]}"


def _without_password(user_input: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Entered values to show again, minus the password (never echoed to the browser)."""
    if user_input is None:
        return None
    return {key: value for key, value in user_input.items() if key != CONF_PASSWORD}


def _title(data: Mapping[str, Any]) -> str:
    username = str(data[CONF_USERNAME])
    return username if "@" in username else f"{username}@{data[CONF_HOST]}"


class Pop3MailConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a mailbox after a successful login."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing entered."""
        self._pending: dict[str, Any] = {}
        self._placeholders: dict[str, str] = {"error": ""}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: Pop3MailConfigEntry) -> Pop3MailOptionsFlow:
        """Polling options."""
        return Pop3MailOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Server, security and credentials."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _normalised(user_input)
            await self.async_set_unique_id(_unique_id(data))
            self._abort_if_unique_id_configured()
            if self._needs_confirmation(data):
                self._pending = data
                return await self.async_step_insecure()
            errors = await self._async_try(data)
            if not errors:
                count_existing = bool(data.pop(CONF_COUNT_EXISTING_AS_UNREAD, False))
                return self.async_create_entry(
                    title=_title(data),
                    data=data,
                    options={CONF_COUNT_EXISTING_AS_UNREAD: count_existing},
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _user_schema(advanced=self.show_advanced_options), _without_password(user_input)
            ),
            errors=errors,
            description_placeholders=self._placeholders,
        )

    async def async_step_insecure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Make the user confirm that the password will travel unencrypted."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input[CONF_INSECURE_CONFIRMED]:
                data = {**self._pending, CONF_INSECURE_CONFIRMED: True}
                if self.source == SOURCE_RECONFIGURE:
                    return await self.async_step_reconfigure(data)
                return await self.async_step_user(data)
            errors[CONF_INSECURE_CONFIRMED] = "insecure_not_confirmed"
        return self.async_show_form(
            step_id="insecure",
            data_schema=INSECURE_SCHEMA,
            errors=errors,
            description_placeholders={"host": str(self._pending[CONF_HOST])},
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The server rejected the login: ask for the password again."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The new password, checked by logging in."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_PASSWORD: user_input[CONF_PASSWORD]}
            errors = await self._async_try(data)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_PASSWORD: user_input[CONF_PASSWORD]}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={
                **self._placeholders,
                CONF_USERNAME: str(entry.data[CONF_USERNAME]),
            },
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change server, port or security; the mailbox's state is kept."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _normalised({**entry.data, **user_input})
            if self.show_advanced_options and CONF_CAFILE not in user_input:
                data.pop(CONF_CAFILE, None)  # the user emptied the field
            unique_id = _unique_id(data)
            if unique_id != entry.unique_id:
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
            if self._needs_confirmation(data):
                self._pending = data
                return await self.async_step_insecure()
            errors = await self._async_try(data)
            if not errors:
                title = _title(data) if entry.title == _title(entry.data) else entry.title
                return self.async_update_reload_and_abort(
                    entry, unique_id=unique_id, title=title, data=data
                )
        suggested = _without_password(user_input if user_input is not None else entry.data)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(_server_fields(advanced=self.show_advanced_options)), suggested
            ),
            errors=errors,
            description_placeholders=self._placeholders,
        )

    def _needs_confirmation(self, data: Mapping[str, Any]) -> bool:
        return data[CONF_SECURITY] == Security.PLAIN and not data.get(CONF_INSECURE_CONFIRMED)

    async def _async_try(self, data: Mapping[str, Any]) -> dict[str, str]:
        """Log in with ``data``; form errors (empty when it worked)."""
        try:
            await async_try_login(self.hass, settings_from_data(data))
        except ConfigError as err:
            self._placeholders["error"] = str(err)
            return {"base": "invalid_settings"}
        except Pop3Error as err:
            self._placeholders["error"] = str(err)
            return {"base": error_key(err)}
        except Exception:
            LOGGER.exception("Unexpected error while testing the login to %s", data[CONF_HOST])
            return {"base": "unknown"}
        return {}


def _whole_number(minimum: int, maximum: int, unit: str | None = None) -> vol.All:
    """A number box that yields an ``int``."""
    config = NumberSelectorConfig(min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return vol.All(NumberSelector(config), vol.Coerce(int))


def _options_schema(login_delay: int | None) -> vol.Schema:
    minimum = max(MIN_SCAN_INTERVAL, login_delay or 0)
    return vol.Schema(
        {
            vol.Required(
                CONF_SCAN_INTERVAL, default=max(DEFAULT_SCAN_INTERVAL, minimum)
            ): _whole_number(minimum, MAX_SCAN_INTERVAL, "s"),
            vol.Required(CONF_SNIPPET_LENGTH, default=DEFAULT_SNIPPET_LENGTH): _whole_number(
                0, MAX_SNIPPET_LENGTH
            ),
            vol.Required(CONF_MAX_NEW_PER_POLL, default=DEFAULT_MAX_NEW_PER_POLL): _whole_number(
                1, MAX_MAX_NEW_PER_POLL
            ),
        }
    )


class Pop3MailOptionsFlow(OptionsFlow):
    """Polling settings, and the rules that send new mail to MQTT and push services."""

    def __init__(self) -> None:
        """Nothing chosen yet."""
        self._editing: int | None = None

    def _rules(self) -> list[dict[str, Any]]:
        return list(self.config_entry.options.get(CONF_RULES, []))

    def _save(self, **changes: Any) -> ConfigFlowResult:
        return self.async_create_entry(data={**self.config_entry.options, **changes})

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """What to change."""
        rules = self._rules()
        menu = ["settings", "add_rule"] + (["edit_rule", "delete_rule"] if rules else [])
        return self.async_show_menu(
            step_id="init",
            menu_options=menu,
            description_placeholders={
                "rules": ", ".join(rule[rules_form.NAME] for rule in rules) or NONE
            },
        )

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """How often and how much to fetch."""
        entry: Pop3MailConfigEntry = self.config_entry
        login_delay = (
            entry.runtime_data.mailbox.login_delay
            if entry.state is ConfigEntryState.LOADED
            else None
        )
        if user_input is not None:
            return self._save(**user_input)
        return self.async_show_form(
            step_id="settings",
            data_schema=self.add_suggested_values_to_schema(
                _options_schema(login_delay), entry.options
            ),
            description_placeholders={"login_delay": str(login_delay or 0)},
        )

    async def async_step_add_rule(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A new rule, appended after the existing ones."""
        return await self._rule_form("add_rule", None, user_input)

    async def async_step_edit_rule(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Which rule to change."""
        if user_input is not None:
            self._editing = int(user_input[RULE])
            return await self.async_step_change_rule()
        return self.async_show_form(
            step_id="edit_rule",
            data_schema=vol.Schema({vol.Required(RULE): self._rule_selector(multiple=False)}),
        )

    async def async_step_change_rule(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The chosen rule's form."""
        return await self._rule_form("change_rule", self._editing, user_input)

    async def async_step_delete_rule(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Remove rules (deliveries of theirs still waiting in the outbox are dropped)."""
        if user_input is not None:
            doomed = {int(index) for index in user_input[RULES]}
            kept = [rule for index, rule in enumerate(self._rules()) if index not in doomed]
            return self._save(**{CONF_RULES: kept})
        return self.async_show_form(
            step_id="delete_rule",
            data_schema=vol.Schema({vol.Required(RULES): self._rule_selector(multiple=True)}),
        )

    def _rule_selector(self, *, multiple: bool) -> SelectSelector:
        return SelectSelector(
            SelectSelectorConfig(
                options=[
                    SelectOptionDict(value=str(index), label=rule[rules_form.NAME])
                    for index, rule in enumerate(self._rules())
                ],
                multiple=multiple,
                mode=SelectSelectorMode.LIST,
            )
        )

    async def _rule_form(
        self, step_id: str, index: int | None, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        rules = self._rules()
        previous = rules[index] if index is not None else None
        placeholders = {
            "error": "",
            "urls": await self._privacy_urls(previous),
            **TEMPLATE_EXAMPLES,
        }
        errors: dict[str, str] = {}
        suggested: dict[str, Any] | None = form_values(previous) if previous else None
        if user_input is not None:
            rule = rule_from_form(user_input, stored_urls(previous))
            errors = await self._validate(rule, index, placeholders)
            if not errors:
                if index is None:
                    rules.append(rule)
                else:
                    rules[index] = rule
                return self._save(**{CONF_RULES: rules})
            suggested = _without_urls(user_input)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(rule_schema(), suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _validate(
        self, rule: dict[str, Any], index: int | None, placeholders: dict[str, str]
    ) -> dict[str, str]:
        """Form errors for ``rule`` (empty when it can be saved)."""
        rules = self._rules()
        if any(
            other[rules_form.NAME] == rule[rules_form.NAME]
            for position, other in enumerate(rules)
            if position != index
        ):
            return {rules_form.NAME: "duplicate_name"}
        try:
            parse_rule(rule, len(rules) if index is None else index)
        except RuleError as err:
            placeholders["error"] = str(err)
            return {"base": "invalid_rule"}
        kinds = {kind for action in rule["actions"] for kind in action}
        if rules_form.MQTT in kinds and not mqtt_available(self.hass):
            return {"base": "mqtt_not_set_up"}
        notify = next(
            (
                action[rules_form.NOTIFY]
                for action in rule["actions"]
                if rules_form.NOTIFY in action
            ),
            None,
        )
        if notify is not None:
            bad = await self.hass.async_add_executor_job(
                invalid_urls, notify.get(rules_form.URLS, [])
            )
            if bad:
                placeholders["error"] = ", ".join(f"#{position + 1}" for position in bad)
                return {"base": "invalid_notify_url"}
            config = notify.get("config")
            if config and not await self.hass.async_add_executor_job(_readable_file, config):
                placeholders["error"] = config
                return {"base": "notify_config_unreadable"}
        return {}

    async def _privacy_urls(self, rule: dict[str, Any] | None) -> str:
        """The stored URLs as apprise shows them with secrets masked (for the description)."""
        urls = stored_urls(rule)
        if not urls:
            return NONE
        loaded = await self.hass.async_add_executor_job(load_targets, urls, None, ())
        # Without apprise's long list of default query parameters: just which service.
        labels = [target.label.partition("?")[0] for target in loaded.targets]
        return ", ".join(labels) or NONE


def _without_urls(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Entered values to show again, minus the apprise URLs (secrets)."""
    values = dict(user_input)
    notify = dict(values.get(rules_form.NOTIFY) or {})
    notify.pop(rules_form.URLS, None)
    values[rules_form.NOTIFY] = notify
    return values


def _readable_file(path: str) -> bool:
    """Whether ``path`` is a file Home Assistant can read (blocking)."""
    return Path(path).is_file() and os.access(path, os.R_OK)
