"""The config flow's first step and its OAuth 2 sign-in (Microsoft, Google).

The flow starts with a menu: *Password* (the server form of ``config_flow``), *Sign in with
Microsoft*, *Sign in with Google*. A sign-in offers only the application credentials of the
chosen provider (``oauth_impl`` tells them apart by their client id), asks Microsoft users for
their tenant (``common`` fits personal and work accounts), sends the browser to the provider
(Home Assistant's ``AbstractOAuth2FlowHandler``), reads the mailbox address from the ID token
and logs in once with the new token before the entry is made. Where the provider gives no
address, or the login fails, the mailbox form asks (or shows why).

Reauthentication of an OAuth 2 entry runs the same sign-in with the entry's credential and
tenant; a token of another account is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import SOURCE_REAUTH, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from pop3_mail.errors import ConfigError
from pop3_mail.oauth import GOOGLE, MICROSOFT, ProviderPreset, valid_tenant
from pop3_mail.settings import Security

from .const import CONF_COUNT_EXISTING_AS_UNREAD, CONF_SECURITY, DOMAIN, LOGGER
from .flows.connection import async_login_errors
from .oauth_impl import DEFAULT_TENANT, MailOAuth2Implementation, address_from_id_token
from .oauth_tokens import (
    CONF_OAUTH_PROVIDER,
    CONF_TENANT,
    CONF_TOKEN,
    async_entry_implementation,
)

CONF_IMPLEMENTATION = "implementation"
MENU = ["password", "microsoft", "google"]
PROVIDER_NAMES = {MICROSOFT.name: "Microsoft", GOOGLE.name: "Google"}


def server_defaults(provider: ProviderPreset) -> dict[str, Any]:
    """Where the provider's mailboxes are (tests point this at their own server)."""
    return {CONF_HOST: provider.host, CONF_PORT: provider.port}


def _mailbox_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_USERNAME): TextSelector(
                TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username")
            ),
            vol.Required(CONF_HOST): TextSelector(),
            vol.Required(CONF_PORT): vol.All(vol.Coerce(int), vol.Range(min=1, max=65535)),
        }
    )


TENANT_SCHEMA = vol.Schema({vol.Required(CONF_TENANT, default=DEFAULT_TENANT): TextSelector()})


