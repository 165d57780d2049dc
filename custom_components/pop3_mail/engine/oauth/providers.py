"""What Microsoft and Google need for POP3 with OAuth 2: endpoints, scopes, the server.

Both hosts use these: Home Assistant for its authorization-code flow, the daemon for the device
flow and refreshing. Tests point the hosts elsewhere (the daemon's ``custom`` provider, Home
Assistant's application credentials), never by changing these values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
MICROSOFT_TENANTS = ("common", "consumers", "organizations")
"""The tenants for any account, personal accounts only, and work or school accounts only."""
# A tenant is one of the words above, a directory (tenant) id or a verified domain name.
_TENANT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,98}[A-Za-z0-9])?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoints:
    """Where to send the user, and where to ask for tokens (RFC 6749, RFC 8628)."""

    token_url: str
    authorize_url: str | None = None
    """The authorization endpoint (the browser sign-in), ``None`` when there is none."""
    device_authorization_url: str | None = None
    """The device authorization endpoint (RFC 8628), ``None`` when the provider has none."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderPreset:
    """One mail provider's OAuth 2 facts."""

    name: str
    """``microsoft`` or ``google`` (configuration value, translation key)."""
    host: str
    port: int
    scopes: tuple[str, ...]
    """What POP3 needs, ``offline_access`` (a refresh token) included where it is a scope."""
    identity_scopes: tuple[str, ...]
    """Added to read the mailbox address from the ID token (OpenID Connect)."""
    device_flow: bool
    """Whether the device flow (RFC 8628) may ask for :attr:`scopes` at all."""
    needs_client_secret: bool
    """Whether the token endpoint wants the client secret (Google's clients all have one)."""
    extra_authorize_data: tuple[tuple[str, str], ...] = ()
    """Sent with the browser sign-in: what makes the provider hand out a refresh token."""


MICROSOFT = ProviderPreset(
    name="microsoft",
    host="outlook.office365.com",
    port=995,
    scopes=("https://outlook.office.com/POP.AccessAsUser.All", "offline_access"),
    identity_scopes=("openid", "email"),
    device_flow=True,
    needs_client_secret=False,
)

GOOGLE = ProviderPreset(
    name="google",
    host="pop.gmail.com",
    port=995,
    scopes=("https://mail.google.com/",),
    identity_scopes=("openid", "email"),
    # Google's device flow refuses every Gmail scope (``invalid_scope``): it serves "TV and
    # limited input" clients only a short list of scopes, and https://mail.google.com/ is not on
    # it. The daemon signs in with a desktop-app client instead (docs/oauth2.md).
    device_flow=False,
    needs_client_secret=True,
    # Google hands out a refresh token only for offline access, and again only after consent.
    extra_authorize_data=(("access_type", "offline"), ("prompt", "consent")),
)

GOOGLE_ENDPOINTS = Endpoints(
    authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
    token_url="https://oauth2.googleapis.com/token",  # noqa: S106 - a URL, no secret
    device_authorization_url="https://oauth2.googleapis.com/device/code",
)

PRESETS = {preset.name: preset for preset in (MICROSOFT, GOOGLE)}


def valid_tenant(tenant: str) -> bool:
    """Whether ``tenant`` can stand in a Microsoft endpoint URL."""
    return bool(_TENANT.match(tenant))


def microsoft_endpoints(tenant: str = "common") -> Endpoints:
    """Microsoft identity platform v2.0 endpoints for ``tenant``.

    Raises:
        ValueError: ``tenant`` is not a tenant name, id or domain.

    """
    if not valid_tenant(tenant):
        raise ValueError(f"not a Microsoft tenant: {tenant[:40]!r}")
    base = f"{MICROSOFT_AUTHORITY}/{tenant}/oauth2/v2.0"
    return Endpoints(
        authorize_url=f"{base}/authorize",
        token_url=f"{base}/token",
        device_authorization_url=f"{base}/devicecode",
    )
