"""One sign-in, from the first request to the stored refresh token (command line and web)."""

from __future__ import annotations

from pop3_mail.errors import TokenUnavailableError

from .endpoint import TokenAnswer, TokenEndpoint
from .store import TokenStore


async def store_sign_in(endpoint: TokenEndpoint, store: TokenStore, answer: TokenAnswer) -> None:
    """Keep the refresh token of a finished sign-in.

    Raises:
        TokenUnavailableError: the provider handed out no refresh token (without one the
            daemon could not log in for longer than an hour).
        StateStoreError: the token file cannot be written.

    """
    if not answer.refresh_token:
        raise TokenUnavailableError(
            f"{endpoint.host} handed out no refresh token; the scopes must allow offline "
            "access (offline_access for Microsoft)"
        )
    await store.save(endpoint.config.client_id, answer.refresh_token)
