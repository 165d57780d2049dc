"""Where the daemon keeps an account's refresh token: ``<state_dir>/oauth/<account>.json``.

The only file that ever holds a token: owner-only (0600, in a 0700 directory), written
atomically (a crash leaves the old or the new token, never half of one), read and written off the
event loop. ``pop3-mail login`` writes it, ``pop3-mail run`` reads it before every refresh (so a
login from the command line while the daemon runs is picked up) and writes the rotated token.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pop3_mail.state_store import JsonFileStore

VERSION = 1
DIRECTORY = "oauth"


@dataclass(frozen=True, slots=True)
class StoredLogin:
    """One account's sign-in as stored."""

    client_id: str
    refresh_token: str = field(repr=False)
    saved_at: str = ""


class TokenStore:
    """The token file of one account."""

    def __init__(self, state_dir: Path, account: str) -> None:
        """The file of ``account`` under ``state_dir``."""
        self.directory = state_dir / DIRECTORY
        self.path = self.directory / f"{account}.json"
        self._file = JsonFileStore(self.path)

    async def load(self) -> StoredLogin | None:
        """The stored sign-in, or ``None`` (never signed in, or an unreadable file).

        Raises:
            StateStoreError: never; an unreadable file counts as no sign-in.

        """
        document = await self._file.load()
        if document is None or document.get("version") != VERSION:
            return None
        token, client_id = document.get("refresh_token"), document.get("client_id")
        if not isinstance(token, str) or not token or not isinstance(client_id, str):
            return None
        saved_at = document.get("saved_at")
        return StoredLogin(client_id, token, saved_at if isinstance(saved_at, str) else "")

    async def save(self, client_id: str, refresh_token: str) -> None:
        """Replace the stored refresh token.

        Raises:
            StateStoreError: the file cannot be written.

        """
        await asyncio.to_thread(_private_directory, self.directory)
        await self._file.save(
            {
                "version": VERSION,
                "client_id": client_id,
                "refresh_token": refresh_token,
                "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )


def _private_directory(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # noqa: PTH101 - one call, no Path object needed
