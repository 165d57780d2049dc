"""One round of retries over outbox entries: one attempt per failing target, backlogs behind.

Placeholders (for the services of a notify action that could not be loaded yet) turn into one
entry per service here, once every service of the action can be loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from .apprise_channel import AppriseChannels, TargetGoneError
from .deliveries import NotifyDelivery, OutboxEntry
from .entries import for_service
from .held import HeldAttachments
from .outbox import Outbox
from .outcomes import DeliveryRun, Outcomes
from .publisher import DeliveryError
from .sending import Sender

_LOGGER = logging.getLogger(__name__)


class OutboxRetrier:
    """Attempts waiting entries again and records what became of them."""

    def __init__(
        self,
        *,
        account: str,
        outbox: Outbox,
        held: HeldAttachments,
        channels: AppriseChannels,
        sender: Sender,
        outcomes: Outcomes,
        clock: Callable[[], float],
    ) -> None:
        """Retry the entries of ``account``'s ``outbox``."""
        self._account = account
        self._outbox = outbox
        self._held = held
        self._channels = channels
        self._sender = sender
        self._outcomes = outcomes
        self._clock = clock

    async def retry(self, entries: Sequence[OutboxEntry], run: DeliveryRun) -> None:
        """Attempt ``entries`` in order, and after a success the rest of that target's backlog."""
        queue = list(entries)
        position = 0
        while position < len(queue):
            entry = queue[position]
            position += 1
            if self._outbox.entries.get(entry.key) is not entry:
                continue  # dropped or replaced during this pass
            run.changed = True
            match entry.delivery:
                case NotifyDelivery(fingerprint=None) as services:
                    queue[position:position] = await self._expand(entry, services, run)
                case _:
                    if await self._attempt(entry, run):
                        queue.extend(self._backlog(entry.target, exclude=queue[position:]))

    async def _attempt(self, entry: OutboxEntry, run: DeliveryRun) -> bool:
        """Retry one outbox entry; true when it was delivered."""
        key = entry.key
        if self._outbox.is_delivered(key):
            self._outbox.remove(key)
            self._outbox.settle(key)
            self._held.release(key)
            return False
        if entry.target in run.failing:
            self._outcomes.wait_behind(entry, run.failing[entry.target])
            return False
        attachments = self._held.get(key)
        delivery = entry.delivery
        if isinstance(delivery, NotifyDelivery) and delivery.attachments and not attachments:
            _LOGGER.warning(
                "%s: the attachments of message %s were lost in a restart; "
                "notifying %s without them",
                self._account,
                entry.uid,
                entry.label,
            )
            entry.delivery = replace(delivery, attachments=0)
        try:
            await self._sender.deliver(entry, attachments)
        except DeliveryError as err:
            self._outcomes.reschedule(entry, str(err), run)
            return False
        except TargetGoneError as err:
            self._outcomes.give_up(entry, str(err))
            return False
        self._outbox.remove(key)
        self._outcomes.succeeded(entry, run)
        return True

    async def _expand(
        self, placeholder: OutboxEntry, services: NotifyDelivery, run: DeliveryRun
    ) -> list[OutboxEntry]:
        """Turn an entry for "the services of an action" into one entry per service."""
        try:
            loaded = await self._channels.targets(services.channel)
        except TargetGoneError as err:
            self._outcomes.give_up(placeholder, str(err))
            return []
        if loaded.retryable:
            # Some services cannot be loaded yet (config file): wait until all of them can.
            # Those that could were offered the message already and are skipped below.
            problem = self._channels.load_problem(services.channel)
            self._outcomes.reschedule(placeholder, problem, run)
            return []
        if not loaded.targets:
            self._outcomes.give_up(placeholder, "no usable notification service")
            return []
        attachments = self._held.release(placeholder.key)
        self._outbox.remove(placeholder.key)
        entries = []
        for target in loaded.targets:
            entry = for_service(placeholder, services, target)
            entry.next_attempt = self._clock()
            if self._outbox.is_delivered(entry.key) or entry.key in self._outbox.entries:
                continue
            self._held.hold(entry.key, attachments)
            self._outcomes.add(entry)
            entries.append(entry)
        self._outbox.replace_waiting(placeholder.key, [entry.key for entry in entries])
        return entries

    def _backlog(self, target: str, exclude: Sequence[OutboxEntry]) -> list[OutboxEntry]:
        pending = {entry.key for entry in exclude}
        return [entry for entry in self._outbox.for_target(target) if entry.key not in pending]
