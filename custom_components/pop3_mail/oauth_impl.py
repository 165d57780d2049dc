"""One integration, two OAuth 2 providers: which credential signs in where.

Home Assistant's ``application_credentials`` gives a domain *one* authorization server
(``async_get_authorization_server``), unless the platform builds an implementation per credential
(``async_get_auth_implementation``, see ``application_credentials.py``). POP3 Mail does that: a
credential's client id tells its provider — Google's end in ``.apps.googleusercontent.com``,
Microsoft's application ids are GUIDs — and each becomes a :class:`MailOAuth2Implementation`
with that provider's endpoints and scopes. The config flow then offers only the credentials of
the provider the user picked.

Microsoft's endpoints also name a tenant (``common`` for personal and work accounts, or a
directory). The tenant belongs to the mailbox, not to the credential, so it is kept in the entry
and applied with :meth:`MailOAuth2Implementation.for_tenant`, for the sign-in and for every
refresh.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant

from pop3_mail.oauth import GOOGLE, GOOGLE_ENDPOINTS, MICROSOFT, Endpoints, ProviderPreset
from pop3_mail.oauth import microsoft_endpoints as _microsoft_endpoints

_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
GOOGLE_CLIENT_SUFFIX = ".apps.googleusercontent.com"
DEFAULT_TENANT = "common"


def provider_of(client_id: str) -> ProviderPreset | None:
    """The provider a client id belongs to, ``None`` when it looks like neither."""
    client_id = client_id.strip()
    if client_id.endswith(GOOGLE_CLIENT_SUFFIX):
        return GOOGLE
    if _GUID.match(client_id):
        return MICROSOFT
    return None


def endpoints_for(provider: ProviderPreset, tenant: str = DEFAULT_TENANT) -> Endpoints:
    """The provider's endpoints (Microsoft's for ``tenant``).

    Tests replace this function to point both providers at their local one.
    """
    if provider is MICROSOFT:
        return _microsoft_endpoints(tenant)
    return GOOGLE_ENDPOINTS


class MailOAuth2Implementation(AuthImplementation):
    """An application credential of Microsoft or Google, with POP3's scopes."""

    def __init__(
        self,
        hass: HomeAssistant,
        auth_domain: str,
        credential: ClientCredential,
        provider: ProviderPreset,
        tenant: str = DEFAULT_TENANT,
    ) -> None:
        """Sign in at ``provider`` (``tenant`` for Microsoft) with ``credential``.

        Raises:
            ValueError: ``tenant`` is no tenant name, id or domain.

        """
        endpoints = endpoints_for(provider, tenant)
        assert endpoints.authorize_url is not None
        super().__init__(
            hass,
            auth_domain,
            credential,
            AuthorizationServer(endpoints.authorize_url, endpoints.token_url),
        )
        self.credential = credential
        self.provider = provider
        self.tenant = tenant

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """POP3's scopes (and OpenID Connect's, for the address), and a refresh token."""
        scopes = (*self.provider.scopes, *self.provider.identity_scopes)
        return {"scope": " ".join(scopes), **dict(self.provider.extra_authorize_data)}

    def for_tenant(self, tenant: str) -> MailOAuth2Implementation:
        """The same credential at another Microsoft tenant (itself for Google).

        Raises:
            ValueError: ``tenant`` is no tenant name, id or domain.

        """
        if self.provider is not MICROSOFT or tenant == self.tenant:
            return self
        return MailOAuth2Implementation(
            self.hass, self.domain, self.credential, self.provider, tenant
        )


def address_from_id_token(token: dict[str, Any]) -> str | None:
    """The mailbox address in the ID token of a token response, if there is one.

    The token came straight from the provider's token endpoint over TLS, which OpenID Connect
    (Core §3.1.3.7) accepts in place of checking its signature; only the address is read.
    """
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        return None
    if not isinstance(claims, dict):
        return None
    # Microsoft: "email" for personal accounts (with the email scope), "preferred_username"
    # (the sign-in name, usually the address) for work accounts; Google: "email".
    for claim in ("email", "preferred_username"):
        value = claims.get(claim)
        if isinstance(value, str) and "@" in value and len(value) <= 254:
            return value.strip()
    return None
