"""What becomes of a delivery after an attempt: remembered, queued, rescheduled or given up."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from ..backoff import Backoff
from .attachments import AttachmentFile
from .deletions import Deletions
from .deliveries import NotifyDelivery, OutboxEntry
from .held import HeldAttachments
from .outbox import Outbox
from .status import DeliveryStats

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class DeliveryRun:
    """Bookkeeping of one run over messages or outbox entries."""

    failing: dict[str, OutboxEntry] = field(default_factory=dict)
    """Targets that failed during this run, with the entry that failed."""
    changed: bool = False


class Outcomes:
    """Records the outcome of each delivery in the outbox, the statistics and the logs."""

    def __init__(
        self,
        *,
        account: str,
        outbox: Outbox,
        held: HeldAttachments,
        deletions: Deletions,
        stats: DeliveryStats,
        clock: Callable[[], float],
        retry: Backoff,
    ) -> None:
        """Outcomes for ``account``'s ``outbox``; ``retry`` spaces the attempts of an entry."""
        self._account = account
        self._outbox = outbox
        self._held = held
        self._deletions = deletions
        self._stats = stats
        self._clock = clock
        self._retry = retry

    def succeeded(self, entry: OutboxEntry, run: DeliveryRun) -> None:
        """``entry`` was delivered: remember it, so that it is never delivered again."""
        key = entry.key
        self._outbox.mark_delivered(key, self._clock())
        self._outbox.settle(key)
        self._held.release(key)
        self._stats.delivered += 1
        run.changed = True
        if entry.attempts:
            _LOGGER.info(
                "%s: rule '%s': delivered to %s after %d failed attempt(s)",
                self._account,
                entry.rule,
                entry.label,
                entry.attempts,
            )
        backlog = self._outbox.for_target(entry.target)
        if backlog:
            # The target works again: what waits for it need not wait for its backoff.
            now = self._clock()
            for waiting in backlog:
                waiting.next_attempt = min(waiting.next_attempt, now)
        if not self._outbox.entries:
            self._stats.last_error = None

    def queue(
        self,
        entry: OutboxEntry,
        error: str,
        attachments: Sequence[AttachmentFile],
        run: DeliveryRun,
        *,
        tried: bool = True,
    ) -> None:
        """Put a fresh entry into the outbox after its first failure (or without trying)."""
        held = self._held.hold(entry.key, attachments)
        if isinstance(entry.delivery, NotifyDelivery):
            # Only what is held counts: attachments refused by the memory cap were never going
            # to be retried, so their absence later is not "lost in a restart".
            entry.delivery = replace(entry.delivery, attachments=len(attachments) if held else 0)
        self.reschedule(entry, error, run, tried=tried)
        self.add(entry)

    def add(self, entry: OutboxEntry) -> None:
        """Add ``entry`` to the outbox; whatever that pushes out is let go of properly.

        A dropped delivery's held attachments are released and a deletion waiting for it is
        called off (the message stays on the server), with a warning for each.
        """
        for dropped in self._outbox.add(entry):
            self._held.release(dropped.key)
            self._deletions.cancel_for(dropped)
            _LOGGER.warning(
                "%s: outbox full (%d entries); dropped the oldest delivery: rule '%s' to %s "
                "for message %s",
                self._account,
                self._outbox.max_entries,
                dropped.rule,
                dropped.label,
                dropped.uid,
            )

    def reschedule(
        self, entry: OutboxEntry, error: str, run: DeliveryRun, *, tried: bool = True
    ) -> None:
        """Set the next attempt of ``entry``, which failed with ``error`` (or was not tried)."""
        run.changed = True
        failed = run.failing.get(entry.target)
        if not tried and failed is not None:
            entry.last_error = error
            self.wait_behind(entry, failed)
            return
        entry.attempts += 1
        delay = self._retry.delay(entry.attempts)
        entry.next_attempt = self._clock() + delay
        entry.last_error = error
        run.failing.setdefault(entry.target, entry)
        if not tried:
            return
        self._stats.failed += 1
        self._stats.last_error = f"rule '{entry.rule}' → {entry.label}: {error}"
        _LOGGER.warning(
            "%s: rule '%s': delivery to %s failed (%s); retrying in %.0f s",
            self._account,
            entry.rule,
            entry.label,
            error,
            delay,
        )

    @staticmethod
    def wait_behind(entry: OutboxEntry, failed: OutboxEntry) -> None:
        """Retry ``entry`` together with ``failed``, which just failed on the same target.

        Entries of one target thus back off together: one attempt per round, not one each.
        """
        entry.attempts = max(entry.attempts, failed.attempts)
        entry.next_attempt = failed.next_attempt

    def give_up(self, entry: OutboxEntry, reason: str) -> None:
        """Drop ``entry`` for good (its target is gone); the messages waiting for it stay."""
        self._outbox.remove(entry.key)
        self._outbox.dropped += 1
        self._held.release(entry.key)
        self._deletions.cancel_for(entry)
        _LOGGER.warning(
            "%s: dropped the delivery of message %s to %s: %s",
            self._account,
            entry.uid,
            entry.label,
            reason,
        )
