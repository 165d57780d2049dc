"""Home Assistant's OAuth 2 sign-in against the local provider: credentials, browser, entries."""

from __future__ import annotations

from typing import Any

import aiohttp
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator  # type: ignore[import-untyped]
from yarl import URL

from custom_components.pop3_mail.const import DOMAIN
from tests.support.oauth_provider import OAuthProvider

MICROSOFT_ID = "00000000-0000-4000-8000-00000000c0de"
MICROSOFT_SECRET = "ms-client-secret-Zq"
GOOGLE_ID = "123456-test.apps.googleusercontent.com"
GOOGLE_SECRET = "GOCSPX-test-secret"


async def add_credential(
    hass: HomeAssistant,
    provider: OAuthProvider,
    client_id: str = MICROSOFT_ID,
    secret: str = MICROSOFT_SECRET,
    name: str = "Test app",
) -> None:
    """An application credential for ``client_id``, known to the local provider."""
    provider.state.register_client(client_id, secret)
    await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(client_id, secret, name), f"{DOMAIN}_{client_id[:8]}"
    )


async def start_sign_in(hass: HomeAssistant, choice: str) -> ConfigFlowResult:
    """The config flow from its menu to the choice ``microsoft`` or ``google``."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": choice}
    )


async def browse(
    hass: HomeAssistant, client: ClientSessionGenerator, result: ConfigFlowResult
) -> ConfigFlowResult:
    """What the user's browser does: sign in at the provider, come back to Home Assistant."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP, result
    async with (
        aiohttp.ClientSession() as session,
        session.get(result["url"], allow_redirects=False) as response,
    ):
        assert response.status == 302
        back = URL(response.headers["Location"])
    # The provider sent the browser to my.home-assistant.io, which forwards to this path.
    assert str(back.with_query(None)) == "https://my.home-assistant.io/redirect/oauth"
    http = await client()
    answer = await http.get(f"/auth/external/callback?{back.query_string}")
    assert answer.status == 200
    await hass.async_block_till_done()
    return await hass.config_entries.flow.async_configure(result["flow_id"])


def scopes_of(result: ConfigFlowResult) -> set[str]:
    """The scopes the sign-in page is asked for."""
    return set(URL(result["url"]).query["scope"].split())


def query_of(result: ConfigFlowResult) -> dict[str, Any]:
    """The sign-in page's query."""
    return dict(URL(result["url"]).query)
