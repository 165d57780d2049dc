"""Where the POP3 client gets an OAuth 2 access token: a provider asked at every login.

Access tokens live an hour or so; a host (Home Assistant's ``OAuth2Session``, the daemon's
refreshing provider) keeps them fresh. The client only asks, once per session, and tells the
provider when the server refused what it got, so that the next session does not offer it again.
"""

from __future__ import annotations

import re
from typing import Protocol

from ..errors import AuthError

# RFC 6750 §2.1 b64token: what a bearer token may contain. Anything else would corrupt the SASL
# message (XOAUTH2 and OAUTHBEARER separate fields with ^A) or is not a token at all.
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
MAX_TOKEN_LENGTH = 16384
"""Microsoft's access tokens reach a few kB; anything far larger is not a token."""


class TokenProvider(Protocol):
    """Hands out OAuth 2 access tokens for one mailbox."""

    async def access_token(self) -> str:
        """A currently valid access token, refreshed by the host when it is about to expire.

        Raises:
            TokenRefusedError: the provider refused to issue one (revoked consent, an expired
                or rotated-away refresh token); only signing in again helps.
            TokenUnavailableError: the provider could not be asked (network, timeout, 5xx).

        """
        ...

    def rejected(self, token: str) -> None:
        """The mail server refused ``token``: do not hand it out again."""
        ...


class FixedToken:
    """One access token given by the user (``pop3-mail check --oauth-token-env``); no refresh."""

    def __init__(self, token: str) -> None:
        """Hand out ``token`` (never shown: not in ``repr``)."""
        self._token = token

    def __repr__(self) -> str:
        """No secret."""
        return "<FixedToken>"

    async def access_token(self) -> str:
        """The token as given."""
        return self._token

    def rejected(self, token: str) -> None:
        """Nothing to refresh: the next login offers the same token (and fails the same way)."""


def checked_token(token: object) -> str:
    """``token`` if it looks like a bearer token; raises ``AuthError`` (never quoting it).

    Raises:
        AuthError: the provider handed out something that is not a bearer token.

    """
    if (
        not isinstance(token, str)
        or len(token) > MAX_TOKEN_LENGTH
        or not _BEARER_TOKEN.fullmatch(token)
    ):
        raise AuthError("the OAuth provider handed out an access token that is not a bearer token")
    return token
