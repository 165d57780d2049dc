"""The OAuth 2.0 Device Authorization Grant (RFC 8628): sign in on another device.

The daemon shows a link and a short code; the user opens the link anywhere, enters the code and
agrees; meanwhile the daemon polls the token endpoint, no sooner than the provider's
``interval`` allows, five seconds slower after each ``slow_down`` (§3.5), until the provider
answers with tokens, ``access_denied`` or ``expired_token`` (or the code's lifetime is over).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

from .endpoint import DeviceAuthorization, ProviderError, TokenAnswer, TokenEndpoint

SLOW_DOWN_STEP = 5.0
"""RFC 8628 §3.5: seconds added to the interval at every ``slow_down``."""
MIN_INTERVAL = 1.0
"""Never poll faster than this, even when a provider says 0."""

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class SignInEnd(StrEnum):
    """How a sign-in ended without tokens."""

    DENIED = "denied"
    """The user said no (``access_denied``)."""
    EXPIRED = "expired"
    """The code ran out before the user agreed (``expired_token``)."""


class SignInEndedError(Exception):
    """The sign-in ended without tokens; ``end`` says how."""

    def __init__(self, end: SignInEnd, message: str) -> None:
        """Keep how it ended."""
        super().__init__(message)
        self.end = end


async def wait_for_approval(
    endpoint: TokenEndpoint,
    authorization: DeviceAuthorization,
    *,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.monotonic,
    min_interval: float = MIN_INTERVAL,
) -> TokenAnswer:
    """Poll until the user has agreed; returns the tokens.

    ``sleep`` and ``clock`` are there for tests, which record the waits instead of waiting.

    Raises:
        SignInEndedError: the user refused, or the code expired.
        ProviderError: any other refusal of the provider (an unknown client, say).
        TokenUnavailableError: the provider could not be asked.

    """
    interval = max(authorization.interval, min_interval)
    deadline = clock() + authorization.expires_in
    while True:
        if clock() + interval > deadline:
            raise SignInEndedError(
                SignInEnd.EXPIRED, "the code expired before the sign-in was finished"
            )
        await sleep(interval)
        try:
            return await endpoint.poll_device_login(authorization.device_code)
        except ProviderError as err:
            if err.error == "authorization_pending":
                continue
            if err.error == "slow_down":
                interval += SLOW_DOWN_STEP
                continue
            if err.error == "access_denied":
                raise SignInEndedError(SignInEnd.DENIED, "the sign-in was declined") from None
            if err.error == "expired_token":
                raise SignInEndedError(
                    SignInEnd.EXPIRED, "the code expired before the sign-in was finished"
                ) from None
            raise
