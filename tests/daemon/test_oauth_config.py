"""An account's ``oauth2`` section: what validates, and every mistake named by its path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pop3_mail.oauth import GOOGLE_ENDPOINTS, microsoft_endpoints
from pop3_mail.settings import AuthMethod
from pop3_mail_daemon.cli import main
from pop3_mail_daemon.config.loader import load_config

MICROSOFT_ID = "00000000-0000-4000-8000-000000000001"


def write(tmp_path: Path, accounts: list[dict[str, Any]]) -> Path:
    path = tmp_path / "pop3-mail.yaml"
    path.write_text(yaml.safe_dump({"accounts": accounts}), encoding="utf-8")
    return path


def test_microsoft_takes_its_server_endpoints_and_scopes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            {
                "name": "outlook",
                "username": "me@outlook.com",
                "oauth2": {"provider": "microsoft", "client_id": MICROSOFT_ID},
            }
        ],
    )
    (account,) = load_config(path).accounts
    assert (account.server.host, account.server.effective_port) == (
        "outlook.office365.com",
        995,
    )
    assert account.oauth2 is not None
    assert account.oauth2.endpoints == microsoft_endpoints("common")
    assert account.oauth2.endpoints.device_authorization_url == (
        "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"
    )
    assert "https://outlook.office.com/POP.AccessAsUser.All" in account.oauth2.scopes
    assert "offline_access" in account.oauth2.scopes
    assert account.oauth2.device_flow
    assert account.server.password == ""
    assert account.server.oauth is not None  # stands in until the daemon runs


def test_a_tenant_and_a_client_secret_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("s3cr3t-value\n")
    path = write(
        tmp_path,
        [
            {
                "name": "work",
                "username": "me@contoso.com",
                "auth_method": "xoauth2",
                "oauth2": {
                    "provider": "microsoft",
                    "client_id": MICROSOFT_ID,
                    "tenant": "contoso.onmicrosoft.com",
                    "client_secret_file": "secret",
                },
            }
        ],
    )
    config = load_config(path)
    (account,) = config.accounts
    assert account.oauth2 is not None
    assert account.oauth2.client_secret == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(account)
    assert "s3cr3t-value" in config.secrets  # masked in logs and the status page
    assert account.oauth2.endpoints.token_url.startswith(
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/"
    )
    assert account.server.auth_method is AuthMethod.XOAUTH2


def test_google_signs_in_in_a_browser(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            {
                "name": "gmail",
                "username": "me@gmail.com",
                "oauth2": {
                    "provider": "google",
                    "client_id": "123-abc.apps.googleusercontent.com",
                    "client_secret": "GOCSPX-test",
                },
            }
        ],
    )
    (account,) = load_config(path).accounts
    assert account.server.host == "pop.gmail.com"
    assert account.oauth2 is not None
    assert account.oauth2.endpoints == GOOGLE_ENDPOINTS
    assert not account.oauth2.device_flow  # Google's device flow refuses the mail scope
    assert ("access_type", "offline") in account.oauth2.extra_authorize_data


BASE = {"name": "home", "host": "pop.example.com", "username": "me"}
MS = {"provider": "microsoft", "client_id": MICROSOFT_ID}
CUSTOM = {
    "provider": "custom",
    "client_id": "x",
    "scopes": ["a"],
    "token_url": "https://idp.example.com/token",
    "device_authorization_url": "https://idp.example.com/device",
}


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        (
            {**BASE, "password": "pw", "oauth2": MS},
            "accounts[0].password: give either oauth2 or a password, not both",
        ),
        (
            {**BASE, "password_env": "X", "oauth2": MS},
            "accounts[0].password_env: give either oauth2 or a password, not both",
        ),
        ({**BASE, "oauth2": {"provider": "microsoft"}}, "accounts[0].oauth2.client_id: required"),
        ({**BASE, "oauth2": {"client_id": "x"}}, "accounts[0].oauth2.provider: required"),
        (
            {**BASE, "oauth2": {**MS, "provider": "yahoo"}},
            "accounts[0].oauth2.provider: expected one of microsoft, google, custom",
        ),
        (
            {**BASE, "oauth2": {**MS, "tenant": "a/b"}},
            "accounts[0].oauth2.tenant: expected common, consumers, organizations",
        ),
        (
            {**BASE, "oauth2": {"provider": "google", "client_id": "x", "tenant": "common"}},
            "accounts[0].oauth2.tenant: only for provider: microsoft",
        ),
        (
            {**BASE, "oauth2": {"provider": "google", "client_id": "x"}},
            "accounts[0].oauth2.client_secret: Google needs the client secret",
        ),
        (
            {**BASE, "oauth2": {**MS, "token_url": "https://example.com/token"}},
            "accounts[0].oauth2.token_url: only for provider: custom",
        ),
        (
            {**BASE, "oauth2": {"provider": "custom", "client_id": "x", "scopes": ["a"]}},
            "accounts[0].oauth2.token_url: required with provider: custom",
        ),
        (
            {
                **BASE,
                "oauth2": {
                    "provider": "custom",
                    "client_id": "x",
                    "scopes": ["a"],
                    "token_url": "https://example.com/token",
                },
            },
            "accounts[0].oauth2.device_authorization_url: provider: custom needs",
        ),
        (
            {
                **BASE,
                "oauth2": {
                    "provider": "custom",
                    "client_id": "x",
                    "scopes": ["a"],
                    "token_url": "http://idp.example.com/token",
                    "authorize_url": "https://idp.example.com/authorize",
                },
            },
            "accounts[0].oauth2.token_url: expected an https:// URL (http:// only to localhost)",
        ),
        (
            {"name": "home", "username": "me", "oauth2": CUSTOM},
            "accounts[0].host: required",
        ),
        ({**BASE, "oauth2": {**MS, "clientid": "x"}}, "accounts[0].oauth2.clientid: unknown key"),
        (
            {**BASE, "oauth2": MS, "auth_method": "plain"},
            "accounts[0].auth_method: plain logs in with a password",
        ),
        (
            {**BASE, "password": "pw", "auth_method": "oauthbearer"},
            "accounts[0].auth_method: oauthbearer needs an oauth2 section",
        ),
        ({**BASE}, "accounts[0]: the password is missing"),
    ],
    ids=lambda value: value[:60] if isinstance(value, str) else None,
)
def test_mistakes_are_exit_2_naming_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], account: dict[str, Any], expected: str
) -> None:
    assert main(["validate", "--config", str(write(tmp_path, [account]))]) == 2
    err = capsys.readouterr().err
    assert f"pop3-mail: error: {expected}" in err, err


def test_a_misspelt_oauth2_key_gets_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, [{**BASE, "oauth2": {**MS, "tennant": "common"}}])
    assert main(["validate", "--config", str(path)]) == 2
    assert "oauth2.tennant: unknown key (did you mean tenant?)" in capsys.readouterr().err
