"""The accounts' retained MQTT states and their Home Assistant discovery.

After each poll the worker reports here; the values are published retained (newest wins, in the
background). Discovery configs are published at start, whenever an account's poll interval
changes (``expire_after`` follows it), after every reconnection, and again a few seconds after
Home Assistant announces ``online`` on its birth topic. Topics that a previous run published
for accounts that are gone are cleared with empty retained messages.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Coroutine, Sequence
from datetime import datetime
from typing import Any

from pop3_mail.dispatch.payload import message_payload_json
from pop3_mail.dispatch.publisher import DeliveryError
from pop3_mail.mail.model import MailSummary

from ..config.loader import AccountConfig, MqttConfig
from ..status import Health
from .client import AsyncMqttClient, ReceivedMessage
from .discovery import device_config, discovery_topic
from .registry import PublishedTopics
from .retained import RETRY_DELAY, RetainedValues
from .topics import ONLINE, AccountTopics, birth_topic

_LOGGER = logging.getLogger(__name__)

BIRTH_DELAY = (1.0, 5.0)
"""Seconds (random within) between Home Assistant's ``online`` and re-publishing discovery:
spreads the load when many publishers answer the same birth message."""


class MqttStates:
    """Publishes what the daemon knows about its accounts to MQTT (and Home Assistant)."""

    def __init__(
        self,
        client: AsyncMqttClient,
        config: MqttConfig,
        accounts: Sequence[AccountConfig],
        registry: PublishedTopics,
        *,
        rng: random.Random | None = None,
        birth_delay: tuple[float, float] = BIRTH_DELAY,
    ) -> None:
        """Publish through ``client`` for ``accounts``; ``registry`` remembers what was sent."""
        self._client = client
        self._config = config
        self._accounts = {account.name: account for account in accounts}
        self._registry = registry
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._birth_delay = birth_delay
        self._values = RetainedValues(client)
        self._intervals = {account.name: float(account.scan_interval) for account in accounts}
        self._tasks: set[asyncio.Task[None]] = set()
        self._birth_timer: asyncio.TimerHandle | None = None

    def topics(self, account: str) -> AccountTopics:
        """The topics of ``account``."""
        return AccountTopics(self._config.base_topic, account)

    def _published_topics(self) -> dict[str, list[str]]:
        """Every retained topic this configuration uses, per account."""
        current: dict[str, list[str]] = {}
        for name in self._accounts:
            topics = list(self.topics(name).retained)
            if self._config.discovery:
                topics.insert(0, discovery_topic(self._config, name))
            current[name] = topics
        return current

    async def start(self) -> None:
        """Publish discovery, clear what departed accounts left behind, follow HA's birth."""
        await self._registry.load()
        current = self._published_topics()
        stale = self._registry.stale(current)
        if stale:
            self._spawn(self._clear(stale, current), "clear stale topics")
        else:
            await self._registry.save(current)
        if self._config.discovery:
            for name in self._accounts:
                self._publish_discovery(name)
            self._client.subscribe(birth_topic(self._config.discovery_prefix), self._on_birth)
        self._client.add_connect_hook(self._on_connect)
        self._values.start()

    async def stop(self, flush_timeout: float) -> None:
        """Publish what is pending (for up to ``flush_timeout`` s) and stop."""
        if self._birth_timer is not None:
            self._birth_timer.cancel()
            self._birth_timer = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._values.stop(flush_timeout)

    @property
    def pending(self) -> int:
        """Retained values not yet acknowledged by the broker."""
        return self._values.pending

    # -- what the workers report -------------------------------------------------------------

    def polled(
        self,
        account: str,
        *,
        unread: int,
        messages: int,
        latest: MailSummary | None,
        checked_at: datetime,
    ) -> None:
        """A successful poll: counts, newest message, time; status ``ok``."""
        topics = self.topics(account)
        latest_json = message_payload_json(latest, account) if latest else "{}"
        self._values.set(topics.unread, str(unread))
        self._values.set(topics.messages, str(messages))
        self._values.set(topics.latest, latest_json)
        self._values.set(topics.last_checked, checked_at.isoformat(timespec="seconds"))
        # Home Assistant makes these unavailable ``expire_after`` seconds after their last
        # message (see discovery), so every poll sends them again, changed or not.
        self._values.republish([topics.unread, topics.messages, topics.latest])
        self.health(account, Health.OK, None, None)

    def health(
        self, account: str, health: Health, error: str | None, since: datetime | None
    ) -> None:
        """The account's state, and its last error (``None`` when fine)."""
        topics = self.topics(account)
        self._values.set(topics.status, health.value)
        self._values.set(
            topics.error,
            json.dumps(
                {"error": error, "since": since.isoformat(timespec="seconds") if since else None},
                ensure_ascii=False,
            ),
        )

    def interval(self, account: str, seconds: float) -> None:
        """The effective poll interval changed (LOGIN-DELAY): ``expire_after`` follows."""
        if self._intervals.get(account) == seconds:
            return
        self._intervals[account] = seconds
        if self._config.discovery:
            self._publish_discovery(account)

    # -- internals ---------------------------------------------------------------------------

    def _publish_discovery(self, name: str) -> None:
        payload = device_config(
            self._config, self._accounts[name], poll_interval=self._intervals[name]
        )
        self._values.set(discovery_topic(self._config, name), json.dumps(payload))

    async def _clear(self, stale: list[str], current: dict[str, list[str]]) -> None:
        """Empty the stale retained topics (retrying until the broker has them all)."""
        remaining = list(stale)
        while remaining:
            try:
                await self._client.publish(remaining[0], "", qos=1, retain=True)
            except DeliveryError:
                await asyncio.sleep(RETRY_DELAY)
                continue
            _LOGGER.info("Removed the retained %s of an account no longer configured", remaining[0])
            remaining.pop(0)
        await self._registry.save(current)

    async def _on_connect(self) -> None:
        # A broker restarted without persistence has forgotten every retained value.
        self._values.republish()

    def _on_birth(self, message: ReceivedMessage) -> None:
        if message.payload.decode("utf-8", "replace").strip() != ONLINE:
            return
        if self._birth_timer is not None:
            self._birth_timer.cancel()
        delay = self._rng.uniform(*self._birth_delay)
        _LOGGER.info("Home Assistant is online: re-publishing discovery in %.1f s", delay)
        self._birth_timer = asyncio.get_running_loop().call_later(delay, self._after_birth)

    def _after_birth(self) -> None:
        self._birth_timer = None
        self._values.republish()

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coroutine, name=f"pop3_mail mqtt {name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
