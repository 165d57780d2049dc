"""Application credentials: an implementation per credential, Microsoft's or Google's.

See ``oauth_impl`` for why this platform builds the implementation itself instead of naming one
authorization server for the domain.
"""

from __future__ import annotations

from homeassistant.components.application_credentials import ClientCredential
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_entry_oauth2_flow

from pop3_mail.oauth import MICROSOFT

from .oauth_impl import MailOAuth2Implementation, provider_of

DOCS_URL = "https://github.com/pop3-mail/pop3-mail/blob/main/docs/oauth2.md"


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> config_entry_oauth2_flow.AbstractOAuth2Implementation:
    """The implementation for ``credential``: Google's for a Google client id, else Microsoft's.

    A client id that looks like neither is taken for Microsoft's (their ids are GUIDs, but a
    mistyped one should still reach Microsoft's sign-in page, which says what is wrong); the
    config flow offers it under *Sign in with Microsoft*.
    """
    provider = provider_of(credential.client_id) or MICROSOFT
    return MailOAuth2Implementation(hass, auth_domain, credential, provider)


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Links for the dialog that adds a credential."""
    return {
        "docs_url": DOCS_URL,
        "azure_url": "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade",
        "google_url": "https://console.cloud.google.com/apis/credentials",
        "redirect_uri": config_entry_oauth2_flow.MY_AUTH_CALLBACK_PATH,
    }
