"""MQTT topic names used by the daemon (documented in docs/daemon.md; keep both in step)."""

from __future__ import annotations

import re
from dataclasses import dataclass

ONLINE = "online"
OFFLINE = "offline"


def availability_topic(base: str) -> str:
    """Retained ``online``/``offline`` of the daemon itself (``offline`` is the last will)."""
    return f"{base}/status"


def birth_topic(discovery_prefix: str) -> str:
    """Where Home Assistant announces ``online`` after it (re)started."""
    return f"{discovery_prefix}/status"


def node_id(base: str) -> str:
    """The base topic as an identifier (``[a-zA-Z0-9_-]``), for unique and device ids."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", base)


@dataclass(frozen=True, slots=True)
class AccountTopics:
    """Topics of one account below ``<base>/<account>/``."""

    base: str
    account: str

    def _topic(self, leaf: str) -> str:
        return f"{self.base}/{self.account}/{leaf}"

    @property
    def unread(self) -> str:
        """Retained unread count (plain integer)."""
        return self._topic("unread")

    @property
    def messages(self) -> str:
        """Retained number of messages in the maildrop (plain integer)."""
        return self._topic("messages")

    @property
    def latest(self) -> str:
        """Retained JSON summary of the newest message (``{}`` when the mailbox is empty)."""
        return self._topic("latest")

    @property
    def last_checked(self) -> str:
        """Retained ISO 8601 time of the last successful check."""
        return self._topic("last_checked")

    @property
    def status(self) -> str:
        """Retained account state (``ok``, ``auth_failed``, …; see ``Health``)."""
        return self._topic("status")

    @property
    def error(self) -> str:
        """Retained JSON ``{"error": text|null, "since": iso|null}`` (status attributes)."""
        return self._topic("error")

    @property
    def message(self) -> str:
        """Not retained: one JSON payload per new message (at-least-once, via the outbox)."""
        return self._topic("message")

    @property
    def retained(self) -> tuple[str, ...]:
        """Every retained topic of the account (cleared when the account is removed)."""
        return (self.unread, self.messages, self.latest, self.last_checked, self.status, self.error)
