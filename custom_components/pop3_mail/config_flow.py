"""UI setup: add a mailbox, re-enter its password, change its server; options and rules.

Home Assistant looks for the config flow in this module; the forms live in ``flows/``, the first
step and the OAuth 2 sign-in (Microsoft, Google) in ``oauth_flow``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlowResult,
    ConfigSubentryFlow,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import callback

from .const import (
    CONF_COUNT_EXISTING_AS_UNREAD,
    CONF_INSECURE_CONFIRMED,
    CONFIG_VERSION,
    DOMAIN,
    SUBENTRY_RULE,
)
from .coordinator import Pop3MailConfigEntry
from .flows.connection import (
    REAUTH_SCHEMA,
    async_login_errors,
    entry_data,
    form_values,
    is_certificate_error,
    needs_confirmation,
    reconfigure_schema,
    title,
    unique_id,
    user_schema,
)
from .flows.rules import RuleSubentryFlow
from .flows.settings import Pop3MailOptionsFlow
from .oauth_flow import OAuthSteps
from .oauth_tokens import CONF_TOKEN, async_fresh_token, is_oauth


class Pop3MailConfigFlow(OAuthSteps, domain=DOMAIN):
    """Add a mailbox after a successful login."""

    VERSION = CONFIG_VERSION

    def __init__(self) -> None:
        """Start with nothing entered."""
        super().__init__()
        self._pending: dict[str, Any] = {}
        self._placeholders: dict[str, str] = {"error": "", "host": ""}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: Pop3MailConfigEntry) -> Pop3MailOptionsFlow:
        """Polling options."""
        return Pop3MailOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Rules are child items of the mailbox, each added, changed or deleted on its own."""
        return {SUBENTRY_RULE: RuleSubentryFlow}

    async def async_step_password(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Server, security and credentials."""
        errors: dict[str, str] = {}
        if user_input is not None:
            return await self._async_add(entry_data(user_input), user_input)
        return self._user_form(None, errors)

    async def _async_add(
        self, data: dict[str, Any], entered: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Create the entry for ``data`` if it logs in, else show the form with ``entered``."""
        await self.async_set_unique_id(unique_id(data))
        self._abort_if_unique_id_configured()
        if needs_confirmation(data):
            self._pending = data
            return await self.async_step_insecure()
        errors = await async_login_errors(self.hass, data, self._placeholders)
        if errors:
            return self._user_form(entered, errors)
        count_existing = bool(data.pop(CONF_COUNT_EXISTING_AS_UNREAD, False))
        return self.async_create_entry(
            title=title(data), data=data, options={CONF_COUNT_EXISTING_AS_UNREAD: count_existing}
        )

    def _user_form(
        self, entered: Mapping[str, Any] | None, errors: dict[str, str]
    ) -> ConfigFlowResult:
        return self.async_show_form(
            step_id="password",
            data_schema=self.add_suggested_values_to_schema(
                user_schema(certificate_open=is_certificate_error(errors)),
                form_values(entered) if entered is not None else None,
            ),
            errors=errors,
            description_placeholders=self._placeholders,
        )

    async def async_step_insecure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Make the user choose: send the password unencrypted, or go back and change it."""
        return self.async_show_menu(
            step_id="insecure",
            menu_options=["insecure_accept", "insecure_back"],
            description_placeholders={"host": str(self._pending[CONF_HOST])},
        )

    async def async_step_insecure_accept(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The user accepts the unencrypted connection: test it."""
        data = {**self._pending, CONF_INSECURE_CONFIRMED: True}
        if self.source == SOURCE_RECONFIGURE:
            return await self._async_reconfigure(data, data)
        return await self._async_add(data, data)

    async def async_step_insecure_back(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Back to the form, with everything entered so far."""
        if self.source == SOURCE_RECONFIGURE:
            return self._reconfigure_form(self._pending, {})
        return self._user_form(self._pending, {})

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The server rejected the login: ask for the password again, or sign in again."""
        if is_oauth(entry_data):
            return await self.async_step_reauth_oauth()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The new password, checked by logging in."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_PASSWORD: user_input[CONF_PASSWORD]}
            errors = await async_login_errors(self.hass, data, self._placeholders)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_PASSWORD: user_input[CONF_PASSWORD]}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(REAUTH_SCHEMA, user_input),
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
        if user_input is not None:
            entered = {**entry.data, **user_input}
            return await self._async_reconfigure(entry_data(entered), entered)
        return self._reconfigure_form(dict(entry.data), {})

    async def _async_reconfigure(
        self, data: dict[str, Any], entered: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Save ``data`` if it logs in, else show the form again with ``entered``."""
        entry = self._get_reconfigure_entry()
        new_unique_id = unique_id(data)
        if new_unique_id != entry.unique_id:
            await self.async_set_unique_id(new_unique_id)
            self._abort_if_unique_id_configured()
        if needs_confirmation(data):
            self._pending = data
            return await self.async_step_insecure()
        if is_oauth(data):  # log in with a token that is valid now
            data[CONF_TOKEN] = await async_fresh_token(self.hass, entry)
        errors = await async_login_errors(self.hass, data, self._placeholders)
        if errors:
            return self._reconfigure_form(entered, errors)
        new_title = title(data) if entry.title == title(entry.data) else entry.title
        return self.async_update_reload_and_abort(
            entry, unique_id=new_unique_id, title=new_title, data=data
        )

    def _reconfigure_form(
        self, values: Mapping[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult:
        suggested = form_values(values)
        suggested.pop(CONF_PASSWORD, None)  # not a field of this form
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                reconfigure_schema(certificate_open=is_certificate_error(errors)), suggested
            ),
            errors=errors,
            description_placeholders=self._placeholders,
        )
