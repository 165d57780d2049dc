"""The daemon's OAuth 2 accounts: their token providers, and sign-ins started from the web.

The add-on has no terminal, so its page offers what ``pop3-mail login`` does with the device
flow: :meth:`OAuthAccounts.start_sign_in` asks the provider for a code, shows it (through
:meth:`sign_in_status`) and waits in the background until the user has agreed; then the token
is stored, the account's provider starts from it and the account is polled at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from pop3_mail.errors import Pop3MailError
from pop3_mail.settings import ServerSettings

from ..config.loader import AccountConfig, DaemonConfig
from .device_flow import SignInEnd, SignInEndedError, wait_for_approval
from .endpoint import DeviceAuthorization, HttpClient, ProviderError, TokenEndpoint
from .refreshing import RefreshingTokens, Reveal
from .sign_in import store_sign_in
from .store import TokenStore

_LOGGER = logging.getLogger(__name__)


class SignIn(StrEnum):
    """Where a sign-in from the web stands."""

    IDLE = "idle"
    PENDING = "pending"
    """The code is shown; waiting for the user."""
    SIGNED_IN = "signed_in"
    DECLINED = "declined"
    EXPIRED = "expired"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SignInStatus:
    """What the sign-in page shows."""

    state: SignIn
    user_code: str | None = None
    verification_uri: str | None = None
    verification_uri_complete: str | None = None
    expires_at: float | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (the device code, which would let anyone finish the sign-in, is not in it)."""
        return {
            "state": self.state.value,
            "user_code": self.user_code,
            "verification_uri": self.verification_uri,
            "verification_uri_complete": self.verification_uri_complete,
            "expires_in": max(0, round(self.expires_at - time.time())) if self.expires_at else None,
            "error": self.error,
        }


class BrowserSignInOnlyError(Exception):
    """The provider cannot sign in with a code (Google): only ``pop3-mail login`` can."""


class OAuthAccounts:
    """Token providers and web sign-ins of the configuration's OAuth 2 accounts."""

    def __init__(
        self,
        config: DaemonConfig,
        *,
        reveal: Reveal,
        signed_in: Callable[[str], None] = lambda account: None,
    ) -> None:
        """Providers for every account with an ``oauth2`` section (nothing is sent yet).

        ``signed_in`` is called with the account's name after a sign-in from the web.
        """
        self.http = HttpClient()
        self._reveal = reveal
        self._signed_in = signed_in
        self._endpoints: dict[str, TokenEndpoint] = {}
        self._stores: dict[str, TokenStore] = {}
        self.tokens: dict[str, RefreshingTokens] = {}
        for account in config.accounts:
            if account.oauth2 is None:
                continue
            endpoint = TokenEndpoint(self.http, account.oauth2)
            store = TokenStore(config.state_dir, account.name)
            self._endpoints[account.name] = endpoint
            self._stores[account.name] = store
            self.tokens[account.name] = RefreshingTokens(
                account.name, endpoint, store, reveal=reveal
            )
        self._status: dict[str, SignInStatus] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def settings(self, account: AccountConfig) -> ServerSettings:
        """The account's settings, with its token provider for an OAuth 2 account."""
        tokens = self.tokens.get(account.name)
        return account.server if tokens is None else replace(account.server, oauth=tokens)

    def sign_in_status(self, account: str) -> SignInStatus:
        """Where the account's web sign-in stands (``KeyError``: no OAuth 2 account)."""
        if account not in self._endpoints:
            raise KeyError(account)
        return self._status.get(account, SignInStatus(SignIn.IDLE))

    async def start_sign_in(self, account: str) -> SignInStatus:
        """Ask for a new code (a pending sign-in of the account is dropped).

        Raises:
            KeyError: no OAuth 2 account of that name.
            BrowserSignInOnlyError: the provider signs in only in a browser.

        """
        endpoint = self._endpoints[account]
        if not endpoint.config.device_flow:
            raise BrowserSignInOnlyError(account)
        await self._cancel(account)
        try:
            authorization = await endpoint.start_device_login()
        except (ProviderError, Pop3MailError) as err:
            status = SignInStatus(SignIn.FAILED, error=_problem(endpoint, err))
        else:
            status = _pending(authorization)
            self._tasks[account] = asyncio.create_task(
                self._wait(account, authorization), name=f"pop3_mail sign-in {account}"
            )
        self._status[account] = status
        return status

    async def _wait(self, account: str, authorization: DeviceAuthorization) -> None:
        endpoint, store = self._endpoints[account], self._stores[account]
        pending = self._status.get(account)
        try:
            answer = await wait_for_approval(endpoint, authorization)
            self._reveal(account, answer.access_token, answer.refresh_token or "")
            await store_sign_in(endpoint, store, answer)
        except SignInEndedError as err:
            state = SignIn.DECLINED if err.end is SignInEnd.DENIED else SignIn.EXPIRED
            self._status[account] = SignInStatus(state, error=str(err))
        except (ProviderError, Pop3MailError) as err:
            self._status[account] = SignInStatus(SignIn.FAILED, error=_problem(endpoint, err))
        else:
            _LOGGER.info("%s: signed in; the refresh token is stored", account)
            self._status[account] = SignInStatus(SignIn.SIGNED_IN)
            self.tokens[account].forget()
            self._signed_in(account)
        finally:
            if self._status.get(account) is pending:  # cancelled: back to the start
                self._status.pop(account, None)

    async def _cancel(self, account: str) -> None:
        task = self._tasks.pop(account, None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        """Drop pending sign-ins and close the HTTP session."""
        for account in list(self._tasks):
            await self._cancel(account)
        await self.http.close()


def _pending(authorization: DeviceAuthorization) -> SignInStatus:
    return SignInStatus(
        SignIn.PENDING,
        user_code=authorization.user_code,
        verification_uri=authorization.verification_uri,
        verification_uri_complete=authorization.verification_uri_complete,
        expires_at=time.time() + authorization.expires_in,
    )


def _problem(endpoint: TokenEndpoint, err: Exception) -> str:
    if isinstance(err, ProviderError):
        return f"{endpoint.host} refused the sign-in ({err.reason})"
    return str(err)
