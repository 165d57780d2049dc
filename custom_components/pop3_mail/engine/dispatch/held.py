"""Attachments of deliveries waiting for a retry: in memory only, and only up to a cap.

They are not written to the outbox (they can be megabytes); after a restart a retry goes
without them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from .attachments import AttachmentFile

_LOGGER = logging.getLogger(__name__)

MAX_HELD_ATTACHMENT_BYTES = 64 * 1024 * 1024
"""Attachments kept in memory for retries (they are not written to the outbox)."""


class HeldAttachments:
    """The attachments of waiting deliveries, by delivery key."""

    def __init__(self, *, account: str, max_bytes: int = MAX_HELD_ATTACHMENT_BYTES) -> None:
        """Hold at most ``max_bytes`` for ``account`` (the name warnings carry)."""
        self._account = account
        self._max_bytes = max_bytes
        self._held: dict[str, tuple[AttachmentFile, ...]] = {}

    def hold(self, key: str, attachments: Sequence[AttachmentFile]) -> bool:
        """Keep ``attachments`` for delivery ``key``, unless that would go over the cap.

        Returns whether they are held (true also when there are none to hold).
        """
        if not attachments:
            return True
        held = sum(a.size for files in self._held.values() for a in files)
        if held + sum(a.size for a in attachments) > self._max_bytes:
            _LOGGER.warning(
                "%s: too many attachments wait for retries; the retry will go without them",
                self._account,
            )
            return False
        self._held[key] = tuple(attachments)
        return True

    def get(self, key: str) -> tuple[AttachmentFile, ...]:
        """The attachments held for delivery ``key`` (none when there are none)."""
        return self._held.get(key, ())

    def release(self, key: str) -> tuple[AttachmentFile, ...]:
        """Stop holding the attachments of delivery ``key``; returns them."""
        return self._held.pop(key, ())
