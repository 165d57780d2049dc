"""What the dispatcher reports about its deliveries, and the counters behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .outbox import Outbox


@dataclass(frozen=True, slots=True)
class DispatchStatus:
    """Delivery health for entities and status pages; free of secrets.

    ``delivered`` and ``failed`` count attempts since start; ``dropped`` counts deliveries
    given up (outbox full, target removed from the rules) over the outbox's lifetime.
    ``last_error`` is cleared once the outbox is empty again.
    """

    outbox_size: int
    last_error: str | None
    delivered: int
    failed: int
    dropped: int
    next_retry: datetime | None = None
    pending_deletions: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "outbox_size": self.outbox_size,
            "last_error": self.last_error,
            "delivered": self.delivered,
            "failed": self.failed,
            "dropped": self.dropped,
            "next_retry": self.next_retry.isoformat() if self.next_retry else None,
            "pending_deletions": self.pending_deletions,
        }


@dataclass(slots=True)
class DeliveryStats:
    """What :class:`DispatchStatus` counts since start; the outbox knows the rest."""

    delivered: int = 0
    failed: int = 0
    last_error: str | None = None

    def status(self, outbox: Outbox) -> DispatchStatus:
        """The status with ``outbox`` as it is now."""
        next_at = outbox.next_attempt()
        return DispatchStatus(
            outbox_size=len(outbox),
            last_error=self.last_error,
            delivered=self.delivered,
            failed=self.failed,
            dropped=outbox.dropped,
            next_retry=datetime.fromtimestamp(next_at, UTC) if next_at is not None else None,
            pending_deletions=len(outbox.deletions),
        )
