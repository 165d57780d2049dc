"""Helpers for the dispatch tests: a paho subscriber, waiting for conditions, summaries."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
from aiohttp import BodyPartReader, web
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from pop3_mail.mail.model import MailSummary, summary_id
from pop3_mail.pop3 import RetrievedMessage


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


@dataclass(frozen=True)
class Poll:
    """What a poll hands to ``Dispatcher.handle`` (the parts it reads)."""

    new_messages: tuple[MailSummary, ...]
    full_messages: dict[str, RetrievedMessage] = field(default_factory=dict)


@dataclass(eq=False)
class Timer:
    """A callback :class:`Clock` runs once it has been advanced to ``deadline``."""

    deadline: float
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """A settable clock, and a ``call_later`` on it, for running the outbox's schedule in no time.

    :meth:`advance` only moves the time: tests that call ``retry_due`` themselves must not race
    a retry loop woken by its timer. :func:`let_time_pass` moves it and runs the timers that
    became due, so the retry loop's timer follows this clock instead of real time.
    """

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now
        self._timers: list[Timer] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def run_due_timers(self) -> None:
        due = [timer for timer in self._timers if timer.deadline <= self.now]
        self._timers = [timer for timer in self._timers if timer not in due]
        for timer in due:
            if not timer.cancelled:
                timer.callback()

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(self.now + seconds, callback)
        self._timers.append(timer)
        return timer

    @property
    def wake_ups(self) -> list[float]:
        """When the timers still pending go off, as seconds from now."""
        return sorted(t.deadline - self.now for t in self._timers if not t.cancelled)


@dataclass
class RecordingMailbox:
    """Stands in for the mailbox where only the dispatcher's two calls matter."""

    acknowledged: list[str | None] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)

    async def acknowledge(self, uid: str | None = None) -> int:
        self.acknowledged.append(uid)
        return 0

    async def request_deletion(self, uids: Sequence[str]) -> None:
        self.deletions.extend(uids)


@dataclass
class HttpRequest:
    """One request the endpoint received."""

    path: str
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class HttpEndpoint:
    """A local aiohttp server that records notifications and fails on request."""

    port: int = 0
    requests: list[HttpRequest] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    """Path → how many more requests to answer with HTTP 500."""

    def fail(self, path: str, times: int = 1) -> None:
        self.failures[path] = times

    def on(self, path: str) -> list[HttpRequest]:
        return [request for request in self.requests if request.path == path]

    def url(self, scheme: str, path: str, credentials: str = "") -> str:
        userinfo = f"{credentials}@" if credentials else ""
        return f"{scheme}://{userinfo}127.0.0.1:{self.port}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        received = HttpRequest(request.path, dict(request.headers))
        if request.content_type == "application/json":
            received.json = await request.json()
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.filename:
                    received.files[part.name or ""] = (part.filename, bytes(await part.read()))
                else:
                    received.form[part.name or ""] = await part.text()
        else:
            received.form = {key: str(value) for key, value in (await request.post()).items()}
        self.requests.append(received)
        remaining = self.failures.get(request.path, 0)
        if remaining:
            self.failures[request.path] = remaining - 1
            return web.Response(status=500, text="broken on purpose")
        return web.Response(text="ok")


async def let_time_pass(clock: Clock, seconds: float = 0.0) -> None:
    """Move ``clock`` on by ``seconds``, running a dispatcher's retry loop at each of its timers.

    Between steps the loop is given the chance to do what became due and go back to sleep, so
    afterwards everything due by the new time has been attempted (with ``seconds`` 0: what is
    due now).
    """
    remaining = seconds
    for _ in range(10_000):
        await eventually(lambda: bool(clock.wake_ups))  # the loop sleeps
        first = clock.wake_ups[0]
        if first <= 0:
            clock.run_due_timers()
            continue
        if remaining <= 0:
            return
        step = min(remaining, first)
        clock.advance(step)
        remaining -= step
    raise AssertionError("the retry loop never went to sleep for a while")
