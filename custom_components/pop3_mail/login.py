"""From config-entry data to a working POP3 login: settings, TLS context, error keys."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from functools import partial
from typing import Any, Final

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.util.ssl import client_context, client_context_no_verify

from pop3_mail.errors import Failure, classify
from pop3_mail.oauth import FixedToken
from pop3_mail.pop3 import build_ssl_context, open_session
from pop3_mail.settings import Security, ServerSettings

from .const import CONF_CAFILE, CONF_INSECURE_CONFIRMED, CONF_SECURITY
from .oauth_tokens import CONF_TOKEN, is_oauth

# Home Assistant waits for the config flow: fail well before a user gives up on the dialog.
CONNECT_TIMEOUT = 15.0
COMMAND_TIMEOUT = 30.0
SESSION_TIMEOUT = 240.0


def settings_from_data(hass: HomeAssistant, data: Mapping[str, Any]) -> ServerSettings:
    """Engine settings for entry data (raises ``ConfigError`` for combinations that cannot work).

    A relative CA file is read from Home Assistant's configuration folder: that is where users
    put such files (``certs/ca.pem``), and the folder differs between installations. An OAuth 2
    entry logs in with the access token in its data; a running entry replaces that with its
    refreshing session (``oauth_tokens.async_with_tokens``).
    """
    security = Security(data[CONF_SECURITY])
    cafile = str(data.get(CONF_CAFILE) or "").strip()
    return ServerSettings(
        host=data[CONF_HOST].strip(),
        port=data.get(CONF_PORT),
        security=security,
        verify_tls=data.get(CONF_VERIFY_SSL, True),
        cafile=hass.config.path(cafile) if cafile else None,
        allow_insecure=security is Security.PLAIN and bool(data.get(CONF_INSECURE_CONFIRMED)),
        username=data[CONF_USERNAME],
        password=data.get(CONF_PASSWORD, ""),
        oauth=FixedToken(str(data[CONF_TOKEN].get("access_token", ""))) if is_oauth(data) else None,
        connect_timeout=CONNECT_TIMEOUT,
        command_timeout=COMMAND_TIMEOUT,
        session_timeout=SESSION_TIMEOUT,
    )


async def async_get_ssl_context(
    hass: HomeAssistant, settings: ServerSettings
) -> ssl.SSLContext | None:
    """The TLS context for ``settings``, never built in the event loop.

    Home Assistant's shared contexts cover the common cases; a custom CA file is read in the
    executor (``ConfigError`` when it cannot be loaded).
    """
    if settings.security is Security.PLAIN:
        return None
    if settings.cafile:
        return await hass.async_add_executor_job(
            partial(build_ssl_context, verify=True, cafile=settings.cafile)
        )
    return client_context() if settings.verify_tls else client_context_no_verify()


async def async_try_login(hass: HomeAssistant, settings: ServerSettings) -> None:
    """Connect, log in and log out again; raises the engine's errors."""
    context = await async_get_ssl_context(hass, settings)
    async with open_session(settings, ssl_context=context):
        pass


ERROR_KEYS: Final[Mapping[Failure, str]] = {
    Failure.AUTH: "invalid_auth",
    Failure.TIMEOUT: "timeout",
    Failure.TLS: "ssl_error",
    Failure.IN_USE: "in_use",
    Failure.BUSY: "try_later",
    Failure.OAUTH_PROVIDER: "oauth_unavailable",
    Failure.REFUSED: "pop_disabled",
    Failure.CONNECTION: "cannot_connect",
    Failure.PROTOCOL: "cannot_connect",
    Failure.STATE: "cannot_connect",
    Failure.CONFIG: "cannot_connect",
    Failure.INTERNAL: "cannot_connect",
}
"""The engine's failure kinds in Home Assistant's words (config-flow errors, action errors)."""


def error_key(err: BaseException) -> str:
    """Translation key for a failed login or check (the engine's :func:`classify` decides)."""
    return ERROR_KEYS[classify(err)]
