"""``pop3-mail run`` with an OAuth 2 account on a Dovecot that takes nothing else.

The daemon refreshes access tokens as they expire, stores rotated refresh tokens, reports a
revoked sign-in as ``auth_failed`` with what to do (status page, API, MQTT) while the other
account goes on, keeps its values while the provider is down, and signs in again from the web
(behind ingress). No token appears anywhere but in the token file.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from pop3_mail_daemon.oauth.store import TokenStore
from pop3_mail_daemon.web.status_page import CHECK_HEADER, CHECK_HEADER_VALUE
from tests.daemon.conftest import Launch
from tests.daemon.helpers import DaemonProcess, account, eventually, last, mail
from tests.engine.dispatch.helpers import Subscriber
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.oauth_fixtures import CLIENT_ID, OAuthMailbox

from .oauth_helpers import files_holding, oauth_account

pytestmark = [pytest.mark.dovecot, pytest.mark.mosquitto]

HINT = "run `pop3-mail login --account outlook`"
INGRESS = {"X-Ingress-Path": "/api/hassio_ingress/abc123"}
JSON_REQUEST = {**INGRESS, CHECK_HEADER: CHECK_HEADER_VALUE}


async def _signed_in(tmp_path: Path, mailbox: OAuthMailbox) -> str:
    """Store a sign-in of the mailbox's user, as ``pop3-mail login`` leaves it."""
    refresh = str(mailbox.sign_in()["refresh_token"])
    await TokenStore(tmp_path / "state", "outlook").save(CLIENT_ID, refresh)
    return refresh


async def _start(
    tmp_path: Path, launch: Launch, mailbox: OAuthMailbox, dovecot: DovecotServer, user: MailUser
) -> DaemonProcess:
    await _signed_in(tmp_path, mailbox)
    return await launch(
        [oauth_account("outlook", mailbox), account("home", dovecot, user)],
    )


def _stored(tmp_path: Path) -> str:
    document = json.loads((tmp_path / "state" / "oauth" / "outlook.json").read_text())
    token: str = document["refresh_token"]
    return token


