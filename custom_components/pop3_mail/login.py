"""From config-entry data to a working POP3 login: settings, TLS context, error keys."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from functools import partial
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.util.ssl import client_context, client_context_no_verify

from pop3_mail.errors import (
    AuthError,
    MailboxInUseError,
    PermanentServerError,
    Pop3Error,
    Pop3TimeoutError,
    TlsError,
    TransientServerError,
)
from pop3_mail.pop3 import build_ssl_context, open_session
from pop3_mail.settings import Security, ServerSettings

from .const import CONF_CAFILE, CONF_INSECURE_CONFIRMED, CONF_SECURITY

# Home Assistant waits for the config flow: fail well before a user gives up on the dialog.
CONNECT_TIMEOUT = 15.0
COMMAND_TIMEOUT = 30.0
SESSION_TIMEOUT = 240.0


def settings_from_data(data: Mapping[str, Any]) -> ServerSettings:
    """Engine settings for entry data (raises ``ConfigError`` for combinations that cannot work)."""
    security = Security(data[CONF_SECURITY])
    return ServerSettings(
        host=data[CONF_HOST].strip(),
        port=data.get(CONF_PORT),
        security=security,
        verify_tls=data.get(CONF_VERIFY_SSL, True),
        cafile=data.get(CONF_CAFILE) or None,
        allow_insecure=security is Security.PLAIN and bool(data.get(CONF_INSECURE_CONFIRMED)),
        username=data[CONF_USERNAME],
        password=data[CONF_PASSWORD],
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


def error_key(err: Pop3Error) -> str:
    """Translation key (config-flow ``error``, action exceptions) for a failed login."""
    match err:
        case AuthError():
            return "invalid_auth"
        case Pop3TimeoutError():
            return "timeout"
        case TlsError():
            return "ssl_error"
        case MailboxInUseError():
            return "in_use"
        case TransientServerError():
            return "try_later"
        case PermanentServerError():
            return "pop_disabled"
        case _:
            return "cannot_connect"
