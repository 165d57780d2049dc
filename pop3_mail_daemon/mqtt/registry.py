"""Which retained MQTT topics the daemon has published, remembered in the state directory.

Retained messages outlive the daemon. When an account leaves the configuration (or discovery is
switched off, or a prefix changes), its retained discovery config and states must be cleared
with empty retained messages, or Home Assistant keeps ghost entities. The record is the only
way to know what a previous run published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pop3_mail.state_store import StateStore

REGISTRY_VERSION = 1


class PublishedTopics:
    """The retained topics per account that a previous run left on the broker."""

    def __init__(self, store: StateStore) -> None:
        """Keep the record in ``store``."""
        self._store = store
        self._topics: dict[str, tuple[str, ...]] = {}

    async def load(self) -> None:
        """Read the record (an unknown or damaged record counts as empty)."""
        data = await self._store.load()
        accounts = (
            data.get("accounts") if data and data.get("version") == REGISTRY_VERSION else None
        )
        if not isinstance(accounts, dict):
            self._topics = {}
            return
        self._topics = {
            str(name): tuple(str(topic) for topic in topics)
            for name, topics in accounts.items()
            if isinstance(topics, list)
        }

    def stale(self, current: Mapping[str, Sequence[str]]) -> list[str]:
        """Topics published before that the ``current`` accounts no longer use."""
        wanted = {topic for topics in current.values() for topic in topics}
        return sorted({topic for topics in self._topics.values() for topic in topics} - wanted)

    async def save(self, current: Mapping[str, Sequence[str]]) -> None:
        """Record ``current`` as what is now published."""
        self._topics = {name: tuple(topics) for name, topics in current.items()}
        document: dict[str, Any] = {
            "version": REGISTRY_VERSION,
            "accounts": {name: list(topics) for name, topics in sorted(self._topics.items())},
        }
        await self._store.save(document)
