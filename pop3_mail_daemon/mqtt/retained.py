"""Retained MQTT values that must reach the broker eventually, newest value wins.

A state topic only needs its latest value: when the broker is unreachable, older values are
overwritten in memory and only the newest is sent once the connection is back. Publishing runs
in one background task, so a poll never waits for the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from pop3_mail.dispatch.publisher import DeliveryError, MqttPublisher

_LOGGER = logging.getLogger(__name__)

RETRY_DELAY = 5.0


class RetainedValues:
    """The current retained payload per topic, and the topics the broker has yet to receive."""

    def __init__(self, publisher: MqttPublisher, *, retry_delay: float = RETRY_DELAY) -> None:
        """Publish through ``publisher`` (QoS 1, retained)."""
        self._publisher = publisher
        self._retry_delay = retry_delay
        self._values: dict[str, str] = {}
        self._pending: dict[str, None] = {}  # insertion-ordered set
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    def set(self, topic: str, payload: str) -> None:
        """Make ``payload`` the retained value of ``topic`` (``""`` deletes it on the broker)."""
        if self._values.get(topic) == payload and topic not in self._pending:
            return
        self._values[topic] = payload
        self._mark(topic)

    def get(self, topic: str) -> str | None:
        """The current value of ``topic``, if any."""
        return self._values.get(topic)

    def republish(self, topics: list[str] | None = None) -> None:
        """Send the current values again (all, or ``topics``), e.g. after Home Assistant started."""
        for topic in list(self._values) if topics is None else topics:
            if topic in self._values:
                self._mark(topic)

    @property
    def pending(self) -> int:
        """How many topics wait to be published."""
        return len(self._pending)

    def start(self) -> None:
        """Start publishing in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="pop3_mail retained values")

    async def stop(self, flush_timeout: float) -> None:
        """Try to publish what is pending for up to ``flush_timeout`` seconds, then stop."""
        if self._task is None:
            return
        if self._pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), flush_timeout)
        task, self._task = self._task, None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def _mark(self, topic: str) -> None:
        self._pending[topic] = None
        self._idle.clear()
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                topic = next(iter(self._pending))
                payload = self._values[topic]
                try:
                    await self._publisher.publish(topic, payload, qos=1, retain=True)
                except DeliveryError as err:
                    _LOGGER.debug("Retained %s not published yet (%s); retrying", topic, err)
                    await asyncio.sleep(self._retry_delay)
                    continue
                except Exception:  # a publisher bug must not end state publishing for good
                    _LOGGER.exception("Publishing %s failed unexpectedly; retrying", topic)
                    await asyncio.sleep(self._retry_delay)
                    continue
                if self._values.get(topic) == payload:
                    # Unchanged while it was being sent: done (a change keeps it pending).
                    self._pending.pop(topic, None)
                    if payload == "":
                        del self._values[topic]
            self._idle.set()
