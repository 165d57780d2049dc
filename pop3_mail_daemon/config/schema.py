"""The daemon's configuration schema (voluptuous) and readable error messages.

Errors name the path in the file and the problem, for example ``accounts[1].port: expected int``.
The strict validators themselves are the engine's (``pop3_mail.validation``), shared with rules.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Sequence
from typing import Any

import voluptuous as vol

from pop3_mail.discovery import parse_address, parse_nameserver
from pop3_mail.errors import ConfigError
from pop3_mail.settings import AuthMethod, Security
from pop3_mail.validation import (
    Validator,
    boolean,
    choice,
    describe_errors,
    each,
    integer,
    secret_text,
    text,
)

from .oauth2 import KEYS as OAUTH2_KEYS
from .oauth2 import PROVIDERS, oauth2_schema

ACCOUNT_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOPIC_FORBIDDEN = re.compile(r"[+#\x00]")

SECRET_KEYS = ("password", "password_env", "password_file")
LOG_LEVELS = ("debug", "info", "warning", "error")
DEFAULT_SCAN_INTERVAL = 300
MIN_SCAN_INTERVAL = 10
DEFAULT_WEB_PORT = 8099

def host(value: Any) -> str:
    """A host name or IP address."""
    checked = text(value)
    if any(char.isspace() for char in checked) or "/" in checked:
        raise vol.Invalid("expected a host name or IP address")
    return checked


def email_address(value: Any) -> str:
    """An email address discovery can find the server of."""
    checked = text(value)
    try:
        return parse_address(checked).address
    except ConfigError as err:
        raise vol.Invalid(str(err)) from None


def nameserver(value: Any) -> str:
    """A DNS server: an IP address, optionally with ``:port``."""
    checked = text(value)
    try:
        return str(parse_nameserver(checked))
    except ConfigError as err:
        raise vol.Invalid(str(err)) from None


_NEEDS_HOST = ("port", "security", "verify_ssl", "allow_insecure")


def _server_or_email(data: dict[str, Any]) -> dict[str, Any]:
    """``host`` (with ``username``), or ``email`` to find the server by; not neither."""
    if "host" in data:
        if "username" not in data and "email" not in data:
            raise vol.Invalid("username is missing (give username, or email to use as username)")
        return data
    if "email" not in data:
        raise vol.Invalid("give host and username, or email to find the server by")
    given = [key for key in _NEEDS_HOST if key in data]
    if given:
        raise vol.Invalid(f"{given[0]} needs host (a found server's settings are used as found)")
    return data


def env_name(value: Any) -> str:
    """The name of an environment variable."""
    checked = text(value)
    if not _ENV_NAME.match(checked):
        raise vol.Invalid("expected an environment variable name (letters, digits, _)")
    return checked


def account_name(value: Any) -> str:
    """Account names appear in MQTT topics, entity ids and file names."""
    checked = text(value)
    if not ACCOUNT_NAME.match(checked):
        raise vol.Invalid("must be 1-32 characters from a-z, 0-9 and _")
    return checked


def topic(value: Any) -> str:
    """An MQTT topic prefix to publish under (no wildcards, no empty levels)."""
    checked = text(value)
    if _TOPIC_FORBIDDEN.search(checked):
        raise vol.Invalid("must not contain the MQTT wildcards + or #")
    if any(not level for level in checked.split("/")):
        raise vol.Invalid("must not start or end with / or contain //")
    return checked


def network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """An IP address or network (``172.30.32.2``, ``10.0.0.0/8``)."""
    if not isinstance(value, str):
        raise vol.Invalid("expected an IP address or network as a string")
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise vol.Invalid("expected an IP address or network") from None


def _one_secret_at_most(required: bool) -> Validator:
    def validate(data: dict[str, Any]) -> dict[str, Any]:
        given = [key for key in SECRET_KEYS if key in data]
        if len(given) > 1:
            raise vol.Invalid(
                f"give only one of {', '.join(SECRET_KEYS)} (found {given[0]} and {given[1]})"
            )
        if required and not given:
            raise vol.Invalid(
                "the password is missing: give password, password_env or password_file"
            )
        return data

    return validate


def _account_credentials(data: dict[str, Any]) -> dict[str, Any]:
    """A password or an ``oauth2`` section, never both; then the server (``_server_or_email``).

    Microsoft's and Google's servers come with their ``oauth2`` provider; OAuth 2 accounts are
    never discovered from their address.
    """
    given = [key for key in SECRET_KEYS if key in data]
    if "oauth2" not in data:
        if not given:
            raise vol.Invalid(
                "the password is missing: give password, password_env or password_file "
                "(or sign in with an oauth2 section)"
            )
        return _server_or_email(data)
    if given:
        raise vol.Invalid(
            f"give either oauth2 or a password, not both (found oauth2 and {given[0]})",
            path=[given[0]],
        )
    if "host" in data or data["oauth2"]["provider"] in PROVIDERS[:2]:
        if "username" not in data and "email" not in data:
            raise vol.Invalid("username is missing (give username, or email to use as username)")
        return data
    raise vol.Invalid("required with oauth2 provider custom", path=["host"])


_SECRETS = {
    vol.Optional("password"): secret_text,
    vol.Optional("password_env"): env_name,
    vol.Optional("password_file"): text,
}

_ACCOUNT_KEYS: dict[Any, Validator] = {
    vol.Required("name"): account_name,
    vol.Optional("host"): host,  # Microsoft's and Google's come with their oauth2 provider
    vol.Optional("email"): email_address,
    vol.Optional("port"): integer(1, 65535),
    vol.Optional("security"): choice([s.value for s in Security]),
    vol.Optional("verify_ssl"): boolean,
    vol.Optional("cafile"): text,
    vol.Optional("allow_insecure"): boolean,
    vol.Optional("username"): text,
    **_SECRETS,
    vol.Optional("oauth2"): oauth2_schema(env_name),
    # xoauth2 and oauthbearer only with an oauth2 section (the loader says so otherwise).
    vol.Optional("auth_method", default=AuthMethod.AUTO.value): choice(
        [method.value for method in AuthMethod]
    ),
    vol.Optional("scan_interval", default=DEFAULT_SCAN_INTERVAL): integer(MIN_SCAN_INTERVAL, 86400),
    vol.Optional("timeout", default=30): integer(5, 600),
}

_MQTT_KEYS: dict[Any, Validator] = {
    vol.Required("host"): host,
    vol.Optional("port"): integer(1, 65535),
    vol.Optional("username"): text,
    **_SECRETS,
    vol.Optional("tls", default=False): boolean,
    vol.Optional("verify_ssl", default=True): boolean,
    vol.Optional("cafile"): text,
    vol.Optional("client_id"): text,
    vol.Optional("keepalive", default=60): integer(5, 3600),
    vol.Optional("discovery", default=True): boolean,
    vol.Optional("discovery_prefix", default="homeassistant"): topic,
    vol.Optional("base_topic", default="pop3_mail"): topic,
    vol.Optional("publish_messages", default=True): boolean,
}

_SERVER_DISCOVERY_KEYS: dict[Any, Validator] = {
    vol.Optional("nameservers", default=list): each(nameserver),
    vol.Optional("timeout", default=8): integer(1, 60),
    vol.Optional("allow_private_servers", default=False): boolean,
}

_WEB_KEYS: dict[Any, Validator] = {
    vol.Optional("enabled", default=True): boolean,
    vol.Optional("host", default="127.0.0.1"): host,
    vol.Optional("port", default=DEFAULT_WEB_PORT): integer(1, 65535),
    vol.Optional("allowed_clients", default=list): each(network),
}

_TOP_KEYS: dict[Any, Validator] = {
    vol.Optional("mqtt"): vol.All(vol.Schema(_MQTT_KEYS), _one_secret_at_most(required=False)),
    vol.Required("accounts"): each(
        vol.All(
            vol.Schema(_ACCOUNT_KEYS), _one_secret_at_most(required=False), _account_credentials
        ),
        minimum=1,
    ),
    vol.Optional("server_discovery", default=dict): vol.Schema(_SERVER_DISCOVERY_KEYS),
    # Rules are checked by the dispatch package's parser afterwards, with its own messages.
    vol.Optional("rules", default=list): each(lambda rule: rule),
    vol.Optional("state_dir", default="./state"): text,
    vol.Optional("web", default=dict): vol.Schema(_WEB_KEYS),
    vol.Optional("log_level", default="info"): choice(LOG_LEVELS),
}

DAEMON_SCHEMA = vol.Schema(_TOP_KEYS)
"""Validates the whole file (except the rules' inner structure) and fills in defaults."""

_SECTIONS = {
    "": _TOP_KEYS,
    "accounts": _ACCOUNT_KEYS,
    "mqtt": _MQTT_KEYS,
    "web": _WEB_KEYS,
    "server_discovery": _SERVER_DISCOVERY_KEYS,
}



def describe(error: vol.Invalid) -> list[str]:
    """One ``path: problem`` line per error, with a suggestion for a misspelt key."""
    return describe_errors(error, suggest=_suggestion)


def _suggestion(path: Sequence[object]) -> str:
    if not path or not isinstance(path[-1], str):
        return ""
    section = str(path[0]) if len(path) > 1 else ""
    known = [str(key) for key in _SECTIONS.get(section, {})]
    if section == "accounts" and len(path) > 3 and path[-2] == "oauth2":
        known = list(OAUTH2_KEYS)
    close = difflib.get_close_matches(path[-1], known, n=1)
    return f" (did you mean {close[0]}?)" if close else ""