async def _page(daemon: DaemonProcess) -> str:
    async with aiohttp.ClientSession() as session, session.get(daemon.url + "/") as response:
        return await response.text()


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    """Wait until ``condition()`` holds (a bound for slow machines, not a timing test)."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def test_refresh_rotation_revocation_and_the_other_account(
    tmp_path: Path,
    oauth_mailbox: OAuthMailbox,
    dovecot: DovecotServer,
    mail_user: MailUser,
    subscriber: Subscriber,
    launch: Launch,
) -> None:
    provider = oauth_mailbox.provider.state
    provider.expires_in = 30  # less than the daemon's margin: every login refreshes first
    oauth_mailbox.user.deliver(mail("Hello over OAuth"))
    first = await _signed_in(tmp_path, oauth_mailbox)
    daemon = await launch(
        [oauth_account("outlook", oauth_mailbox), account("home", dovecot, mail_user)]
    )

    status = await daemon.polled("outlook")
    assert status["status"] == "ok", daemon.output()
    assert status["messages"] == 1
    assert status["oauth2"] == {"provider": "custom"}
    assert provider.refreshes == 1
    rotated = _stored(tmp_path)
    assert rotated != first
    assert provider.live_refresh_tokens() == {rotated}

    await daemon.check("outlook")  # expired again: refreshed and rotated again
    assert (await daemon.account("outlook"))["status"] == "ok"
    assert provider.refreshes == 2
    assert _stored(tmp_path) != rotated
    assert provider.live_refresh_tokens() == {_stored(tmp_path)}

    # The user withdraws consent: the next refresh is refused.
    provider.revoke_consent()
    await daemon.check("outlook")
    status = await daemon.account("outlook")
    assert status["status"] == "auth_failed"
    assert HINT in status["last_error"]
    assert "invalid_grant" in status["last_error"]
    assert status["messages"] == 1  # what was known is still shown
    assert HINT in await _page(daemon)
    assert 'href="accounts/outlook/sign-in"' in await _page(daemon)
    await eventually(lambda: last(subscriber, "pop3_mail/outlook/status") == b"auth_failed")
    error = json.loads(last(subscriber, "pop3_mail/outlook/error") or b"{}")
    assert HINT in error["error"]

    # The password account goes on.
    await daemon.check("home")
    assert (await daemon.account("home"))["status"] == "ok"

    # No token outside the token file: logs, API, page, MQTT, state files.
    tokens = provider.all_tokens()
    shown = daemon.output() + json.dumps(await daemon.status()) + await _page(daemon)
    shown += "".join(m.payload.decode(errors="replace") for m in subscriber.messages)
    assert not [token for token in tokens if token in shown]
    assert files_holding(tmp_path, tokens) == [tmp_path / "state" / "oauth" / "outlook.json"]


async def test_an_unreachable_provider_keeps_the_values(
    tmp_path: Path,
    oauth_mailbox: OAuthMailbox,
    dovecot: DovecotServer,
    mail_user: MailUser,
    subscriber: Subscriber,
    launch: Launch,
) -> None:
    oauth_mailbox.provider.state.expires_in = 30
    oauth_mailbox.user.deliver(mail("One"))
    daemon = await _start(tmp_path, launch, oauth_mailbox, dovecot, mail_user)
    assert (await daemon.polled("outlook"))["status"] == "ok"
    with oauth_mailbox.provider.down():
        await daemon.check("outlook")
        status = await daemon.account("outlook")
    assert status["status"] == "oauth_unavailable"
    assert (status["messages"], status["unread"]) == (1, 0)
    assert "could not be reached" in status["last_error"]
    await eventually(lambda: last(subscriber, "pop3_mail/outlook/status") == b"oauth_unavailable")
    await daemon.check("outlook")  # the provider is back: so is the account
    assert (await daemon.account("outlook"))["status"] == "ok"


async def test_signing_in_again_from_the_page_behind_ingress(
    tmp_path: Path,
    oauth_mailbox: OAuthMailbox,
    dovecot: DovecotServer,
    mail_user: MailUser,
    launch: Launch,
) -> None:
    provider = oauth_mailbox.provider.state
    provider.expires_in = 30
    daemon = await _start(tmp_path, launch, oauth_mailbox, dovecot, mail_user)
    await daemon.polled("outlook")
    provider.revoke_consent()
    await daemon.check("outlook")
    assert (await daemon.account("outlook"))["status"] == "auth_failed"

    api = f"{daemon.url}/api/accounts/outlook/sign-in"
    async with aiohttp.ClientSession() as session:
        # Not behind ingress, not JSON with the header, not an OAuth 2 account: refused.
        async with session.post(api, json={}, headers={CHECK_HEADER: CHECK_HEADER_VALUE}) as r:
            assert r.status == 403
            assert "pop3-mail login" in (await r.json())["error"]
        async with session.post(api, data={"a": "b"}, headers=INGRESS) as r:
            assert r.status == 403
        async with session.post(api, headers=INGRESS, json={}) as r:
            assert r.status == 403
        home = f"{daemon.url}/api/accounts/home/sign-in"
        async with session.post(home, headers=JSON_REQUEST, json={}) as r:
            assert r.status == 404

        page_url = f"{daemon.url}/accounts/outlook/sign-in"
        async with session.get(page_url) as r:  # not behind ingress: the command instead
            assert r.status == 403
            assert "pop3-mail login --config FILE --account outlook" in await r.text()
        async with session.get(page_url, headers=INGRESS) as r:
            assert r.status == 200
            assert "script-src 'sha256-" in r.headers["Content-Security-Policy"]
            assert '<base href="/api/hassio_ingress/abc123/">' in await r.text()

        provider.device_outcomes = ["authorization_pending", "approved"]
        async with session.post(api, headers=JSON_REQUEST, json={}) as r:
            assert r.status == 202
            started = await r.json()
        assert started["state"] == "pending"
        assert started["verification_uri"] == oauth_mailbox.provider.url("/device")
        assert started["user_code"].endswith("-TEST")
        assert "device_code" not in started

        async def signed_in() -> bool:
            async with session.get(api, headers=INGRESS) as r:
                return bool((await r.json())["state"] == "signed_in")

        await until(signed_in)

    async def polled_ok() -> bool:
        return bool((await daemon.account("outlook"))["status"] == "ok")

    await until(polled_ok)  # polled at once after the sign-in
    assert _stored(tmp_path) in provider.live_refresh_tokens()
    tokens = provider.all_tokens()
    assert not [token for token in tokens if token in daemon.output()]
