"""OAuth 2 logins against a real Dovecot that takes nothing else (tokens introspected)."""

from __future__ import annotations

from typing import Any

import pytest

from pop3_mail.errors import AuthError
from pop3_mail.oauth import FixedToken
from pop3_mail.pop3 import Pop3Client, open_session
from pop3_mail.settings import AuthMethod, ServerSettings
from tests.support.oauth_fixtures import OAuthMailbox

from .helpers import dovecot_settings, make_message


def _settings(mailbox: OAuthMailbox, token: object, **changes: Any) -> ServerSettings:
    return dovecot_settings(
        mailbox.server, mailbox.user, password="", oauth=FixedToken(str(token)), **changes
    )


@pytest.mark.parametrize("method", [AuthMethod.XOAUTH2, AuthMethod.OAUTHBEARER])
async def test_a_signed_in_user_reads_the_mailbox(
    oauth_mailbox: OAuthMailbox, method: AuthMethod
) -> None:
    oauth_mailbox.user.deliver(make_message(1))
    token = oauth_mailbox.sign_in()["access_token"]
    async with open_session(_settings(oauth_mailbox, token, auth_method=method)) as client:
        assert await client.stat() == (1, len(make_message(1)))
    assert oauth_mailbox.provider.state.introspections == 1  # Dovecot asked the provider


async def test_auto_prefers_oauthbearer_which_dovecot_offers(oauth_mailbox: OAuthMailbox) -> None:
    client = Pop3Client(_settings(oauth_mailbox, oauth_mailbox.sign_in()["access_token"]))
    try:
        await client.connect()
        assert {"XOAUTH2", "OAUTHBEARER"} <= set(client.capabilities.sasl)
        assert "PLAIN" not in client.capabilities.sasl
        await client.login()
        await client.quit()
    finally:
        await client.close()


@pytest.mark.parametrize("method", [AuthMethod.AUTO, AuthMethod.USER])
async def test_no_password_opens_the_mailbox(
    oauth_mailbox: OAuthMailbox, method: AuthMethod
) -> None:
    user = oauth_mailbox.user
    settings = dovecot_settings(oauth_mailbox.server, user, auth_method=method)
    with pytest.raises(AuthError):
        async with open_session(settings):
            pass


@pytest.mark.parametrize(
    ("method", "status"),
    [(AuthMethod.XOAUTH2, "status 401"), (AuthMethod.OAUTHBEARER, "status invalid_token")],
)
async def test_a_revoked_token_is_refused_with_the_servers_reason(
    oauth_mailbox: OAuthMailbox, method: AuthMethod, status: str
) -> None:
    token = oauth_mailbox.sign_in()["access_token"]
    oauth_mailbox.provider.state.revoke_consent()
    with pytest.raises(AuthError, match=status) as caught:
        async with open_session(_settings(oauth_mailbox, token, auth_method=method)):
            pass
    assert str(token) not in str(caught.value)


@pytest.mark.parametrize("method", [AuthMethod.XOAUTH2, AuthMethod.OAUTHBEARER])
async def test_a_token_of_another_user_is_refused(
    oauth_mailbox: OAuthMailbox, method: AuthMethod
) -> None:
    # The provider vouches for the token, but for bob: Dovecot compares the names.
    token = oauth_mailbox.sign_in("bob@example.org")["access_token"]
    with pytest.raises(AuthError):
        async with open_session(_settings(oauth_mailbox, token, auth_method=method)):
            pass
    assert oauth_mailbox.provider.state.introspections == 1


async def test_an_expired_token_is_refused(oauth_mailbox: OAuthMailbox) -> None:
    token = oauth_mailbox.sign_in()["access_token"]
    oauth_mailbox.provider.state.expire_access_tokens()
    with pytest.raises(AuthError, match="rejected the OAuth token"):
        async with open_session(_settings(oauth_mailbox, token)):
            pass
