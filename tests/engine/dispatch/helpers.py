"""Helpers for the dispatch tests: a paho subscriber, waiting for conditions, summaries."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from pop3_mail.mail.model import MailSummary, summary_id


async def eventually(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait until ``condition()`` holds (a generous bound for slow machines, not a timing test)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@dataclass(frozen=True)
class Seen:
    """One message the subscriber received."""

    topic: str
    payload: bytes
    qos: int
    retain: bool

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass
class Subscriber:
    """A plain paho client in the test that records what arrives on ``topics``."""

    port: int
    topics: list[str]
    qos: int = 1
    messages: list[Seen] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _subscribed: threading.Event = field(default_factory=threading.Event)
    subscriptions: int = 0
    _client: paho.Client | None = None

    def start(self) -> Subscriber:
        client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id="", protocol=MQTTProtocolVersion.MQTTv311
        )
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.reconnect_delay_set(1, 1)
        client.connect_async("127.0.0.1", self.port, 30)
        client.loop_start()
        self._client = client
        if not self._subscribed.wait(10):
            raise AssertionError("test subscriber could not subscribe")
        return self

    def stop(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
            self._client = None

    async def resubscribed(self, before: int) -> None:
        """Wait until the subscriber subscribed again after a broker restart."""
        await eventually(lambda: self.subscriptions > before, timeout=20)

    def on(self, topic: str) -> list[Seen]:
        with self._lock:
            return [message for message in self.messages if message.topic == topic]

    def _on_connect(self, client: paho.Client, *_args: Any) -> None:
        client.subscribe([(topic, self.qos) for topic in self.topics])

    def _on_subscribe(self, *_args: Any) -> None:
        self.subscriptions += 1
        self._subscribed.set()

    def _on_message(self, _client: paho.Client, _userdata: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(
                Seen(message.topic, bytes(message.payload), message.qos, bool(message.retain))
            )


def make_summary(
    uid: str = "uid-1", account_key: str = "me@127.0.0.1:995", **fields: Any
) -> MailSummary:
    """A summary with sensible defaults; ``fields`` override them."""
    values: dict[str, Any] = {
        "id": summary_id(account_key, uid),
        "uid": uid,
        "number": 1,
        "size": 1234,
        "subject": "Hello",
        "from_name": "Alice Example",
        "from_address": "alice@example.com",
        "to": ("me@example.com",),
        "cc": (),
        "date": "2024-05-01T10:00:00+00:00",
        "message_id": "<m1@example.com>",
        "snippet": "Hi there",
        "attachments": (),
    }
    values.update(fields)
    return MailSummary(**values)


def with_attachment(summary: MailSummary) -> MailSummary:
    """``summary`` with one attachment."""
    return MailSummary.from_dict(
        {
            **summary.as_dict(),
            "attachments": [{"filename": "a.pdf", "content_type": "application/pdf", "size": 10}],
        }
    )
