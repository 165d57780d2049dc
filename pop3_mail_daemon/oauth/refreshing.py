"""The daemon's token provider: a fresh access token at every login, refreshed when due.

Access tokens are kept in memory only, until a minute before they expire (or until the mail
server refuses one). Then the stored refresh token is read again (a ``pop3-mail login`` may have
replaced it meanwhile) and exchanged at the token endpoint; a rotated refresh token is stored
*before* the new access token is used, so a crash cannot lose the only valid one. Each token is
handed to the log mask as soon as it arrives.

A refresh the provider refuses (``invalid_grant``: consent revoked, the token expired or
rotated away) is a ``TokenRefusedError`` telling the user to sign in again; one that cannot be
made (network, 5xx) is a ``TokenUnavailableError``, which the worker retries with its back-off.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from pop3_mail.errors import StateStoreError, TokenRefusedError

from ..config.oauth2 import login_hint
from .endpoint import ProviderError, TokenAnswer, TokenEndpoint
from .store import TokenStore

_LOGGER = logging.getLogger(__name__)

EXPIRY_MARGIN = 60.0
"""Refresh this many seconds before the access token expires (clocks and slow logins)."""

Reveal = Callable[..., None]
"""``reveal(account, *secrets)``: new secrets of an account, for logs and the status page to
mask."""


class RefreshingTokens:
    """A :class:`pop3_mail.oauth.TokenProvider` backed by a refresh token in the state dir."""

    def __init__(
        self,
        account: str,
        endpoint: TokenEndpoint,
        store: TokenStore,
        *,
        reveal: Reveal = lambda account, *secrets: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Tokens for ``account`` from ``endpoint``; the refresh token lives in ``store``."""
        self.account = account
        self._endpoint = endpoint
        self._store = store
        self._reveal = reveal
        self._clock = clock
        self._access: str | None = None
        self._expires_at = 0.0
        self._unsaved: str | None = None
        """A rotated refresh token the store could not take yet (the old one is dead)."""
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        """No secret."""
        return f"<RefreshingTokens {self.account}>"

    async def access_token(self) -> str:
        """A valid access token, refreshed when it is (nearly) expired.

        Raises:
            TokenRefusedError: never signed in, or the provider refused the refresh token.
            TokenUnavailableError: the provider could not be asked.

        """
        async with self._lock:
            if self._access is not None and self._clock() < self._expires_at - EXPIRY_MARGIN:
                return self._access
            answer = await self._refresh()
            self._access = answer.access_token
            self._expires_at = self._clock() + answer.expires_in
            return self._access

    def rejected(self, token: str) -> None:
        """The mail server refused ``token``: the next login refreshes first."""
        if token == self._access:
            self._access = None

    def forget(self) -> None:
        """A new sign-in was stored: start from it at the next login."""
        self._access = None
        self._unsaved = None

    async def _refresh(self) -> TokenAnswer:
        config = self._endpoint.config
        stored = await self._store.load()
        if stored is None:
            raise TokenRefusedError(login_hint(self.account, "not signed in"))
        if stored.client_id != config.client_id:
            raise TokenRefusedError(
                login_hint(self.account, "signed in with another client_id than configured")
            )
        refresh_token = self._unsaved or stored.refresh_token
        self._reveal(self.account, refresh_token)
        try:
            answer = await self._endpoint.refresh(refresh_token)
        except ProviderError as err:
            raise TokenRefusedError(
                login_hint(
                    self.account, f"{self._endpoint.host} refused the refresh token ({err.reason})"
                ),
                reason=err.reason,
            ) from None
        self._reveal(self.account, answer.access_token, answer.refresh_token or "")
        rotated = answer.refresh_token or self._unsaved
        if rotated and rotated != stored.refresh_token:
            # Rotation: the old token stops working now; keep the new one before anything else.
            try:
                await self._store.save(config.client_id, rotated)
            except StateStoreError as err:
                self._unsaved = rotated  # kept in memory; saving is tried at the next refresh
                _LOGGER.error("%s: %s", self.account, err)  # noqa: TRY400 - one clear line
            else:
                self._unsaved = None
                _LOGGER.debug("%s: stored the rotated refresh token", self.account)
        return answer
