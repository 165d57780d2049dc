"""Sign in with Microsoft or Google: the config flow, polling, refresh, reauth, against real parts.

The provider is the local one (real HTTP on loopback, not a mock); the mailbox is on the Dovecot
that takes nothing but OAuth 2 and asks that provider about every token. Home Assistant's own
application credentials, ``AbstractOAuth2FlowHandler`` and ``OAuth2Session`` do their part
unchanged; only where the providers and their servers are is pointed at the local ones.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    start_reauth_flow,
)
from pytest_homeassistant_custom_component.components.diagnostics import (  # type: ignore[import-untyped]
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator  # type: ignore[import-untyped]

from custom_components.pop3_mail import oauth_flow, oauth_impl
from custom_components.pop3_mail.const import CONF_CAFILE, CONF_SECURITY, CONFIG_VERSION, DOMAIN
from pop3_mail.oauth import Endpoints, ProviderPreset
from tests.integration.conftest import assert_placeholders_supplied, make_message
from tests.support.oauth_fixtures import OAuthMailbox

from .oauth_helpers import (
    GOOGLE_ID,
    GOOGLE_SECRET,
    MICROSOFT_ID,
    add_credential,
    browse,
    query_of,
    scopes_of,
    start_sign_in,
)


@pytest.fixture
async def local(
    hass: HomeAssistant, oauth_mailbox: OAuthMailbox, monkeypatch: pytest.MonkeyPatch
) -> OAuthMailbox:
    """Both providers at the local one, their servers at the OAuth-only Dovecot."""
    provider, server = oauth_mailbox.provider, oauth_mailbox.server
    tenants: list[str] = []

    def endpoints_for(preset: ProviderPreset, tenant: str = "common") -> Endpoints:
        tenants.append(tenant)
        return Endpoints(authorize_url=provider.url("/authorize"), token_url=provider.url("/token"))

    def server_defaults(preset: ProviderPreset) -> dict[str, Any]:
        return {CONF_HOST: server.host, CONF_PORT: server.pop3s_port, CONF_CAFILE: server.cafile}

    monkeypatch.setattr(oauth_impl, "endpoints_for", endpoints_for)
    monkeypatch.setattr(oauth_flow, "server_defaults", server_defaults)
    oauth_mailbox.tenants = tenants  # type: ignore[attr-defined]
    hass.config.components.add("my")  # the redirect goes through my.home-assistant.io
    assert await async_setup_component(hass, "http", {})
    assert await async_setup_component(hass, "auth", {})
    assert await async_setup_component(hass, "diagnostics", {})  # before the router freezes
    await add_credential(hass, provider)
    return oauth_mailbox


async def _signed_in_entry(
    hass: HomeAssistant, client: ClientSessionGenerator, mailbox: OAuthMailbox
) -> ConfigEntry:
    result = await start_sign_in(hass, "microsoft")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"tenant": "common"})
    result = await browse(hass, client, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    entry = result["result"]
    assert isinstance(entry, ConfigEntry)
    return entry


def _unread(hass: HomeAssistant, entry: ConfigEntry) -> str:
    coordinator = entry.runtime_data
    return str(coordinator.data.unread if coordinator.data else None)


async def test_sign_in_with_microsoft_and_poll(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, local: OAuthMailbox
) -> None:
    local.user.deliver(make_message("Hello over OAuth"))
    result = await start_sign_in(hass, "microsoft")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "tenant"
    assert_placeholders_supplied(result, "config")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"tenant": "not a tenant"}
    )
    assert result["errors"] == {"tenant": "invalid_tenant"}
    assert_placeholders_supplied(result, "config")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"tenant": "contoso.onmicrosoft.com"}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert scopes_of(result) >= {
        "https://outlook.office.com/POP.AccessAsUser.All",
        "offline_access",
        "openid",
        "email",
    }
    assert query_of(result)["client_id"] == MICROSOFT_ID
    assert "contoso.onmicrosoft.com" in local.tenants  # type: ignore[attr-defined]
    result = await browse(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    assert entry.title == local.user.username  # the address came from the ID token
    assert entry.unique_id == f"{local.user.username}@127.0.0.1:{local.server.pop3s_port}"
    data = dict(entry.data)
    assert data["auth_implementation"].startswith(DOMAIN)
    assert data["tenant"] == "contoso.onmicrosoft.com"
    assert data["oauth_provider"] == "microsoft"
    assert data[CONF_SECURITY] == "ssl"
    assert "password" not in data
    assert data["token"]["refresh_token"] in local.provider.state.live_refresh_tokens()
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.data.message_count == 1
    assert local.provider.state.grant_types == ["authorization_code"]


async def test_expiry_refresh_and_rotation(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, local: OAuthMailbox
) -> None:
    # Tokens that live less than the 20 s Home Assistant keeps in hand: every poll refreshes.
    local.provider.state.expires_in = 10
    entry = await _signed_in_entry(hass, hass_client_no_auth, local)
    first = entry.data["token"]["refresh_token"]
    assert local.provider.state.refreshes == 1  # at set-up
    coordinator = entry.runtime_data
    local.user.deliver(make_message("Second"))
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert coordinator.data.message_count == 1
    assert local.provider.state.refreshes == 2
    current = entry.data["token"]["refresh_token"]
    assert current != first  # rotated, and kept in the entry
    assert local.provider.state.live_refresh_tokens() == {current}


async def test_revoked_consent_starts_reauth_through_the_same_sign_in(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, local: OAuthMailbox
) -> None:
    local.provider.state.expires_in = 10
    entry = await _signed_in_entry(hass, hass_client_no_auth, local)
    local.provider.state.revoke_consent()
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert flow["step_id"] == "reauth_oauth"
    assert flow["context"]["entry_id"] == entry.entry_id
    shown = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert_placeholders_supplied(shown, "config")

    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert query_of(result)["client_id"] == MICROSOFT_ID
    result = await browse(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_signed_in"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["token"]["refresh_token"] in local.provider.state.live_refresh_tokens()
    assert entry.runtime_data.last_update_success


async def test_reauth_with_another_account_is_refused(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, local: OAuthMailbox
) -> None:
    entry = await _signed_in_entry(hass, hass_client_no_auth, local)
    before = dict(entry.data["token"])
    result = await start_reauth_flow(hass, entry)
    assert result["step_id"] == "reauth_oauth"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    local.provider.state.user = "bob@example.org"  # signs in as somebody else
    result = await browse(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert result["description_placeholders"] == {CONF_USERNAME: local.user.username}
    assert entry.data["token"] == before


async def test_a_token_for_another_user_does_not_open_the_mailbox(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, local: OAuthMailbox
) -> None:
    local.provider.state.user = "bob@example.org"  # bob signs in; his token is for him only
    result = await start_sign_in(hass, "microsoft")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"tenant": "common"})
    result = await browse(hass, hass_client_no_auth, result)
    # bob has no mailbox there: the form asks, and shows why.
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "mailbox"
    assert result["errors"]  # Dovecot lets bob in, but has no mailbox for him
    assert_placeholders_supplied(result, "config")
    # alice's address with bob's token: refused as well (Dovecot compares the two).
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_USERNAME: local.user.username,
            CONF_HOST: local.server.host,
            CONF_PORT: local.server.pop3s_port,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_an_unreachable_provider_keeps_the_values(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, local: OAuthMailbox
) -> None:
    local.provider.state.expires_in = 10
    entry = await _signed_in_entry(hass, hass_client_no_auth, local)
    coordinator = entry.runtime_data
    before = coordinator.data
    with local.provider.down():
        await coordinator.async_refresh()
    assert coordinator.data is before  # the values stay
    assert coordinator.last_update_success
    assert type(coordinator.poll_error).__name__ == "TokenUnavailableError"
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)  # no reauth
    await coordinator.async_refresh()
    assert coordinator.poll_error is None


async def test_google_and_microsoft_credentials_stay_apart(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, local: OAuthMailbox
) -> None:
    # Only a Microsoft credential so far: Google has none to offer.
    result = await start_sign_in(hass, "google")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"

    await add_credential(hass, local.provider, GOOGLE_ID, GOOGLE_SECRET, "Google app")
    result = await start_sign_in(hass, "google")
    assert result["type"] is FlowResultType.EXTERNAL_STEP  # no tenant to ask for
    query = query_of(result)
    assert query["client_id"] == GOOGLE_ID
    assert set(query["scope"].split()) >= {"https://mail.google.com/", "openid", "email"}
    assert (query["access_type"], query["prompt"]) == ("offline", "consent")
    hass.config_entries.flow.async_abort(result["flow_id"])

    await add_credential(hass, local.provider, "11111111-2222-4333-8444-555555555555", "s", "B")
    result = await start_sign_in(hass, "microsoft")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credential"  # two Microsoft credentials, no Google one
    assert_placeholders_supplied(result, "config")
    schema = result["data_schema"]
    assert schema is not None
    choices = schema.schema["implementation"].container
    assert sorted(choices.values()) == ["B", "Test app"]


async def test_no_token_in_diagnostics_or_logs(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hass_client: ClientSessionGenerator,
    local: OAuthMailbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    local.provider.state.expires_in = 10
    entry = await _signed_in_entry(hass, hass_client_no_auth, local)
    await entry.runtime_data.async_refresh()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["data"]["token"] == "**REDACTED**"
    shown = str(diagnostics) + caplog.text
    leaked = [token for token in local.provider.state.all_tokens() if token in shown]
    assert not leaked, [shown[shown.index(t) - 300 : shown.index(t)] for t in leaked]
    assert MICROSOFT_ID not in str(diagnostics["data"])


async def test_password_entries_are_unchanged(
    hass: HomeAssistant, make_entry: Any, mail_user: Any
) -> None:
    """An entry made before OAuth 2 existed loads as it is: OAuth 2 adds no migration, and the
    data of a password entry keeps its shape (version 1 still becomes 2 for the rules)."""
    entry: MockConfigEntry = make_entry()
    data = dict(entry.data)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert dict(entry.data) == data
    assert entry.version == CONFIG_VERSION


async def test_reconfigure_logs_in_with_a_fresh_token(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, local: OAuthMailbox
) -> None:
    local.provider.state.expires_in = 10  # the stored token is stale by then
    entry = await _signed_in_entry(hass, hass_client_no_auth, local)
    refreshes = local.provider.state.refreshes
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={
            "source": "reconfigure",
            "entry_id": entry.entry_id,
            "show_advanced_options": True,
        },
    )
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: local.server.host,
            CONF_SECURITY: "ssl",
            CONF_PORT: local.server.pop3s_port,
            "certificate": {"verify_ssl": True, CONF_CAFILE: local.server.cafile},
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert local.provider.state.refreshes > refreshes
    assert entry.data["token"]["refresh_token"] in local.provider.state.live_refresh_tokens()
    assert "password" not in entry.data
