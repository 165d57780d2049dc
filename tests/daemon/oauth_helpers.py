"""The daemon's OAuth 2 pieces pointed at the local test provider."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pop3_mail.oauth import Endpoints
from pop3_mail_daemon.config.oauth2 import OAuth2Config
from tests.support.oauth_fixtures import CLIENT_ID, OAuthMailbox
from tests.support.oauth_provider import OAuthProvider

SCOPES = ("https://outlook.office.com/POP.AccessAsUser.All", "offline_access", "openid")


def provider_config(provider: OAuthProvider, *, browser: bool = False) -> OAuth2Config:
    """The test client at the local provider (device flow, or browser sign-in)."""
    return OAuth2Config(
        provider="custom",
        client_id=CLIENT_ID,
        endpoints=Endpoints(
            token_url=provider.url("/token"),
            device_authorization_url=None if browser else provider.url("/device"),
            authorize_url=provider.url("/authorize") if browser else None,
        ),
        scopes=SCOPES,
    )


def oauth_section(provider: OAuthProvider, *, browser: bool = False) -> dict[str, Any]:
    """The ``oauth2`` section of a daemon configuration for the local provider."""
    section: dict[str, Any] = {
        "provider": "custom",
        "client_id": CLIENT_ID,
        "token_url": provider.url("/token"),
        "scopes": list(SCOPES),
    }
    key = "authorize_url" if browser else "device_authorization_url"
    section[key] = provider.url("/authorize" if browser else "/device")
    return section


def oauth_account(name: str, mailbox: OAuthMailbox, **extra: Any) -> dict[str, Any]:
    """A daemon account for the mailbox on the OAuth-only Dovecot."""
    return {
        "name": name,
        "host": "127.0.0.1",
        "port": mailbox.server.pop3s_port,
        "security": "ssl",
        "cafile": mailbox.server.cafile,
        "username": mailbox.user.username,
        "oauth2": oauth_section(mailbox.provider),
        "scan_interval": 3600,
        **extra,
    }


def files_holding(directory: Path, secrets: set[str]) -> list[Path]:
    """Every file below ``directory`` that contains one of ``secrets``."""
    found = []
    for path in directory.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(secret.encode() in data for secret in secrets):
                found.append(path)
    return found
