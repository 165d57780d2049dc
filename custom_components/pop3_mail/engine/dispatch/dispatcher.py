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
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, assert_never, cast

from ..backoff import DELIVERY_BACKOFF, Backoff
from ..mail.model import MailSummary
from ..pop3 import RetrievedMessage
from ..state_store import StateStore
from . import notify
from .attachments import AttachmentFile, extract_attachments
from .deliveries import Delivery, MqttDelivery, NotifyDelivery, OutboxEntry
from .executor import ExecutorRunner, default_executor_runner
from .outbox import DEFAULT_MAX_ENTRIES, Outbox
from .payload import DEFAULT_BASE_TOPIC, default_topic, message_payload_json, topic_problem
from .publisher import DeliveryError, MqttPublisher
from .rules import (
    Action,
    BodyFormat,
    DeleteFromServerAction,
    MarkReadAction,
    MqttAction,
    NotifyAction,
    Rule,
)
from .templates import MessageTemplate, TemplateRenderError, compile_template, template_context

_LOGGER = logging.getLogger(__name__)

MAX_HELD_ATTACHMENT_BYTES = 64 * 1024 * 1024
"""Attachments kept in memory for retries (they are not written to the outbox)."""
MAX_TITLE_LENGTH = 250
_MAX_IDLE_WAIT = 60.0
_ERROR_PAUSE = 5.0
_WHITESPACE = re.compile(r"\s+")

DEFAULT_TITLE = compile_template("New mail from {{ sender or 'unknown sender' }}")
_DEFAULT_BODY_SOURCE = "{{ subject or '(no subject)' }}{% if snippet %}\n\n{{ snippet }}{% endif %}"
DEFAULT_BODY = compile_template(_DEFAULT_BODY_SOURCE)
DEFAULT_HTML_BODY = compile_template(
    "<p><b>{{ subject or '(no subject)' }}</b></p>{% if snippet %}<p>{{ snippet }}</p>{% endif %}",
    html=True,
)


class Cancellable(Protocol):
    """A timer that can be called off (``asyncio.TimerHandle``)."""

    def cancel(self) -> None:
        """Do not run the callback."""


CallLater = Callable[[float, Callable[[], None]], Cancellable]
"""Runs a callback after some seconds, like ``loop.call_later``."""


class NewMail(Protocol):
    """What :meth:`Dispatcher.handle` reads from a poll (``engine.mailbox.PollResult``)."""

    @property
    def new_messages(self) -> Sequence[MailSummary]:
        """New messages, oldest first."""
        ...

    @property
    def full_messages(self) -> Mapping[str, RetrievedMessage]:
        """Whole messages fetched because :meth:`Dispatcher.wants_full` asked, by UID."""
        ...


class MailboxActions(Protocol):
    """What the dispatcher asks of the mailbox (``engine.mailbox.Mailbox`` provides it)."""

    async def acknowledge(self, uid: str | None = None) -> int:
        """Mark a message as read; ``KeyError`` when the last poll did not list it."""
        ...

    async def request_deletion(self, uids: Sequence[str]) -> None:
        """Delete these messages from the server in the next session."""
        ...


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


class _TargetGoneError(Exception):
    """The rule, action or service of an outbox entry is no longer configured."""


@dataclass(slots=True)
class _Channel:
    """The services of one notify action, loaded once (off the event loop)."""

    key: str
    rule: str
    action: NotifyAction
    loaded: notify.LoadedTargets | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(slots=True)
