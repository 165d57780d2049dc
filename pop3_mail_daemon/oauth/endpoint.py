"""Requests to an OAuth 2 provider's token and device endpoints (aiohttp, never blocking).

Every failure becomes one of three things: the provider's own refusal (:class:`ProviderError`
with its ``error`` code, RFC 6749 §5.2), an unreachable or failing provider
(``TokenUnavailableError``, transient), or a typed answer. Nothing here logs or raises a
token: messages name the host and the HTTP status, and the provider's error text only after it
has been sanitised.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from pop3_mail.errors import TokenUnavailableError, sanitize_server_text
from pop3_mail.oauth import checked_token

from ..config.oauth2 import OAuth2Config

_LOGGER = logging.getLogger(__name__)

REQUEST_TIMEOUT = 30.0
"""Seconds for one request to the provider (connection included)."""
MAX_ANSWER = 64 * 1024
"""Token answers are a few kB (Microsoft's tokens); anything much larger is not one."""


class ProviderError(Exception):
    """The provider refused the request (HTTP 4xx with an RFC 6749 §5.2 error document)."""

    def __init__(self, error: str, description: str = "") -> None:
        """Keep the provider's code and (sanitised) description."""
        self.error = sanitize_server_text(error)[:80] or "unknown_error"
        self.description = sanitize_server_text(description)[:200]
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        """``error: description`` as the provider put it."""
        return f"{self.error}: {self.description}" if self.description else self.error


@dataclass(frozen=True, slots=True)
class TokenAnswer:
    """A successful token response (RFC 6749 §5.1); the tokens stay out of ``repr``."""

    access_token: str = field(repr=False)
    expires_in: float
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    scope: str = ""


@dataclass(frozen=True, slots=True)
class DeviceAuthorization:
    """A device authorization response (RFC 8628 §3.2)."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: float
    interval: float


DEFAULT_INTERVAL = 5.0
"""RFC 8628 §3.2: the polling interval when the provider names none."""
DEFAULT_EXPIRES_IN = 3600.0
"""When a token answer has no ``expires_in``: an hour, the usual lifetime."""


class HttpClient:
    """One aiohttp session for every account: opened at the first request, closed at the end."""

    def __init__(self) -> None:
        """Nothing is opened yet (the event loop may not run yet)."""
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session (created in the running event loop on first use)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        """Close the session (idempotent)."""
        if self._session is not None:
            await self._session.close()
            self._session = None


class TokenEndpoint:
    """One account's provider."""

    def __init__(self, http: HttpClient, config: OAuth2Config) -> None:
        """Send requests for ``config``'s client through ``http``."""
        self._http = http
        self.config = config

    @property
    def host(self) -> str:
        """The token endpoint's host, for messages."""
        return urlsplit(self.config.endpoints.token_url).hostname or "the OAuth provider"

    async def refresh(self, refresh_token: str) -> TokenAnswer:
        """A new access token (and maybe a rotated refresh token), RFC 6749 §6.

        Raises:
            ProviderError: the provider refused (``invalid_grant``: revoked or expired).
            TokenUnavailableError: the provider could not be asked.

        """
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return token_answer(await self._post(self.config.endpoints.token_url, form))

    async def start_device_login(self) -> DeviceAuthorization:
        """Ask for a device and user code (RFC 8628 §3.1).

        Raises:
            ProviderError: the provider refused (an unknown client, a scope it does not allow).
            TokenUnavailableError: the provider could not be asked.

        """
        url = self.config.endpoints.device_authorization_url
        if url is None:
            raise ProviderError("unsupported", "this provider has no device sign-in")
        answer = await self._post(url, {"scope": " ".join(self.config.scopes)}, client_only=True)
        try:
            return DeviceAuthorization(
                device_code=_text(answer, "device_code"),
                user_code=_text(answer, "user_code"),
                # Microsoft's v1 endpoint said verification_url; accept both spellings.
                verification_uri=_text(answer, "verification_uri", "verification_url"),
                verification_uri_complete=answer.get("verification_uri_complete")
                if isinstance(answer.get("verification_uri_complete"), str)
                else None,
                expires_in=_number(answer, "expires_in", 900.0),
                interval=_number(answer, "interval", DEFAULT_INTERVAL),
            )
        except ValueError as err:
            raise TokenUnavailableError(
                f"{self.host} sent an unusable device code: {err}"
            ) from None

    async def poll_device_login(self, device_code: str) -> TokenAnswer:
        """One poll of the token endpoint for a device login (RFC 8628 §3.4).

        Raises:
            ProviderError: not (yet) approved: ``authorization_pending``, ``slow_down``,
                ``access_denied``, ``expired_token``.
            TokenUnavailableError: the provider could not be asked.

        """
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code"}
        form["device_code"] = device_code
        return token_answer(await self._post(self.config.endpoints.token_url, form))

    async def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> TokenAnswer:
        """Tokens for an authorization code (RFC 6749 §4.1.3, PKCE RFC 7636 §4.5).

        Raises:
            ProviderError: the provider refused the code.
            TokenUnavailableError: the provider could not be asked.

        """
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        return token_answer(await self._post(self.config.endpoints.token_url, form))

    async def _post(
        self, url: str, form: Mapping[str, str], *, client_only: bool = False
    ) -> dict[str, Any]:
        data = {**form, "client_id": self.config.client_id}
        if self.config.client_secret and not client_only:
            data["client_secret"] = self.config.client_secret
        host = urlsplit(url).hostname or url
        try:
            async with self._http.session.post(
                url,
                data=data,
                headers={"Accept": "application/json"},
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
                allow_redirects=False,
            ) as response:
                body = await response.content.read(MAX_ANSWER + 1)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise TokenUnavailableError(
                f"the OAuth provider {host} could not be reached ({type(err).__name__})"
            ) from None
        document = _json(body)
        if 400 <= status < 500 and status != 429 and isinstance(document.get("error"), str):
            raise ProviderError(document["error"], str(document.get("error_description") or ""))
        if status != 200 or not document:
            raise TokenUnavailableError(f"the OAuth provider {host} answered HTTP {status}")
        return document


def token_answer(document: Mapping[str, Any]) -> TokenAnswer:
    """The typed form of a token response; raises ``AuthError`` for a token that is none.

    Raises:
        AuthError: the access token is not a bearer token.

    """
    refresh = document.get("refresh_token")
    id_token = document.get("id_token")
    scope = document.get("scope")
    return TokenAnswer(
        access_token=checked_token(document.get("access_token")),
        expires_in=_number(document, "expires_in", DEFAULT_EXPIRES_IN),
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        id_token=id_token if isinstance(id_token, str) and id_token else None,
        scope=scope if isinstance(scope, str) else "",
    )


def _json(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_ANSWER:
        return {}
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    return document if isinstance(document, dict) else {}


def _text(document: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = document.get(key)
        if isinstance(value, str) and value:
            return value
    raise ValueError(f"no {keys[0]}")


def _number(document: Mapping[str, Any], key: str, default: float) -> float:
    value = document.get(key)
    if isinstance(value, str) and value.isdigit():  # Microsoft once sent numbers as strings
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 10**7:
        return float(value)
    return default
