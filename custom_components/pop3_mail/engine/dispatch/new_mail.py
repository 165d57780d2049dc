"""The planned actions of a new message, carried out: each delivery tried, or left to the outbox."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence

from ..mail.model import MailSummary
from ..pop3 import RetrievedMessage
from .apprise_channel import AppriseChannels, TargetGoneError
from .attachments import AttachmentFile, extract_attachments
from .deletions import Deletions
from .deliveries import NotifyDelivery, OutboxEntry
from .entries import EntryFactory
from .executor import ExecutorRunner
from .host import MailboxActions
from .outbox import Outbox
from .outcomes import DeliveryRun, Outcomes
from .plan import PlannedAction
from .publisher import DeliveryError
from .rules import DeleteFromServerAction, MarkReadAction, MqttAction, NotifyAction
from .sending import Sender
from .templates import template_context

_LOGGER = logging.getLogger(__name__)


class NewMailProcessor:
    """Runs the planned actions of new messages for one account."""

    def __init__(
        self,
        *,
        account: str,
        mailbox: MailboxActions,
        outbox: Outbox,
        entries: EntryFactory,
        channels: AppriseChannels,
        sender: Sender,
        outcomes: Outcomes,
        deletions: Deletions,
        run_blocking: ExecutorRunner,
    ) -> None:
        """Process ``account``'s messages of ``mailbox``; failures go to ``outbox``."""
        self._account = account
        self._mailbox = mailbox
        self._outbox = outbox
        self._entries = entries
        self._channels = channels
        self._sender = sender
        self._outcomes = outcomes
        self._deletions = deletions
        self._run_blocking = run_blocking

    async def process(
        self,
        summary: MailSummary,
        plan: Sequence[PlannedAction],
        full: RetrievedMessage | None,
        run: DeliveryRun,
    ) -> None:
        """Carry out ``plan`` for ``summary`` (``full``: the whole message, when fetched).

        Raises:
            StateStoreError: the mailbox cannot save a message marked read or to be deleted.
        """
        context = template_context(summary, self._account)
        waiting: list[str] = []
        incomplete: list[str] = []
        delete = False
        for planned in plan:
            match planned.action:
                case MqttAction() as action:
                    entry = self._entries.mqtt(planned, action, summary, context)
                    waiting += await self._offer(entry, run)
                case NotifyAction() as action:
                    loaded = await self._channels.targets(planned.key)
                    entries = self._entries.notify(planned, action, summary, context, loaded)
                    attachments = await self._attachments(action, full, summary) if entries else ()
                    for entry in entries:
                        waiting += await self._offer(entry, run, attachments)
                    if self._channels.has_unusable_services(planned.key):
                        incomplete.append(planned.rule.name)
                case MarkReadAction():
                    await self._mark_read(summary)
                case DeleteFromServerAction():
                    delete = True
        if delete:
            await self._deletions.after_actions(summary, waiting, incomplete)

    async def _offer(
        self, entry: OutboxEntry, run: DeliveryRun, attachments: Sequence[AttachmentFile] = ()
    ) -> list[str]:
        """Deliver a fresh entry now, or queue it; returns its key while it is still pending."""
        key = entry.key
        if self._outbox.is_delivered(key):
            return []
        if key in self._outbox.entries:
            return [key]  # announced again while its earlier delivery is still waiting
        match entry.delivery:
            case NotifyDelivery(fingerprint=None) as services:
                problem = self._channels.load_problem(services.channel)
                self._outcomes.queue(entry, problem, attachments, run)
                return [key]
        if entry.target in run.failing:
            # Do not wait for a second timeout on a target that just failed.
            self._outcomes.queue(
                entry, "the target failed a moment ago", attachments, run, tried=False
            )
            return [key]
        try:
            await self._sender.deliver(entry, attachments)
        except (DeliveryError, TargetGoneError) as err:
            self._outcomes.queue(entry, str(err), attachments, run)
            return [key]
        self._outcomes.succeeded(entry, run)
        return []

    async def _attachments(
        self, action: NotifyAction, full: RetrievedMessage | None, summary: MailSummary
    ) -> tuple[AttachmentFile, ...]:
        if not action.attach:
            return ()
        if full is None:
            _LOGGER.info(
                "%s: message %s was not fetched whole; notifying without attachments",
                self._account,
                summary.uid,
            )
            return ()
        if full.truncated:
            _LOGGER.warning(
                "%s: message %s is larger than the fetch limit; attachments may be missing",
                self._account,
                summary.uid,
            )
        found = await self._run_blocking(
            functools.partial(
                extract_attachments, full.data, max_total_bytes=action.attach_max_bytes
            )
        )
        return tuple(found)

    async def _mark_read(self, summary: MailSummary) -> None:
        try:
            await self._mailbox.acknowledge(summary.uid)
        except KeyError:
            _LOGGER.debug(
                "%s: message %s is gone; nothing to mark read", self._account, summary.uid
            )
