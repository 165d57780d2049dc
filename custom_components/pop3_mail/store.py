"""The engine's ``StateStore`` on top of Home Assistant's storage helper."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN, STORAGE_VERSION

SEEN_STORE = "seen"
"""The tracking state: which UIDs were seen, acknowledged, waiting for deletion."""
OUTBOX_STORE = "outbox"
"""Deliveries of the rules that wait for a retry."""


def storage_key(entry_id: str, purpose: str) -> str:
    """Key of one of an entry's documents in ``.storage`` (e.g. ``pop3_mail.<id>.seen``)."""
    return f"{DOMAIN}.{entry_id}.{purpose}"


class EntryStore:
    """One JSON document of a config entry, in ``<config>/.storage``.

    Home Assistant writes it atomically and off the event loop. ``private`` keeps the file
    readable by the owner only: it holds message identifiers and, for the outbox, summaries.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str, purpose: str) -> None:
        """Address the ``purpose`` document of entry ``entry_id``."""
        self._store: Store[dict[str, Any]] = Store(
            hass,
            STORAGE_VERSION,
            storage_key(entry_id, purpose),
            private=True,
            atomic_writes=True,
        )

    async def load(self) -> dict[str, Any] | None:
        """The saved document, or ``None`` before the first save."""
        return await self._store.async_load()

    async def save(self, data: dict[str, Any]) -> None:
        """Replace the saved document (returns once it is on disk)."""
        await self._store.async_save(data)

    async def remove(self) -> None:
        """Delete the document (the entry was removed)."""
        await self._store.async_remove()
