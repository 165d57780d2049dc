"""The apprise side of delivery: each notify action's services, loaded once, and sending to one.

Loading and sending block (see :mod:`.notify`), so both run through the executor runner.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import notify
from .attachments import AttachmentFile
from .deliveries import NotifyDelivery
from .executor import ExecutorRunner
from .plan import every_action
from .publisher import DeliveryError
from .rules import NotifyAction, Rule

_LOGGER = logging.getLogger(__name__)


class TargetGoneError(Exception):
    """The rule, action or service of an outbox entry is no longer configured."""


@dataclass(slots=True)
class _Channel:
    """The services of one notify action, loaded once (off the event loop)."""

    rule: str
    action: NotifyAction
    loaded: notify.LoadedTargets | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class AppriseChannels:
    """The notify actions of the rules, by action key (``<rule>#<n>``), and their services."""

    def __init__(
        self, rules: Sequence[Rule], *, account: str, run_blocking: ExecutorRunner
    ) -> None:
        """Channels for every notify action of ``rules``; nothing is loaded yet."""
        self._account = account
        self._run_blocking = run_blocking
        self._channels = {
            planned.key: _Channel(planned.rule.name, planned.action)
            for planned in every_action(rules)
            if isinstance(planned.action, NotifyAction)
        }

    async def load_all(self) -> None:
        """Load the services of every notify action (each logs its problems)."""
        for channel in self._channels.values():
            await self._load(channel)

    async def targets(self, key: str) -> notify.LoadedTargets:
        """The services of action ``key``, loaded once; reloaded while the problem may pass.

        Raises:
            TargetGoneError: the rules have no notify action ``key`` (any more).
        """
        channel = self._channels.get(key)
        if channel is None:
            raise TargetGoneError("its rule or notify action no longer exists")
        return await self._load(channel)

    def load_problem(self, key: str) -> str:
        """Why the services of action ``key`` could not (all) be loaded; safe to log."""
        channel = self._channels.get(key)
        problems = channel.loaded.problems if channel and channel.loaded else ()
        return "; ".join(problems) or "the notification services could not be loaded"

    def has_unusable_services(self, key: str) -> bool:
        """Whether action ``key`` has services that will not work until its rule changes."""
        loaded = self._channels[key].loaded
        return loaded is not None and loaded.unusable

    async def send(self, delivery: NotifyDelivery, attachments: Sequence[AttachmentFile]) -> None:
        """Notify the one service of ``delivery``.

        Raises:
            DeliveryError: the service failed, or cannot be loaded yet (worth a retry).
            TargetGoneError: the action or the service is no longer configured.
        """
        loaded = await self.targets(delivery.channel)
        target = next((t for t in loaded.targets if t.fingerprint == delivery.fingerprint), None)
        if target is None:
            if loaded.retryable:
                raise DeliveryError(self.load_problem(delivery.channel))
            raise TargetGoneError("the service is no longer configured in its rule")
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

    async def _load(self, channel: _Channel) -> notify.LoadedTargets:
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
                            "%s: rule '%s': notify: %s", self._account, channel.rule, problem
                        )
                channel.loaded = loaded
            return channel.loaded
