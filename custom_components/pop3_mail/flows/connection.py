"""The connection forms (add, reconfigure, reauth): schemas, entry data and the login test.

Certificate settings sit in a section of their own, collapsed until they matter: most users
never need them, but a private server's CA file must be reachable without Advanced mode, and
the section opens by itself after a certificate error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from pop3_mail.errors import ConfigError, Pop3Error
from pop3_mail.settings import DEFAULT_PORTS, Security

from ..const import (
    CONF_CAFILE,
    CONF_COUNT_EXISTING_AS_UNREAD,
    CONF_INSECURE_CONFIRMED,
    CONF_SECURITY,
    LOGGER,
)
from ..login import async_try_login, error_key, settings_from_data
from .certificates import CERTIFICATE_ERRORS, certificate_error_key

CERTIFICATE = "certificate"
"""The form section with the certificate settings (flattened into the entry data)."""

SECURITY_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[mode.value for mode in Security],
        translation_key=CONF_SECURITY,
        mode=SelectSelectorMode.DROPDOWN,
    )
)
PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)
USERNAME_SELECTOR = TextSelector(TextSelectorConfig(autocomplete="username"))


def server_fields(*, certificate_open: bool = False) -> dict[vol.Marker, Any]:
    """Server, security, port and the certificate section (built afresh: it gets suggestions)."""
    certificate = vol.Schema(
        {
            vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
            vol.Optional(CONF_CAFILE): TextSelector(),
        }
    )
    return {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_SECURITY, default=Security.SSL.value): SECURITY_SELECTOR,
        vol.Optional(CONF_PORT): cv.port,
        vol.Required(CERTIFICATE): section(certificate, {"collapsed": not certificate_open}),
    }


def user_schema(*, certificate_open: bool = False) -> vol.Schema:
    """The form that adds a mailbox."""
    return vol.Schema(
        {
            **server_fields(certificate_open=certificate_open),
            vol.Required(CONF_USERNAME): USERNAME_SELECTOR,
            vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR,
            # Decided by the very first check, which runs during setup: so it is asked here
            # (and stored as an option), not in the options flow where it could change nothing.
            vol.Required(CONF_COUNT_EXISTING_AS_UNREAD, default=False): BooleanSelector(),
        }
    )


def reconfigure_schema(*, certificate_open: bool = False) -> vol.Schema:
    """The form that changes the server of a mailbox."""
    return vol.Schema(server_fields(certificate_open=certificate_open))


REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR})


def entry_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Entry data from a form: flat, trimmed host, the port made explicit, no empty CA file."""
    data = {key: value for key, value in user_input.items() if key != CERTIFICATE}
    certificate = user_input.get(CERTIFICATE)
    if isinstance(certificate, Mapping):
        data.update(certificate)
        if CONF_CAFILE not in certificate:
            data.pop(CONF_CAFILE, None)  # the user emptied the field
    data[CONF_HOST] = str(data[CONF_HOST]).strip()
    security = Security(data[CONF_SECURITY])
    if data.get(CONF_PORT) is None:
        data[CONF_PORT] = DEFAULT_PORTS[security]
    if cafile := str(data.get(CONF_CAFILE) or "").strip():
        data[CONF_CAFILE] = cafile
    else:
        data.pop(CONF_CAFILE, None)
    if security is not Security.PLAIN:
        data.pop(CONF_INSECURE_CONFIRMED, None)
    return data


def form_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Suggested values for a form from entry data (or what was entered): the section nested.

    The password is included: a failed submit must not make the user type it again. It goes
    back only to the browser that sent it, over Home Assistant's authenticated connection.
    """
    values = {key: value for key, value in data.items() if key != CERTIFICATE}
    certificate = {key: values.pop(key) for key in (CONF_VERIFY_SSL, CONF_CAFILE) if key in values}
    given = data.get(CERTIFICATE)
    if isinstance(given, Mapping):
        certificate.update(given)
    values[CERTIFICATE] = certificate
    return values


def unique_id(data: Mapping[str, Any]) -> str:
    """``username@host:port`` with the host in lower case (one entry per maildrop)."""
    return f"{data[CONF_USERNAME]}@{str(data[CONF_HOST]).lower()}:{data[CONF_PORT]}"


def title(data: Mapping[str, Any]) -> str:
    """The entry's title: the username when it is an address, else ``user@host``."""
    username = str(data[CONF_USERNAME])
    return username if "@" in username else f"{username}@{data[CONF_HOST]}"


def needs_confirmation(data: Mapping[str, Any]) -> bool:
    """Whether the user must still agree to send the password unencrypted."""
    return data[CONF_SECURITY] == Security.PLAIN and not data.get(CONF_INSECURE_CONFIRMED)


def is_certificate_error(errors: Mapping[str, str]) -> bool:
    """Whether the form failed because of the certificate (its section should open)."""
    return errors.get("base") in CERTIFICATE_ERRORS


async def async_login_errors(
    hass: HomeAssistant, data: Mapping[str, Any], placeholders: dict[str, str]
) -> dict[str, str]:
    """Log in with ``data``; form errors (empty when it worked).

    ``placeholders`` receives the details the error texts quote (``error``, ``host``).
    """
    placeholders["host"] = str(data[CONF_HOST])
    try:
        await async_try_login(hass, settings_from_data(hass, data))
    except ConfigError as err:
        placeholders["error"] = str(err)
        return {"base": "invalid_settings"}
    except Pop3Error as err:
        placeholders["error"] = str(err)
        return {"base": certificate_error_key(err) or error_key(err)}
    except Exception:
        LOGGER.exception("Unexpected error while testing the login to %s", data[CONF_HOST])
        return {"base": "unknown"}
    return {}
