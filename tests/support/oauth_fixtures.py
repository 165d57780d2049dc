"""Fixtures for OAuth 2: the local provider and a Dovecot that takes only OAuth 2 logins.

Both live for the whole session (Dovecot is configured once with the provider's introspection
URL); each test gets a fresh provider state and a fresh mailbox.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from .dovecot import DovecotServer, MailUser, remove_dovecot, start_dovecot
from .oauth_provider import OAuthProvider

CLIENT_ID = "00000000-0000-4000-8000-00000000c0de"
"""The test client (shaped like a Microsoft application id)."""
CLIENT_SECRET = "test-client-secret-Zk4"
SCOPE = "https://outlook.office.com/POP.AccessAsUser.All offline_access"


@dataclass
class OAuthMailbox:
    """A mailbox on the OAuth-only Dovecot, and the provider that signs its user in."""

    server: DovecotServer
    user: MailUser
    provider: OAuthProvider

    def sign_in(self, username: str | None = None, scope: str = SCOPE) -> dict[str, object]:
        """Tokens for the mailbox's user (or ``username``), as a finished sign-in has them."""
        return self.provider.state.sign_in(username or self.user.username, CLIENT_ID, scope)


@pytest.fixture(scope="session")
def oauth_provider_server() -> Iterator[OAuthProvider]:
    """One provider for the session, serving in its own thread."""
    provider = OAuthProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def oauth_provider(oauth_provider_server: OAuthProvider) -> OAuthProvider:
    """The provider with a fresh state; the test client is registered (public, no secret)."""
    oauth_provider_server.reset().register_client(CLIENT_ID)
    return oauth_provider_server


@pytest.fixture(scope="session")
def oauth_dovecot_server(oauth_provider_server: OAuthProvider) -> Iterator[DovecotServer]:
    """A Dovecot that accepts OAuth 2 (XOAUTH2, OAUTHBEARER) and nothing else."""
    server = start_dovecot(oauth2_introspection_url=oauth_provider_server.url("/introspect"))
    yield server
    remove_dovecot(server)


@pytest.fixture
def oauth_mailbox(
    oauth_dovecot_server: DovecotServer, oauth_provider: OAuthProvider
) -> OAuthMailbox:
    """A fresh, empty mailbox on the OAuth-only Dovecot.

    Its passwd-file entry only gives Dovecot the home directory: the password in it (random,
    unknown to anyone) is never asked for, there is no password database.
    """
    user = oauth_dovecot_server.add_user(
        f"oauth{secrets.token_hex(4)}@example.org", password=secrets.token_urlsafe(16)
    )
    oauth_provider.state.user = user.username  # who signs in at the provider's pages
    return OAuthMailbox(oauth_dovecot_server, user, oauth_provider)