class OAuthSteps(config_entry_oauth2_flow.AbstractOAuth2FlowHandler):
    """The menu and the OAuth 2 steps; ``config_flow.Pop3MailConfigFlow`` adds the rest."""

    DOMAIN = DOMAIN

    def __init__(self) -> None:
        """Nothing chosen yet."""
        super().__init__()
        self._provider: ProviderPreset = MICROSOFT
        self._tenant = DEFAULT_TENANT
        self._choices: dict[str, MailOAuth2Implementation] = {}
        self._oauth_data: dict[str, Any] = {}
        self._mailbox: dict[str, Any] = {}
        self._placeholders: dict[str, str] = {"error": "", "host": ""}

    @property
    def logger(self) -> Any:
        """The integration's logger."""
        return LOGGER

    async def _async_try(self, data: Mapping[str, Any]) -> dict[str, str]:
        """Log in with ``data``; form errors (the password form's test, ``flows.connection``)."""
        return await async_login_errors(self.hass, data, self._placeholders)

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """How to log in: a password, or signing in with Microsoft or Google."""
        return self.async_show_menu(step_id="user", menu_options=MENU)

    async def async_step_microsoft(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign in with Microsoft (Outlook.com, Microsoft 365)."""
        return await self._async_choose(MICROSOFT)

    async def async_step_google(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Sign in with Google (Gmail, Google Workspace)."""
        return await self._async_choose(GOOGLE)

    async def _async_choose(self, provider: ProviderPreset) -> ConfigFlowResult:
        self._provider = provider
        implementations = await config_entry_oauth2_flow.async_get_implementations(
            self.hass, DOMAIN
        )
        self._choices = {
            key: implementation
            for key, implementation in implementations.items()
            if isinstance(implementation, MailOAuth2Implementation)
            and implementation.provider is provider
        }
        if not self._choices:
            # The frontend answers this reason with the dialog that adds a credential.
            return self.async_abort(reason="missing_credentials")
        if len(self._choices) == 1:
            return await self._async_chosen(next(iter(self._choices.values())))
        return await self.async_step_credential()

    async def async_step_credential(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Which of the provider's application credentials to sign in with."""
        if user_input is not None:
            return await self._async_chosen(self._choices[user_input[CONF_IMPLEMENTATION]])
        names = {key: implementation.name for key, implementation in self._choices.items()}
        return self.async_show_form(
            step_id="credential",
            data_schema=vol.Schema(
                {vol.Required(CONF_IMPLEMENTATION, default=next(iter(names))): vol.In(names)}
            ),
        )

    async def _async_chosen(self, implementation: MailOAuth2Implementation) -> ConfigFlowResult:
        self.flow_impl = implementation
        if self._provider is MICROSOFT:
            return await self.async_step_tenant()
        return await self.async_step_auth()

    async def async_step_tenant(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Microsoft's tenant: ``common`` for any account, or the organisation's directory."""
        errors: dict[str, str] = {}
        if user_input is not None:
            tenant = str(user_input[CONF_TENANT]).strip()
            if valid_tenant(tenant):
                self._tenant = tenant
                assert isinstance(self.flow_impl, MailOAuth2Implementation)
                self.flow_impl = self.flow_impl.for_tenant(tenant)
                return await self.async_step_auth()
            errors[CONF_TENANT] = "invalid_tenant"
        return self.async_show_form(step_id="tenant", data_schema=TENANT_SCHEMA, errors=errors)

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """The provider handed out tokens: find the mailbox, check the login, make the entry."""
        self._oauth_data = data
        address = address_from_id_token(data[CONF_TOKEN])
        if self.source == SOURCE_REAUTH:
            return await self._async_reauthenticated(address)
        self._mailbox = {CONF_USERNAME: address or "", **server_defaults(self._provider)}
        if address is None:
            return self._mailbox_form({})
        return await self.async_step_mailbox(self._mailbox)

    async def async_step_mailbox(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The mailbox the sign-in is for (asked when the provider did not say)."""
        if user_input is None:
            return self._mailbox_form({})
        self._mailbox = {**self._mailbox, **user_input}
        self._mailbox[CONF_HOST] = str(self._mailbox[CONF_HOST]).strip()
        data = {
            **self._mailbox,
            CONF_SECURITY: Security.SSL.value,
            CONF_VERIFY_SSL: True,
            CONF_OAUTH_PROVIDER: self._provider.name,
            **self._oauth_data,
        }
        if self._provider is MICROSOFT:
            data[CONF_TENANT] = self._tenant
        unique_id = f"{data[CONF_USERNAME]}@{str(data[CONF_HOST]).lower()}:{data[CONF_PORT]}"
        await self.async_set_unique_id(unique_id)
        self._abort_if_unique_id_configured()
        errors = await self._async_try(data)
        if errors:
            return self._mailbox_form(errors)
        return self.async_create_entry(
            title=str(data[CONF_USERNAME]),
            data=data,
            options={CONF_COUNT_EXISTING_AS_UNREAD: False},
        )

    def _mailbox_form(self, errors: dict[str, str]) -> ConfigFlowResult:
        return self.async_show_form(
            step_id="mailbox",
            data_schema=self.add_suggested_values_to_schema(_mailbox_schema(), self._mailbox),
            errors=errors,
            description_placeholders={
                "provider": PROVIDER_NAMES[self._provider.name],
                "error": self._placeholders.get("error", ""),
            },
        )

    # -- reauthentication ----------------------------------------------------------------------

    async def async_step_reauth_oauth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The sign-in is no longer valid: sign in again with the same credential."""
        entry = self._get_reauth_entry()
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_oauth",
                description_placeholders={CONF_USERNAME: str(entry.data[CONF_USERNAME])},
            )
        try:
            self.flow_impl = await async_entry_implementation(self.hass, entry)
        except ConfigError:
            return self.async_abort(reason="missing_credentials")
        self._provider = self.flow_impl.provider
        return await self.async_step_auth()

    async def _async_reauthenticated(self, address: str | None) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        username = str(entry.data[CONF_USERNAME])
        if address is not None and address.casefold() != username.casefold():
            return self.async_abort(
                reason="wrong_account", description_placeholders={CONF_USERNAME: username}
            )
        token = self._oauth_data[CONF_TOKEN]
        errors = await self._async_try({**entry.data, CONF_TOKEN: token})
        if errors:
            return self.async_abort(
                reason="reauth_login_failed",
                description_placeholders={"error": self._placeholders.get("error", "")},
            )
        LOGGER.info("%s: signed in again", entry.title)
        return self.async_update_reload_and_abort(
            entry, data_updates={CONF_TOKEN: token}, reason="reauth_signed_in"
        )
