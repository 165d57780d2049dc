"""The dispatcher: applies the rules to each new message and delivers, at least once.

Wiring (daemon or Home Assistant)::

    dispatcher = Dispatcher(account="home", rules=rules, mailbox=mailbox,
                            outbox_store=JsonFileStore(path), publisher=mqtt_client)
    await dispatcher.start()
    await mailbox.poll(on_new=dispatcher.handle, wants_full=dispatcher.wants_full)
    ...
    await dispatcher.stop()

Guarantees: a delivery counts as done only when the publisher or apprise reports success.
Anything else goes into a persistent outbox that retries on its own schedule (first after
30 s, then doubling up to 15 min) and survives restarts. A (message, target) pair that was
delivered is remembered, so re-announced messages and retries never deliver twice after a
success. ``handle`` only raises when the outbox cannot be saved; the mailbox then announces
the messages again.

This class is the facade: planning (``plan``), building entries (``entries``), the channels
(``mqtt_channel``, ``apprise_channel``, ``sending``), what becomes of an attempt
(``outcomes``, ``held``, ``deletions``), new mail (``new_mail``), retries (``retry_round``,
``retry_loop``) and the stored outbox (``outbox``) each have a module of their own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from ..backoff import DELIVERY_BACKOFF, Backoff
from ..mail.model import MailSummary
from ..state_store import StateStore
from .apprise_channel import AppriseChannels
from .deletions import Deletions
from .entries import EntryFactory
from .executor import ExecutorRunner, default_executor_runner
from .held import HeldAttachments
from .host import MailboxActions, NewMail
from .mqtt_channel import MqttChannel
from .new_mail import NewMailProcessor
from .outbox import DEFAULT_MAX_ENTRIES, Outbox
from .outcomes import DeliveryRun, Outcomes
from .payload import DEFAULT_BASE_TOPIC
from .plan import needs_whole_message, plan_actions
from .publisher import MqttPublisher
from .retry_loop import CallLater, RetryLoop
from .retry_round import OutboxRetrier
from .rules import Rule
from .sending import Sender
from .status import DeliveryStats, DispatchStatus

__all__ = ["CallLater", "DispatchStatus", "Dispatcher", "MailboxActions", "NewMail"]


class Dispatcher:
    """Runs the rules for one account and owns its outbox."""

    def __init__(
        self,
        *,
        account: str,
        rules: Sequence[Rule],
        mailbox: MailboxActions,
        outbox_store: StateStore,
        publisher: MqttPublisher | None,
        executor_runner: ExecutorRunner | None = None,
        clock: Callable[[], float] = time.time,
        call_later: CallLater | None = None,
        retry: Backoff = DELIVERY_BACKOFF,
        max_outbox: int = DEFAULT_MAX_ENTRIES,
        base_topic: str = DEFAULT_BASE_TOPIC,
    ) -> None:
        """Dispatch for ``account`` (the name rules filter on and payloads carry).

        ``clock`` (seconds since the epoch) decides when deliveries are due; ``call_later``
        (the event loop's by default) sets the retry loop's timer. Tests drive both to run the
        schedule without waiting for it.
        """
        self.account = account
        self.rules = tuple(rules)
        run_blocking: ExecutorRunner = executor_runner or default_executor_runner
        self._store = outbox_store
        self._clock = clock
        self._outbox = Outbox(max_entries=max_outbox)
        self._loaded = False
        self._lock = asyncio.Lock()
        self._stats = DeliveryStats()
        held = HeldAttachments(account=account)
        self._channels = AppriseChannels(self.rules, account=account, run_blocking=run_blocking)
        sender = Sender(account=account, mqtt=MqttChannel(publisher), apprise=self._channels)
        self._deletions = Deletions(account=account, outbox=self._outbox, mailbox=mailbox)
        outcomes = Outcomes(
            account=account,
            outbox=self._outbox,
            held=held,
            deletions=self._deletions,
            stats=self._stats,
            clock=clock,
            retry=retry,
        )
        self._new_mail = NewMailProcessor(
            account=account,
            mailbox=mailbox,
            outbox=self._outbox,
            entries=EntryFactory(account=account, clock=clock, base_topic=base_topic),
            channels=self._channels,
            sender=sender,
            outcomes=outcomes,
            deletions=self._deletions,
            run_blocking=run_blocking,
        )
        self._retrier = OutboxRetrier(
            account=account,
            outbox=self._outbox,
            held=held,
            channels=self._channels,
            sender=sender,
            outcomes=outcomes,
            clock=clock,
        )
        self._retry_loop = RetryLoop(
            account=account,
            outbox=self._outbox,
            retry_due=self.retry_due,
            clock=clock,
            call_later=call_later,
        )

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the outbox and the notification services, and start the retry loop."""
        async with self._lock:
            await self._ensure_loaded()
        await self._channels.load_all()
        self._retry_loop.start()

    async def stop(self) -> None:
        """Stop the retry loop; whatever is still waiting stays in the (saved) outbox."""
        await self._retry_loop.stop()
        async with self._lock:
            if self._loaded:
                await self._save()

    # -- the mailbox's hooks -----------------------------------------------------------------

    def wants_full(self, summary: MailSummary) -> bool:
        """Whether ``summary`` needs the whole message (a matching notify with attachments)."""
        return needs_whole_message(plan_actions(self.rules, summary, self.account))

    async def handle(self, result: NewMail) -> None:
        """Apply the rules to each new message of a poll (pass as ``Mailbox.poll(on_new=...)``).

        Failed deliveries go to the outbox.

        Raises:
            StateStoreError: the outbox, or the mailbox's state (a message marked read or to be
                deleted), cannot be saved; a host's store may raise its own error instead.
        """
        async with self._lock:
            await self._ensure_loaded()
            run = DeliveryRun()
            for summary in result.new_messages:
                plan = plan_actions(self.rules, summary, self.account)
                if not plan:
                    continue
                try:
                    full = result.full_messages.get(summary.uid)
                    await self._new_mail.process(summary, plan, full, run)
                finally:
                    await self._save()
            self._retry_loop.arm()

    # -- status and manual control -----------------------------------------------------------

    @property
    def status(self) -> DispatchStatus:
        """Current delivery status."""
        return self._stats.status(self._outbox)

    async def retry_due(self, *, everything: bool = False) -> int:
        """Attempt the outbox entries that are due (or all of them); returns how many succeeded.

        The retry loop calls this on its own schedule; call it directly to retry at once.

        Raises:
            StateStoreError: the outbox cannot be saved (a host's store may raise its own).
        """
        async with self._lock:
            await self._ensure_loaded()
            run = DeliveryRun()
            now = self._clock()
            queue = list(self._outbox.entries.values()) if everything else self._outbox.due(now)
            delivered_before = self._stats.delivered
            await self._retrier.retry(queue, run)
            run.changed |= await self._deletions.request_ready()
            if run.changed:
                await self._save()
            self._retry_loop.arm()
            return self._stats.delivered - delivered_before

    # -- persistence -------------------------------------------------------------------------

    async def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._outbox.load(await self._store.load())
            self._loaded = True

    async def _save(self) -> None:
        # The store takes any JSON document; the outbox describes its own (StoredOutbox).
        await self._store.save(cast("dict[str, Any]", self._outbox.to_json()))
