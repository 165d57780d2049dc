"""Everything a mailbox persists between polls: tracking, the last full listing, the server.

One JSON document per mailbox (``StateStore``). Version 2 keeps the tracking fields of
version 1 at the top level, unchanged, and adds beside them:

- ``listing``: the last full listing (:class:`ListingSnapshot`), so that a poll that finds
  nothing new can skip listing again;
- ``quick_listing``: false once the server refused ``UIDL n``/``LIST n`` (no quick check then);
- ``server``: the pre-login capabilities (:class:`ServerProfile`), so that login need not wait
  for ``CAPA``.

A version 1 document migrates by reading its tracking fields as they are: the first poll after
the upgrade then lists in full and asks for ``CAPA``, as before. Older code that meets version 2
starts afresh (a silent new baseline), which is why the version changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .listing_cache import ListingSnapshot
from .pop3.profile import ServerProfile
from .tracking import TrackingState


@dataclass(slots=True)
class PollState:
    """The persisted state of one mailbox."""

    tracking: TrackingState = field(default_factory=TrackingState)
    listing: ListingSnapshot | None = None
    quick_listing: bool = True
    """The server answers ``UIDL n`` and ``LIST n`` (assumed until it refuses)."""
    server: ServerProfile | None = None

    def to_json(self) -> dict[str, Any]:
        """Serialisable form (the tracking fields at the top level, as in version 1)."""
        return {
            **self.tracking.to_json(),
            "listing": self.listing.to_json() if self.listing else None,
            "quick_listing": self.quick_listing,
            "server": self.server.to_json() if self.server else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> PollState:
        """Inverse of :meth:`to_json`; reads version 1 documents too (see the module)."""
        tracking = TrackingState.from_json(data)
        if not isinstance(data, dict) or not tracking.baseline_done:
            # Without a baseline the tracking state is fresh (absent, unknown or damaged): a
            # listing or profile beside it would describe a maildrop nobody has tracked.
            return cls(tracking=tracking)
        quick = data.get("quick_listing", True)
        return cls(
            tracking=tracking,
            listing=ListingSnapshot.from_json(data.get("listing")),
            quick_listing=quick if isinstance(quick, bool) else True,
            server=ServerProfile.from_json(data.get("server")),
        )