class _Pass:
    """Bookkeeping of one run over messages or outbox entries."""

    failing: dict[str, OutboxEntry] = field(default_factory=dict)
    """Targets that failed during this run, with the entry that failed."""
    recovered: set[str] = field(default_factory=set)
    changed: bool = False


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
        self._mailbox = mailbox
        self._store = outbox_store
        self._publisher = publisher
        self._run_blocking: ExecutorRunner = executor_runner or default_executor_runner
        self._clock = clock
        self._call_later = call_later
        self._retry = retry
        self._base_topic = base_topic
        self._outbox = Outbox(max_entries=max_outbox)
        self._loaded = False
        self._lock = asyncio.Lock()
        self._waiter: asyncio.Future[None] | None = None
        """What the idle retry loop awaits; its timer resolves it."""
        self._timer: Cancellable | None = None
        self._task: asyncio.Task[None] | None = None
        self._channels = {
            f"{rule.name}#{index}": _Channel(f"{rule.name}#{index}", rule.name, action)
            for rule in self.rules
            for index, action in enumerate(rule.actions)
            if isinstance(action, NotifyAction)
        }
        self._held: dict[str, tuple[AttachmentFile, ...]] = {}
        self._delivered = 0
        self._failed = 0
        self._last_error: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the outbox and the notification services, and start the retry loop."""
        async with self._lock:
            await self._ensure_loaded()
        for channel in self._channels.values():
            await self._targets(channel)
        if self._task is None:
            self._task = asyncio.create_task(
                self._retry_loop(), name=f"pop3_mail dispatch retries ({self.account})"
            )

    async def stop(self) -> None:
        """Stop the retry loop; whatever is still waiting stays in the (saved) outbox."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        async with self._lock:
            if self._loaded:
                await self._save()

    # -- the mailbox's hooks -----------------------------------------------------------------

    def wants_full(self, summary: MailSummary) -> bool:
        """Whether ``summary`` needs the whole message (a matching notify with attachments)."""
        return any(
            isinstance(action, NotifyAction) and action.attach
            for _rule, _index, action in self._plan(summary)
        )

    async def handle(self, result: NewMail) -> None:
        """Apply the rules to each new message of a poll (pass as ``Mailbox.poll(on_new=...)``).

        Failed deliveries go to the outbox; this only raises when the outbox cannot be saved.
        """
        async with self._lock:
            await self._ensure_loaded()
            run = _Pass()
            for summary in result.new_messages:
                plan = self._plan(summary)
                if not plan:
                    continue
                try:
                    await self._process(summary, plan, result.full_messages.get(summary.uid), run)
                finally:
                    await self._save()
            self._arm_timer()

    # -- status and manual control -----------------------------------------------------------

    @property
    def status(self) -> DispatchStatus:
        """Current delivery status."""
        next_at = self._outbox.next_attempt()
        return DispatchStatus(
            outbox_size=len(self._outbox),
            last_error=self._last_error,
            delivered=self._delivered,
            failed=self._failed,
            dropped=self._outbox.dropped,
            next_retry=datetime.fromtimestamp(next_at, UTC) if next_at is not None else None,
            pending_deletions=len(self._outbox.deletions),
        )

    async def retry_due(self, *, everything: bool = False) -> int:
        """Attempt the outbox entries that are due (or all of them); returns how many succeeded.

        The retry loop calls this on its own schedule; call it directly to retry at once.
        """
        async with self._lock:
            await self._ensure_loaded()
            run = _Pass()
            now = self._clock()
            queue = list(self._outbox.entries.values()) if everything else self._outbox.due(now)
            delivered_before = self._delivered
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
            run.changed |= await self._request_ready_deletions()
            if run.changed:
                await self._save()
            self._arm_timer()
            return self._delivered - delivered_before

    # -- planning ----------------------------------------------------------------------------

    def _plan(self, summary: MailSummary) -> list[tuple[Rule, int, Action]]:
        """The actions for ``summary``: every matching rule's, in order, until a ``stop``."""
        plan: list[tuple[Rule, int, Action]] = []
        for rule in self.rules:
            if not rule.matches(summary, self.account):
                continue
            plan.extend((rule, index, action) for index, action in enumerate(rule.actions))
            if rule.stop:
                break
        return plan

    async def _process(
        self,
        summary: MailSummary,
        plan: list[tuple[Rule, int, Action]],
        full: RetrievedMessage | None,
        run: _Pass,
    ) -> None:
        context = template_context(summary, self.account)
        waiting: list[str] = []
        incomplete: list[str] = []
        delete = False
        for rule, index, action in plan:
            match action:
                case MqttAction():
                    entry = self._mqtt_entry(rule, index, action, summary, context)
                    waiting += await self._offer(entry, run)
                case NotifyAction():
                    entries = await self._notify_entries(rule, index, action, summary, context)
                    attachments = await self._attachments(action, full, summary) if entries else ()
                    for entry in entries:
                        waiting += await self._offer(entry, run, attachments)
                    if self._never_complete(rule, index):
                        incomplete.append(rule.name)
                case MarkReadAction():
                    await self._mark_read(summary)
                case DeleteFromServerAction():
                    delete = True
        if not delete:
            return
        if incomplete:
            _LOGGER.warning(
                "%s: message %s is kept on the server: a notify action of rule '%s' has "
                "services that cannot be used",
                self.account,
                summary.uid,
                incomplete[0],
            )
        elif waiting:
            self._outbox.wait_for(summary.id, summary.uid, waiting)
            _LOGGER.info(
                "%s: message %s stays on the server until its deliveries succeed",
                self.account,
                summary.uid,
            )
        else:
            await self._mailbox.request_deletion([summary.uid])

    def _never_complete(self, rule: Rule, index: int) -> bool:
        """Whether a notify action has services that will not work until its rule changes."""
        loaded = self._channels[f"{rule.name}#{index}"].loaded
        return loaded is not None and loaded.unusable

    def _mqtt_entry(
        self,
        rule: Rule,
        index: int,
        action: MqttAction,
        summary: MailSummary,
        context: dict[str, Any],
    ) -> OutboxEntry:
        topic = default_topic(self.account, self._base_topic)
        if action.topic is not None:
            rendered = self._render(action.topic, None, context, rule, "topic")
            problem = topic_problem(rendered) if rendered is not None else "it failed"
            if problem is None and rendered is not None:
                topic = rendered
            else:
                _LOGGER.warning(
                    "%s: rule '%s': the topic template gave no usable topic (%s); "
                    "publishing to %s instead",
                    self.account,
                    rule.name,
                    problem,
                    topic,
                )
        delivery = MqttDelivery(
            topic=topic,
            payload=message_payload_json(summary, self.account),
            qos=action.qos,
            retain=action.retain,
        )
        return self._new_entry(
            f"mqtt:{rule.name}#{index}", rule, summary, label=f"MQTT {topic}", delivery=delivery
        )

    async def _notify_entries(
        self,
        rule: Rule,
        index: int,
        action: NotifyAction,
        summary: MailSummary,
        context: dict[str, Any],
    ) -> list[OutboxEntry]:
        """One entry per service; a placeholder when the services cannot be loaded yet."""
        channel = self._channels[f"{rule.name}#{index}"]
        loaded = await self._targets(channel)
        html = action.body_format is BodyFormat.HTML
        title = self._render(action.title, DEFAULT_TITLE, context, rule, "title") or ""
        body = self._render(
            action.body, DEFAULT_HTML_BODY if html else DEFAULT_BODY, context, rule, "body"
        )
        delivery = NotifyDelivery(
            channel=channel.key,
            fingerprint=None,
            title=_WHITESPACE.sub(" ", title).strip()[:MAX_TITLE_LENGTH],
            body=body or "(empty message)",
            body_format=action.body_format,
        )
        base = self._new_entry(
            f"notify:{channel.key}:*",
            rule,
            summary,
            label=f"apprise services of rule '{rule.name}'",
            delivery=delivery,
        )
        entries = [self._for_target(base, delivery, target) for target in loaded.targets]
        if loaded.retryable:
            # Services still to come (an unreadable config file): a placeholder waits for them
            # and turns into one entry per service once they load.
            entries.append(base)
        return entries

    def _new_entry(
        self, target: str, rule: Rule, summary: MailSummary, *, label: str, delivery: Delivery
    ) -> OutboxEntry:
        """A delivery not attempted yet."""
        now = self._clock()
        return OutboxEntry(
            target=target,
            rule=rule.name,
            summary_id=summary.id,
            uid=summary.uid,
            label=label,
            created=now,
            next_attempt=now,
            delivery=delivery,
        )

    @staticmethod
    def _for_target(
        entry: OutboxEntry, services: NotifyDelivery, target: notify.NotifyTarget
    ) -> OutboxEntry:
        return OutboxEntry(
            target=f"notify:{services.channel}:{target.fingerprint}",
            rule=entry.rule,
            summary_id=entry.summary_id,
            uid=entry.uid,
            label=target.label,
            created=entry.created,
            next_attempt=entry.next_attempt,
            delivery=replace(services, fingerprint=target.fingerprint),
        )

    def _render(
        self,
        template: MessageTemplate | None,
        default: MessageTemplate | None,
        context: dict[str, Any],
        rule: Rule,
        what: str,
    ) -> str | None:
        """Render a rule's template, falling back to ``default`` (with a warning) on failure."""
        if template is not None:
            try:
                return template.render(context)
            except TemplateRenderError as err:
                _LOGGER.warning(
                    "%s: rule '%s': the %s template failed on message %s (%s); using the default",
                    self.account,
                    rule.name,
                    what,
                    context.get("uid"),
                    err,
                )
        if default is None:
            return None
        return default.render(context)

    async def _attachments(
        self, action: NotifyAction, full: RetrievedMessage | None, summary: MailSummary
    ) -> tuple[AttachmentFile, ...]:
        if not action.attach:
            return ()
        if full is None:
            _LOGGER.info(
                "%s: message %s was not fetched whole; notifying without attachments",
                self.account,
                summary.uid,
            )
            return ()
        if full.truncated:
            _LOGGER.warning(
                "%s: message %s is larger than the fetch limit; attachments may be missing",
                self.account,
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
            _LOGGER.debug("%s: message %s is gone; nothing to mark read", self.account, summary.uid)

    # -- delivering --------------------------------------------------------------------------

    async def _offer(
        self, entry: OutboxEntry, run: _Pass, attachments: tuple[AttachmentFile, ...] = ()
    ) -> list[str]:
        """Deliver a fresh entry now, or queue it; returns its key while it is still pending."""
        key = entry.key
        if self._outbox.is_delivered(key):
            return []
        if key in self._outbox.entries:
            return [key]  # announced again while its earlier delivery is still waiting
        match entry.delivery:
            case NotifyDelivery(fingerprint=None) as services:
                self._queue(entry, self._load_problem(services.channel), attachments, run)
                return [key]
        if entry.target in run.failing:
            # Do not wait for a second timeout on a target that just failed.
            self._queue(entry, "the target failed a moment ago", attachments, run, tried=False)
            return [key]
        try:
            await self._deliver(entry, attachments)
        except (DeliveryError, _TargetGoneError) as err:
            self._queue(entry, str(err), attachments, run)
            return [key]
        self._succeeded(entry, run)
        return []

    def _load_problem(self, channel_key: str) -> str:
        channel = self._channels.get(channel_key)
        problems = channel.loaded.problems if channel and channel.loaded else ()
        return "; ".join(problems) or "the notification services could not be loaded"

    async def _attempt(self, entry: OutboxEntry, run: _Pass) -> bool:
        """Retry one outbox entry; true when it was delivered."""
        key = entry.key
        if self._outbox.is_delivered(key):
            self._outbox.remove(key)
            self._outbox.settle(key)
            self._held.pop(key, None)
            return False
        if entry.target in run.failing:
            self._wait_behind(entry, run.failing[entry.target])
            return False
        attachments = self._held.get(key, ())
        delivery = entry.delivery
        if isinstance(delivery, NotifyDelivery) and delivery.attachments and not attachments:
            _LOGGER.warning(
                "%s: the attachments of message %s were lost in a restart; "
                "notifying %s without them",
                self.account,
                entry.uid,
                entry.label,
            )
            entry.delivery = replace(delivery, attachments=0)
        try:
            await self._deliver(entry, attachments)
        except DeliveryError as err:
            self._reschedule(entry, str(err), run)
            return False
        except _TargetGoneError as err:
            self._give_up(entry, str(err))
            return False
        self._outbox.remove(key)
        self._succeeded(entry, run)
        return True

    async def _deliver(self, entry: OutboxEntry, attachments: tuple[AttachmentFile, ...]) -> None:
        """Send one entry; raises ``DeliveryError`` or ``_TargetGoneError``."""
        try:
            await self._send(entry, attachments)
        except (DeliveryError, _TargetGoneError, asyncio.CancelledError):
            raise
        except Exception as err:
            # A bug in a publisher or plugin must cost a retry, not the message. Only the type
            # and where it was raised are logged: exception texts from third-party code may
            # quote URLs with their tokens.
            _LOGGER.warning(
                "%s: delivery to %s raised %s at %s",
                self.account,
                entry.label,
                type(err).__name__,
                _raised_at(err),
            )
            raise DeliveryError(f"unexpected {type(err).__name__}") from None

    async def _send(self, entry: OutboxEntry, attachments: tuple[AttachmentFile, ...]) -> None:
        match entry.delivery:
            case MqttDelivery() as message:
                await self._publish(message)
            case NotifyDelivery() as notification:
                await self._notify(notification, attachments)
            case unknown:
                assert_never(unknown)

    async def _publish(self, delivery: MqttDelivery) -> None:
        if self._publisher is None:
            raise DeliveryError("no MQTT connection is configured")
        await self._publisher.publish(
            delivery.topic, delivery.payload, qos=delivery.qos, retain=delivery.retain
        )

    async def _notify(
        self, delivery: NotifyDelivery, attachments: tuple[AttachmentFile, ...]
    ) -> None:
        channel = self._channels.get(delivery.channel)
        if channel is None:
            raise _TargetGoneError("its rule or notify action no longer exists")
        loaded = await self._targets(channel)
        target = next((t for t in loaded.targets if t.fingerprint == delivery.fingerprint), None)
        if target is None:
            if loaded.retryable:
                raise DeliveryError(self._load_problem(delivery.channel))
            raise _TargetGoneError("the service is no longer configured in its rule")
        reason = await self._run_blocking(
            functools.partial(
                notify.send,
                target,
                title=delivery.title,
                body=delivery.body,
                body_format=delivery.body_format.value,
                attachments=attachments,
            )
        )
        if reason is not None:
            raise DeliveryError(reason)

    async def _targets(self, channel: _Channel) -> notify.LoadedTargets:
        """The channel's services, loaded once; reloaded while the problem may be temporary."""
        async with channel.lock:
            if channel.loaded is None or channel.loaded.retryable:
                action = channel.action
                loaded = await self._run_blocking(
                    notify.load_targets, action.urls, action.config, action.tags
                )
                if loaded.problems and (
                    channel.loaded is None or channel.loaded.problems != loaded.problems
                ):
                    for problem in loaded.problems:
                        _LOGGER.warning(
                            "%s: rule '%s': notify: %s", self.account, channel.rule, problem
                        )
                channel.loaded = loaded
            return channel.loaded

    async def _expand(
        self, placeholder: OutboxEntry, services: NotifyDelivery, run: _Pass
    ) -> list[OutboxEntry]:
        """Turn an entry for "the services of an action" into one entry per service."""
        channel = self._channels.get(services.channel)
        if channel is None:
            self._give_up(placeholder, "its rule or notify action no longer exists")
            return []
        loaded = await self._targets(channel)
        if loaded.retryable:
            # Some services cannot be loaded yet (config file): wait until all of them can.
            # Those that could were offered the message already and are skipped below.
            self._reschedule(placeholder, self._load_problem(services.channel), run)
            return []
        if not loaded.targets:
            self._give_up(placeholder, "no usable notification service")
            return []
        attachments = self._held.pop(placeholder.key, ())
        self._outbox.remove(placeholder.key)
        entries = []
        for target in loaded.targets:
            entry = self._for_target(placeholder, services, target)
            entry.next_attempt = self._clock()
            if self._outbox.is_delivered(entry.key) or entry.key in self._outbox.entries:
                continue
            self._hold(entry.key, attachments)
            self._outbox.add(entry)
            entries.append(entry)
        self._outbox.replace_waiting(placeholder.key, [entry.key for entry in entries])
        return entries

    # -- outcomes ----------------------------------------------------------------------------

    def _succeeded(self, entry: OutboxEntry, run: _Pass) -> None:
        key = entry.key
        self._outbox.mark_delivered(key, self._clock())
        self._outbox.settle(key)
        self._held.pop(key, None)
        self._delivered += 1
        run.changed = True
        if entry.attempts:
            _LOGGER.info(
                "%s: rule '%s': delivered to %s after %d failed attempt(s)",
                self.account,
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
            run.recovered.add(entry.target)
        if not self._outbox.entries:
            self._last_error = None

    def _queue(
        self,
        entry: OutboxEntry,
        error: str,
        attachments: tuple[AttachmentFile, ...],
        run: _Pass,
        *,
        tried: bool = True,
    ) -> None:
        """Put a fresh entry into the outbox after its first failure (or without trying)."""
        if isinstance(entry.delivery, NotifyDelivery):
            entry.delivery = replace(entry.delivery, attachments=len(attachments))
        self._hold(entry.key, attachments)
        self._reschedule(entry, error, run, tried=tried)
        for dropped in self._outbox.add(entry):
            self._held.pop(dropped.key, None)
            self._forget_deletions(dropped)
            _LOGGER.warning(
                "%s: outbox full (%d entries); dropped the oldest delivery: rule '%s' to %s "
                "for message %s",
                self.account,
                self._outbox.max_entries,
                dropped.rule,
                dropped.label,
                dropped.uid,
            )

    def _reschedule(
        self, entry: OutboxEntry, error: str, run: _Pass, *, tried: bool = True
    ) -> None:
        run.changed = True
        failed = run.failing.get(entry.target)
        if not tried and failed is not None:
            entry.last_error = error
            self._wait_behind(entry, failed)
            return
        entry.attempts += 1
        delay = self._retry.delay(entry.attempts)
        entry.next_attempt = self._clock() + delay
        entry.last_error = error
        run.failing.setdefault(entry.target, entry)
        if not tried:
            return
        self._failed += 1
        self._last_error = f"rule '{entry.rule}' → {entry.label}: {error}"
        _LOGGER.warning(
            "%s: rule '%s': delivery to %s failed (%s); retrying in %.0f s",
            self.account,
            entry.rule,
            entry.label,
            error,
            delay,
        )

    @staticmethod
    def _wait_behind(entry: OutboxEntry, failed: OutboxEntry) -> None:
        """Retry ``entry`` together with ``failed``, which just failed on the same target.

        Entries of one target thus back off together: one attempt per round, not one each.
        """
        entry.attempts = max(entry.attempts, failed.attempts)
        entry.next_attempt = failed.next_attempt

    def _give_up(self, entry: OutboxEntry, reason: str) -> None:
        self._outbox.remove(entry.key)
        self._outbox.dropped += 1
        self._held.pop(entry.key, None)
        self._forget_deletions(entry)
        _LOGGER.warning(
            "%s: dropped the delivery of message %s to %s: %s",
            self.account,
            entry.uid,
            entry.label,
            reason,
        )

    def _forget_deletions(self, entry: OutboxEntry) -> None:
        for uid in self._outbox.abandon(entry.key):
            _LOGGER.warning(
                "%s: message %s is kept on the server: one of its deliveries was given up",
                self.account,
                uid,
            )

    def _backlog(self, target: str, exclude: Sequence[OutboxEntry]) -> list[OutboxEntry]:
        pending = {entry.key for entry in exclude}
        return [entry for entry in self._outbox.for_target(target) if entry.key not in pending]

    def _hold(self, key: str, attachments: tuple[AttachmentFile, ...]) -> None:
        if not attachments:
            return
        held = sum(a.size for files in self._held.values() for a in files)
        if held + sum(a.size for a in attachments) > MAX_HELD_ATTACHMENT_BYTES:
            _LOGGER.warning(
                "%s: too many attachments wait for retries; the retry will go without them",
                self.account,
            )
            return
        self._held[key] = attachments

    async def _request_ready_deletions(self) -> bool:
        ready = self._outbox.ready_deletions()
        for summary_id, uid in ready.items():
            try:
                await self._mailbox.request_deletion([uid])
            except Exception as err:  # keep it for the next pass
                _LOGGER.warning(
                    "%s: cannot schedule message %s for deletion yet (%s)",
                    self.account,
                    uid,
                    type(err).__name__,
                )
                continue
            del self._outbox.deletions[summary_id]
            _LOGGER.info("%s: message %s will be deleted from the server", self.account, uid)
        return bool(ready)

    # -- persistence and the loop ------------------------------------------------------------

    async def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._outbox.load(await self._store.load())
            self._loaded = True

    async def _save(self) -> None:
        # The store takes any JSON document; the outbox describes its own (StoredOutbox).
        await self._store.save(cast("dict[str, Any]", self._outbox.to_json()))

    async def _retry_loop(self) -> None:
        pause: float | None = None
        while True:
            await self._sleep_until_due(pause)
            pause = None
            next_at = self._outbox.next_attempt()
            if next_at is None or next_at > self._clock():
                continue  # the idle timer, or a clock that jumped: look at the schedule again
            try:
                await self.retry_due()
            except Exception as err:  # the loop must outlive a full disk
                _LOGGER.warning(
                    "%s: outbox retry failed (%s); trying again shortly",
                    self.account,
                    type(err).__name__,
                )
                pause = _ERROR_PAUSE

    async def _sleep_until_due(self, pause: float | None) -> None:
        """Wait until the next delivery is due (or ``pause`` seconds), at most a minute."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        self._arm_timer(pause)
        try:
            await waiter
        finally:
            self._waiter = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _arm_timer(self, delay: float | None = None) -> None:
        """(Re)set the idle retry loop's timer for the next due delivery.

        Called whenever the outbox changed, so the timer always follows the schedule as it is
        now; a loop that is busy retrying sets it itself when it is done.
        """
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if delay is None:
            next_at = self._outbox.next_attempt()
            delay = _MAX_IDLE_WAIT if next_at is None else max(next_at - self._clock(), 0.0)
        if self._timer is not None:
            self._timer.cancel()

        def expire() -> None:
            if not waiter.done():
                waiter.set_result(None)

        # The timer resolves the future the loop awaits directly: no helper task in between,
        # so the loop resumes in the very next iteration of the event loop.
        call_later = self._call_later or asyncio.get_running_loop().call_later
        self._timer = call_later(min(delay, _MAX_IDLE_WAIT), expire)


def _raised_at(err: BaseException) -> str:
    """``file:line in function`` where ``err`` was raised (no message, no variables)."""
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return "an unknown place"
    frame = frames[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
