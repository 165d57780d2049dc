"""Access tokens of an OAuth 2 entry: Home Assistant's ``OAuth2Session`` refreshes them.

The engine asks :class:`EntryTokens` at every login. ``async_ensure_token_valid`` refreshes the
token when it expires within 20 seconds and stores the answer in the entry (a rotated refresh
token included). A refresh the provider refuses (HTTP 4xx: ``invalid_grant`` after consent was
revoked or the refresh token expired) becomes ``TokenRefusedError``, so the coordinator starts
the reauthentication flow; a provider that cannot be reached (or answers 5xx or 429) becomes
``TokenUnavailableError``, which keeps the entities' values and retries with the back-off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from http import HTTPStatus
from typing import Any, Final

from aiohttp import ClientError, ClientResponseError
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.config_entry_oauth2_flow import (
    OAuth2Session,
    async_get_config_entry_implementation,
)

from pop3_mail.errors import (
    ConfigError,
    Pop3MailError,
    TokenRefusedError,
    TokenUnavailableError,
)
from pop3_mail.settings import ServerSettings

from .const import LOGGER
from .oauth_impl import DEFAULT_TENANT, MailOAuth2Implementation

CONF_AUTH_IMPLEMENTATION: Final = "auth_implementation"
CONF_TENANT: Final = "tenant"
CONF_OAUTH_PROVIDER: Final = "oauth_provider"
"""``microsoft`` or ``google``: which sign-in the entry was made with."""


__all__ = ["CONF_TOKEN", "EntryTokens", "async_fresh_token", "async_with_tokens", "is_oauth"]


def _newer(*names: str) -> tuple[type[Exception], ...]:
    """Exceptions of newer Home Assistant releases (``()`` where they do not exist yet).

    Since 2026.3 token requests raise ``OAuth2TokenRequestReauthError`` (4xx but 429) and
    ``OAuth2TokenRequestTransientError`` (5xx, 429), for now also ``ClientResponseError``s; a
    missing implementation raises ``ImplementationUnavailableError``.
    """
    found = (getattr(config_entry_oauth2_flow, name, None) for name in names)
    return tuple(kind for kind in found if isinstance(kind, type))


_REFUSED = _newer("OAuth2TokenRequestReauthError")
_UNAVAILABLE = _newer("OAuth2TokenRequestTransientError", "OAuth2TokenRequestError")
_NO_IMPLEMENTATION: tuple[type[Exception], ...] = (
    ValueError,
    *_newer("ImplementationUnavailableError"),
)


def is_oauth(data: Mapping[str, Any]) -> bool:
    """Whether entry data signs in with OAuth 2 (else with a password)."""
    return CONF_AUTH_IMPLEMENTATION in data and CONF_TOKEN in data


class EntryTokens:
    """A :class:`pop3_mail.oauth.TokenProvider` over an entry's ``OAuth2Session``."""

    def __init__(self, session: OAuth2Session) -> None:
        """Tokens of ``session``'s entry."""
        self._session = session

    def __repr__(self) -> str:
        """No secret."""
        return f"<EntryTokens {self._session.config_entry.entry_id}>"

    async def access_token(self) -> str:
        """A valid access token, refreshed first when it is about to expire.

        Raises:
            TokenRefusedError: the provider refused the refresh token: sign in again.
            TokenUnavailableError: the provider could not be asked.

        """
        host = self._session.implementation.name
        try:
            await self._session.async_ensure_token_valid()
        except _REFUSED:
            raise TokenRefusedError(
                "the sign-in is no longer valid; sign in again", reason="refused"
            ) from None
        except _UNAVAILABLE as err:
            raise TokenUnavailableError(
                f"the sign-in service failed ({type(err).__name__}, {host})"
            ) from None
        except ClientResponseError as err:
            if HTTPStatus.BAD_REQUEST <= err.status < 500 and err.status != 429:
                raise TokenRefusedError(
                    f"the sign-in is no longer valid (the token endpoint answered HTTP "
                    f"{err.status}); sign in again",
                    reason=f"HTTP {err.status}",
                ) from None
            raise TokenUnavailableError(
                f"the sign-in service answered HTTP {err.status} ({host})"
            ) from None
        except (ClientError, TimeoutError, OSError) as err:
            raise TokenUnavailableError(
                f"the sign-in service could not be reached ({type(err).__name__})"
            ) from None
        token = self._session.token.get("access_token")
        if not isinstance(token, str):
            raise TokenRefusedError("the stored sign-in has no access token; sign in again")
        return token

    def rejected(self, token: str) -> None:
        """The mail server refused the token: reauthentication follows (the coordinator)."""


async def async_entry_implementation(
    hass: HomeAssistant, entry: ConfigEntry
) -> MailOAuth2Implementation:
    """The entry's implementation, at the entry's Microsoft tenant.

    Raises:
        ConfigError: the application credential the entry was made with is gone.

    """
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
    except _NO_IMPLEMENTATION as err:
        raise ConfigError(
            "the application credential this mailbox signed in with was removed; add it again "
            "under Settings > Devices & services > Application credentials"
        ) from err
    if not isinstance(implementation, MailOAuth2Implementation):
        raise ConfigError("the mailbox's sign-in is not one of POP3 Mail's")
    try:
        return implementation.for_tenant(entry.data.get(CONF_TENANT, DEFAULT_TENANT))
    except ValueError as err:
        raise ConfigError(str(err)) from err


async def async_with_tokens(
    hass: HomeAssistant, entry: ConfigEntry, settings: ServerSettings
) -> ServerSettings:
    """``settings`` with the entry's token provider, for an OAuth 2 entry (else unchanged).

    Raises:
        ConfigError: the entry's application credential is gone.

    """
    if not is_oauth(entry.data):
        return settings
    implementation = await async_entry_implementation(hass, entry)
    session = OAuth2Session(hass, entry, implementation)
    return replace(settings, oauth=EntryTokens(session))


async def async_fresh_token(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, Any]:
    """The entry's token, refreshed when due.

    When that fails, the stored one: the login that follows says what is wrong.
    """
    try:
        implementation = await async_entry_implementation(hass, entry)
        session = OAuth2Session(hass, entry, implementation)
        await EntryTokens(session).access_token()
    except Pop3MailError as err:
        LOGGER.debug("%s: the token could not be refreshed: %s", entry.title, err)
    token: dict[str, Any] = dict(entry.data[CONF_TOKEN])
    return token
