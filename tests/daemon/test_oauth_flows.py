"""The daemon's device flow, token file and refreshing provider against the local provider.

Waits are recorded instead of slept, so the polling rules of RFC 8628 are checked exactly and
no test depends on timing.
"""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pop3_mail.errors import Failure, TokenRefusedError, TokenUnavailableError, classify
from pop3_mail_daemon.log_masking import LEARNT_PER_KEY, MASK, SecretMask
from pop3_mail_daemon.oauth.device_flow import SignInEnd, SignInEndedError, wait_for_approval
from pop3_mail_daemon.oauth.endpoint import HttpClient, ProviderError, TokenEndpoint
from pop3_mail_daemon.oauth.refreshing import RefreshingTokens
from pop3_mail_daemon.oauth.sign_in import store_sign_in
from pop3_mail_daemon.oauth.store import TokenStore
from tests.support.oauth_provider import OAuthProvider

from .oauth_helpers import provider_config


class Waits:
    """A stand-in for ``asyncio.sleep`` and the clock: records, never waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 0.0

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
async def endpoint(oauth_provider: OAuthProvider) -> AsyncIterator[TokenEndpoint]:
    http = HttpClient()
    yield TokenEndpoint(http, provider_config(oauth_provider))
    await http.close()


async def test_pending_then_approved_honours_the_interval(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint
) -> None:
    oauth_provider.state.interval = 7
    oauth_provider.state.device_outcomes = [
        "authorization_pending",
        "authorization_pending",
        "approved",
    ]
    authorization = await endpoint.start_device_login()
    assert authorization.user_code.endswith("-TEST")
    assert authorization.verification_uri == oauth_provider.url("/device")
    assert "dc-" not in repr(authorization)  # the device code stays out of reprs
    waits = Waits()
    answer = await wait_for_approval(endpoint, authorization, sleep=waits.sleep, clock=waits.clock)
    assert waits.waits == [7, 7, 7]  # every poll waits the interval first
    assert answer.refresh_token in oauth_provider.state.live_refresh_tokens()
    assert answer.access_token not in repr(answer)


async def test_slow_down_adds_five_seconds_each_time(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint
) -> None:
    oauth_provider.state.interval = 2
    oauth_provider.state.device_outcomes = [
        "slow_down",
        "authorization_pending",
        "slow_down",
        "approved",
    ]
    authorization = await endpoint.start_device_login()
    waits = Waits()
    await wait_for_approval(endpoint, authorization, sleep=waits.sleep, clock=waits.clock)
    assert waits.waits == [2, 7, 7, 12]


async def test_a_provider_saying_zero_is_polled_once_a_second(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint
) -> None:
    oauth_provider.state.device_outcomes = ["authorization_pending", "approved"]
    authorization = await endpoint.start_device_login()
    waits = Waits()
    await wait_for_approval(endpoint, authorization, sleep=waits.sleep, clock=waits.clock)
    assert waits.waits == [1, 1]


@pytest.mark.parametrize(
    ("outcome", "end"),
    [("access_denied", SignInEnd.DENIED), ("expired_token", SignInEnd.EXPIRED)],
)
async def test_denied_and_expired_end_the_sign_in(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint, outcome: str, end: SignInEnd
) -> None:
    oauth_provider.state.device_outcomes = ["authorization_pending", outcome]
    authorization = await endpoint.start_device_login()
    waits = Waits()
    with pytest.raises(SignInEndedError) as caught:
        await wait_for_approval(endpoint, authorization, sleep=waits.sleep, clock=waits.clock)
    assert caught.value.end is end
    assert len(waits.waits) == 2


async def test_the_codes_lifetime_ends_the_polling(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint
) -> None:
    oauth_provider.state.interval = 300
    oauth_provider.state.device_outcomes = ["authorization_pending"]  # forever
    authorization = await endpoint.start_device_login()  # valid for 900 s
    waits = Waits()
    with pytest.raises(SignInEndedError) as caught:
        await wait_for_approval(endpoint, authorization, sleep=waits.sleep, clock=waits.clock)
    assert caught.value.end is SignInEnd.EXPIRED
    assert waits.waits == [300, 300, 300]


async def test_an_unknown_client_is_the_providers_refusal(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint
) -> None:
    oauth_provider.reset()  # the test client is no longer registered
    with pytest.raises(ProviderError, match="invalid_client"):
        await endpoint.start_device_login()


async def test_an_unreachable_provider_is_transient(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint
) -> None:
    with oauth_provider.down(), pytest.raises(TokenUnavailableError) as caught:
        await endpoint.start_device_login()
    assert classify(caught.value) is Failure.OAUTH_PROVIDER
    assert "127.0.0.1" in str(caught.value)


# -- the token file and the refreshing provider -------------------------------------------------


async def _signed_in(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint, tmp_path: Path
) -> TokenStore:
    """A finished sign-in of alice, stored."""
    oauth_provider.state.device_outcomes = ["approved"]
    authorization = await endpoint.start_device_login()
    answer = await wait_for_approval(endpoint, authorization, sleep=Waits().sleep)
    store = TokenStore(tmp_path, "home")
    await store_sign_in(endpoint, store, answer)
    return store


async def test_the_token_file_is_owner_only_and_holds_the_refresh_token(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint, tmp_path: Path
) -> None:
    store = await _signed_in(oauth_provider, endpoint, tmp_path)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    stored = await store.load()
    assert stored is not None
    assert stored.refresh_token in oauth_provider.state.live_refresh_tokens()
    assert stored.refresh_token not in repr(stored)
    assert not list(store.directory.glob(".*.tmp"))  # written atomically, nothing left over


async def test_refresh_when_due_rotation_stored_before_use(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint, tmp_path: Path
) -> None:
    store = await _signed_in(oauth_provider, endpoint, tmp_path)
    revealed: list[str] = []
    now = [1000.0]
    tokens = RefreshingTokens(
        "home", endpoint, store, reveal=lambda account, *s: revealed.extend(s), clock=lambda: now[0]
    )
    before = oauth_provider.state.refreshes
    first = await tokens.access_token()
    assert await tokens.access_token() == first  # valid for an hour: no second refresh
    assert oauth_provider.state.refreshes == before + 1
    stored = await store.load()
    assert stored is not None
    assert oauth_provider.state.live_refresh_tokens() == {stored.refresh_token}  # rotated
    now[0] += 3600 - 59  # less than a minute left: refreshed
    second = await tokens.access_token()
    assert second != first
    assert oauth_provider.state.refreshes == before + 2
    assert {first, second, stored.refresh_token} <= set(revealed)
    assert "at-" not in repr(tokens)


async def test_a_token_the_server_refused_is_refreshed(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint, tmp_path: Path
) -> None:
    tokens = RefreshingTokens(
        "home", endpoint, await _signed_in(oauth_provider, endpoint, tmp_path)
    )
    first = await tokens.access_token()
    tokens.rejected(first)
    assert await tokens.access_token() != first


async def test_a_revoked_sign_in_asks_to_sign_in_again(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint, tmp_path: Path
) -> None:
    tokens = RefreshingTokens(
        "home", endpoint, await _signed_in(oauth_provider, endpoint, tmp_path)
    )
    oauth_provider.state.revoke_consent()
    with pytest.raises(TokenRefusedError) as caught:
        await tokens.access_token()
    assert "run `pop3-mail login --account home`" in str(caught.value)
    assert "invalid_grant" in caught.value.reason
    assert classify(caught.value) is Failure.AUTH


async def test_never_signed_in(endpoint: TokenEndpoint, tmp_path: Path) -> None:
    tokens = RefreshingTokens("home", endpoint, TokenStore(tmp_path, "home"))
    with pytest.raises(TokenRefusedError, match="not signed in; sign in again: run `pop3-mail"):
        await tokens.access_token()


async def test_an_unreachable_provider_keeps_the_sign_in(
    oauth_provider: OAuthProvider, endpoint: TokenEndpoint, tmp_path: Path
) -> None:
    store = await _signed_in(oauth_provider, endpoint, tmp_path)
    tokens = RefreshingTokens("home", endpoint, store)
    with oauth_provider.down(), pytest.raises(TokenUnavailableError):
        await tokens.access_token()
    assert await tokens.access_token()  # back: the stored sign-in still works


def test_learnt_tokens_are_masked_and_only_the_newest_kept() -> None:
    mask = SecretMask(["configured-secret"])
    tokens = [f"at-token-number-{n:03d}" for n in range(LEARNT_PER_KEY + 3)]
    for token in tokens:
        mask.remember("home", token)
    mask.remember("work", "at-of-the-other-account")
    text = " ".join([*tokens, "at-of-the-other-account", "configured-secret"])
    shown = mask.mask(text).split()
    assert shown[:3] == tokens[:3]  # expired long ago: no longer on the list
    assert set(shown[3:]) == {MASK}
