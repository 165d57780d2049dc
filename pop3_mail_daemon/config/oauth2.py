"""An account's ``oauth2:`` section: sign in with Microsoft, Google or any OAuth 2 provider.

::

    oauth2:
      provider: microsoft        # microsoft | google | custom
      client_id: 00000000-0000-0000-0000-000000000000
      # client_secret / client_secret_env / client_secret_file   (Google needs one)
      # tenant: common           # microsoft: common, consumers, organizations or a tenant id
      # custom only: device_authorization_url or authorize_url, token_url, scopes: [...]

Microsoft and Google take their endpoints and scopes from the engine's presets; ``custom``
names its own (the tests' local provider is one). The refresh token is not configured: ``pop3-mail
login`` obtains it and keeps it in the state directory.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import voluptuous as vol

from pop3_mail.errors import TokenRefusedError
from pop3_mail.oauth import (
    GOOGLE,
    GOOGLE_ENDPOINTS,
    MICROSOFT,
    PRESETS,
    Endpoints,
    microsoft_endpoints,
    valid_tenant,
)
from pop3_mail.validation import Validator, choice, each, secret_text, text

PROVIDERS = ("microsoft", "google", "custom")
CUSTOM_KEYS = ("device_authorization_url", "authorize_url", "token_url", "scopes")
SECRET_KEYS = ("client_secret", "client_secret_env", "client_secret_file")
KEYS = ("provider", "client_id", *SECRET_KEYS, "tenant", *CUSTOM_KEYS)


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuth2Config:
    """How one account signs in."""

    provider: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    endpoints: Endpoints
    scopes: tuple[str, ...]
    """Everything asked for: what POP3 needs, plus OpenID Connect's for the address."""
    extra_authorize_data: tuple[tuple[str, str], ...] = ()

    @property
    def device_flow(self) -> bool:
        """Whether ``pop3-mail login`` can use the device flow (RFC 8628)."""
        preset = PRESETS.get(self.provider)
        allowed = preset.device_flow if preset is not None else True
        return allowed and self.endpoints.device_authorization_url is not None


def endpoint_url(value: Any) -> str:
    """An ``https://`` URL (``http://`` only to this machine, for tests and local proxies)."""
    checked = text(value)
    try:
        parts = urlsplit(checked)
        host = parts.hostname or ""
    except ValueError:
        raise vol.Invalid("expected an https:// URL") from None
    if parts.scheme == "https" and host:
        return checked
    if parts.scheme == "http" and _is_loopback(host):
        return checked
    raise vol.Invalid("expected an https:// URL (http:// only to localhost)")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def oauth2_schema(env_name: Validator) -> Validator:
    """The validator of the section (``env_name`` checks ``client_secret_env``)."""
    keys: dict[Any, Validator] = {
        vol.Required("provider"): choice(PROVIDERS),
        vol.Required("client_id"): text,
        vol.Optional("client_secret"): secret_text,
        vol.Optional("client_secret_env"): env_name,
        vol.Optional("client_secret_file"): text,
        vol.Optional("tenant"): text,
        vol.Optional("device_authorization_url"): endpoint_url,
        vol.Optional("authorize_url"): endpoint_url,
        vol.Optional("token_url"): endpoint_url,
        vol.Optional("scopes"): each(text, minimum=1),
    }
    return vol.All(vol.Schema(keys), _consistent)


def _consistent(data: dict[str, Any]) -> dict[str, Any]:
    """What one key allows or needs of the others."""
    provider = data["provider"]
    secrets = [key for key in SECRET_KEYS if key in data]
    if len(secrets) > 1:
        raise vol.Invalid(f"give only one of {', '.join(SECRET_KEYS)}", path=[secrets[1]])
    if "tenant" in data:
        if provider != "microsoft":
            raise vol.Invalid("only for provider: microsoft", path=["tenant"])
        if not valid_tenant(data["tenant"]):
            raise vol.Invalid(
                "expected common, consumers, organizations, a tenant id or domain",
                path=["tenant"],
            )
    if provider == "custom":
        for key in ("token_url", "scopes"):
            if key not in data:
                raise vol.Invalid("required with provider: custom", path=[key])
        if "device_authorization_url" not in data and "authorize_url" not in data:
            raise vol.Invalid(
                "provider: custom needs device_authorization_url or authorize_url",
                path=["device_authorization_url"],
            )
    else:
        for key in CUSTOM_KEYS:
            if key in data:
                raise vol.Invalid("only for provider: custom", path=[key])
    if provider == "google" and not secrets:
        raise vol.Invalid(
            "Google needs the client secret: give client_secret, client_secret_env or "
            "client_secret_file",
            path=["client_secret"],
        )
    return data


class SecretSource(Protocol):
    """Resolves ``<key>``, ``<key>_env`` and ``<key>_file`` (the loader's resolver)."""

    def secret(self, where: str, entry: Mapping[str, Any], key: str = "password") -> str | None:
        """The secret, or ``None`` (a problem is recorded when it cannot be read)."""
        ...


def oauth2_config(where: str, entry: Mapping[str, Any], secrets: SecretSource) -> OAuth2Config:
    """The typed section, its client secret resolved (``where`` names it in problems)."""
    provider = entry["provider"]
    secret = secrets.secret(where, entry, key="client_secret")
    if provider == "microsoft":
        return OAuth2Config(
            provider=provider,
            client_id=entry["client_id"],
            client_secret=secret,
            endpoints=microsoft_endpoints(entry.get("tenant", "common")),
            scopes=(*MICROSOFT.scopes, *MICROSOFT.identity_scopes),
        )
    if provider == "google":
        return OAuth2Config(
            provider=provider,
            client_id=entry["client_id"],
            client_secret=secret,
            endpoints=GOOGLE_ENDPOINTS,
            scopes=(*GOOGLE.scopes, *GOOGLE.identity_scopes),
            extra_authorize_data=GOOGLE.extra_authorize_data,
        )
    return OAuth2Config(
        provider=provider,
        client_id=entry["client_id"],
        client_secret=secret,
        endpoints=Endpoints(
            token_url=entry["token_url"],
            authorize_url=entry.get("authorize_url"),
            device_authorization_url=entry.get("device_authorization_url"),
        ),
        scopes=tuple(entry["scopes"]),
    )


def preset_server(entry: Mapping[str, Any]) -> tuple[str, int] | None:
    """The POP3 server of the account's provider (``None`` for ``custom``)."""
    preset = PRESETS.get(entry["provider"])
    return (preset.host, preset.port) if preset is not None else None


class NotSignedIn:
    """The token provider of an OAuth 2 account before the daemon attaches its real one."""

    def __init__(self, account: str) -> None:
        """For ``account``."""
        self._account = account

    async def access_token(self) -> str:
        """Never a token.

        Raises:
            TokenRefusedError: always.

        """
        raise TokenRefusedError(login_hint(self._account, "not signed in"))

    def rejected(self, token: str) -> None:
        """Nothing was handed out."""


def login_hint(account: str, problem: str) -> str:
    """``problem`` and what to do about it: sign in again."""
    return (
        f"{problem}; sign in again: run `pop3-mail login --account {account}` "
        "(in the add-on: Sign in on its page)"
    )
