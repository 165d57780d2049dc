"""``pop3-mail login`` as a real process against the local OAuth 2 provider."""

from __future__ import annotations

import asyncio
import json
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.support.oauth_provider import OAuthProvider

from .oauth_helpers import oauth_section

POP3_MAIL = Path(sys.executable).with_name("pop3-mail")


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str


def write_config(tmp_path: Path, provider: OAuthProvider, **section: Any) -> Path:
    oauth2 = {**oauth_section(provider, browser=bool(section.pop("browser", False))), **section}
    config = {
        "accounts": [
            {"name": "home", "host": "127.0.0.1", "username": "alice", "oauth2": oauth2},
            {"name": "old", "host": "127.0.0.1", "username": "bob", "password": "pw"},
        ],
        "state_dir": str(tmp_path / "state"),
    }
    path = tmp_path / "pop3-mail.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


async def spawn(config: Path, account: str = "home") -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(POP3_MAIL),
        "login",
        "--config",
        str(config),
        "--account",
        account,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process, stdin: bytes = b"") -> Finished:
    out, err = await asyncio.wait_for(process.communicate(stdin), 60)
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())


async def login(config: Path, account: str = "home") -> Finished:
    return await finish(await spawn(config, account))


def stored_token(tmp_path: Path) -> str:
    path = tmp_path / "state" / "oauth" / "home.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token: str = json.loads(path.read_text())["refresh_token"]
    return token


def assert_no_tokens(finished: Finished, provider: OAuthProvider) -> None:
    for token in provider.state.all_tokens():
        assert token not in finished.stdout + finished.stderr


async def test_device_sign_in_stores_the_refresh_token(
    tmp_path: Path, oauth_provider: OAuthProvider
) -> None:
    oauth_provider.state.device_outcomes = ["authorization_pending", "approved"]
    finished = await login(write_config(tmp_path, oauth_provider))
    assert finished.code == 0, finished
    assert f"open {oauth_provider.url('/device')}" in finished.stdout
    assert re.search(r"enter the code \d{4}-TEST", finished.stdout)
    assert "Signed in." in finished.stdout
    assert stored_token(tmp_path) in oauth_provider.state.live_refresh_tokens()
    assert (
        oauth_provider.state.grant_types.count("urn:ietf:params:oauth:grant-type:device_code") == 2
    )
    assert_no_tokens(finished, oauth_provider)


@pytest.mark.parametrize(
    ("outcome", "words"), [("access_denied", "declined"), ("expired_token", "expired")]
)
async def test_denied_or_expired_is_exit_3(
    tmp_path: Path, oauth_provider: OAuthProvider, outcome: str, words: str
) -> None:
    oauth_provider.state.device_outcomes = [outcome]
    finished = await login(write_config(tmp_path, oauth_provider))
    assert finished.code == 3, finished
    assert words in finished.stderr
    assert not (tmp_path / "state" / "oauth" / "home.json").exists()


async def test_an_unreachable_provider_is_exit_4(
    tmp_path: Path, oauth_provider: OAuthProvider
) -> None:
    config = write_config(tmp_path, oauth_provider)
    with oauth_provider.down():
        finished = await login(config)
    assert finished.code == 4, finished
    assert "could not be reached" in finished.stderr


async def test_a_refused_client_is_a_configuration_error(
    tmp_path: Path, oauth_provider: OAuthProvider
) -> None:
    finished = await login(write_config(tmp_path, oauth_provider, client_id="not-registered"))
    assert finished.code == 2, finished
    assert "invalid_client" in finished.stderr


@pytest.mark.parametrize(
    ("account", "words"),
    [("nobody", "--account: no account 'nobody'"), ("old", "logs in with a password")],
)
async def test_accounts_that_cannot_sign_in_are_exit_2(
    tmp_path: Path, oauth_provider: OAuthProvider, account: str, words: str
) -> None:
    finished = await login(write_config(tmp_path, oauth_provider), account)
    assert finished.code == 2, finished
    assert words in finished.stderr


async def test_a_broken_configuration_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "pop3-mail.yaml"
    path.write_text("accounts:\n  - name: home\n    oauth2: {provider: microsoft}\n")
    finished = await login(path)
    assert finished.code == 2
    assert "accounts[0].oauth2.client_id: required" in finished.stderr


# -- the browser sign-in (Google, and custom providers with an authorize_url) ------------------


async def _start_browser_login(config: Path) -> tuple[asyncio.subprocess.Process, str]:
    process = await spawn(config)
    assert process.stdout is not None
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert line, "the sign-in link never came"
        if line.strip().startswith("http"):
            return process, line.strip()


async def _browser(url: str) -> str:
    """What a browser does at the provider: sign in (at once), then be sent on."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, allow_redirects=False) as response,
    ):
        assert response.status == 302
        return response.headers["Location"]


async def test_browser_sign_in_through_the_loopback_redirect(
    tmp_path: Path, oauth_provider: OAuthProvider
) -> None:
    process, url = await _start_browser_login(write_config(tmp_path, oauth_provider, browser=True))
    assert "code_challenge_method=S256" in url
    target = await _browser(url)
    assert target.startswith("http://127.0.0.1:")
    async with aiohttp.ClientSession() as session, session.get(target) as response:
        assert "Signed in" in await response.text()
    finished = await finish(process)
    assert finished.code == 0, finished
    assert stored_token(tmp_path) in oauth_provider.state.live_refresh_tokens()
    assert oauth_provider.state.grant_types == ["authorization_code"]  # PKCE checked there
    assert_no_tokens(finished, oauth_provider)


async def test_browser_sign_in_by_pasting_the_address(
    tmp_path: Path, oauth_provider: OAuthProvider
) -> None:
    process, url = await _start_browser_login(write_config(tmp_path, oauth_provider, browser=True))
    target = await _browser(url)  # the browser elsewhere cannot load it: pasted instead
    finished = await finish(process, b"not an address\n" + target.encode() + b"\n")
    assert finished.code == 0, finished
    assert stored_token(tmp_path) in oauth_provider.state.live_refresh_tokens()


async def test_a_declined_browser_sign_in_is_exit_3(
    tmp_path: Path, oauth_provider: OAuthProvider
) -> None:
    oauth_provider.state.browser_denies = True
    process, url = await _start_browser_login(write_config(tmp_path, oauth_provider, browser=True))
    async with aiohttp.ClientSession() as session, session.get(await _browser(url)):
        pass
    finished = await finish(process)
    assert finished.code == 3, finished
    assert "declined" in finished.stderr
