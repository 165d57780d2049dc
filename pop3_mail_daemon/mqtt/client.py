"""An asyncio facade over paho-mqtt 2.x for the daemon (Home Assistant uses its own MQTT).

paho runs its network loop in a thread (``loop_start``) so that it reconnects by itself with
backoff and the broker publishes our last will when the connection dies. Its callbacks only
hand events over to the event loop (``call_soon_threadsafe``); everything else happens there.

Delivery is tracked by message id in ``on_publish`` (paho's ``is_published()`` is unreliable
while offline). :meth:`AsyncMqttClient.publish` returns once the broker acknowledged the message
and raises :class:`DeliveryError` when it is not connected or the acknowledgement does not come
in time; a message given up that way is also taken out of paho's queue, so that the caller's
outbox is the only one that retries it (no second copy after a reconnect).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from pop3_mail.dispatch.publisher import DeliveryError

_LOGGER = logging.getLogger(__name__)

_IN_FLIGHT_STATES = frozenset(
    {
        paho.mqtt_ms_wait_for_puback,
        paho.mqtt_ms_wait_for_pubrec,
        paho.mqtt_ms_resend_pubrel,
        paho.mqtt_ms_wait_for_pubrel,
        paho.mqtt_ms_wait_for_pubcomp,
    }
)
_STOP_PUBLISH_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """A message that arrived on a subscription."""

    topic: str
    payload: bytes
    retain: bool


MessageCallback = Callable[[ReceivedMessage], None]
"""Called in the event loop for each message on a subscribed topic; must not block."""
ConnectHook = Callable[[], Awaitable[None]]
"""Run (as a task) after every successful connection, e.g. to re-publish discovery."""


class AsyncMqttClient:
    """One broker connection with a retained availability topic and at-least-once publishing.

    On every connection it publishes ``online_payload`` retained to ``will_topic`` (the broker
    publishes ``will_payload`` there when the connection dies), re-subscribes and runs the
    connect hooks. Implements ``dispatch.publisher.MqttPublisher``.
    """

    def __init__(
        self,
        host: str,
        port: int = 1883,
        *,
        client_id: str,
        will_topic: str,
        will_payload: str = "offline",
        online_payload: str = "online",
        username: str | None = None,
        password: str | None = None,
        tls: bool = False,
        cafile: str | None = None,
        tls_insecure: bool = False,
        keepalive: int = 60,
        publish_timeout: float = 10.0,
        reconnect_delay: tuple[int, int] = (1, 120),
        max_queued: int = 1000,
    ) -> None:
        """Configure the connection; nothing happens until :meth:`start`.

        ``tls_insecure`` skips only the host name check (the certificate chain is still
        verified, against ``cafile`` or the system's CAs).
        """
        self.host = host
        self.port = port
        self.client_id = client_id
        self.will_topic = will_topic
        self.will_payload = will_payload
        self.online_payload = online_payload
        self._username = username
        self._password = password
        self._tls = tls
        self._cafile = cafile
        self._tls_insecure = tls_insecure
        self._keepalive = keepalive
        self._publish_timeout = publish_timeout
        self._reconnect_delay = reconnect_delay
        self._max_queued = max_queued
        self._client: paho.Client | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connected = False
        self._connected_event = asyncio.Event()
        self._pending: dict[int, asyncio.Future[None]] = {}
        self._subscriptions: dict[str, tuple[int, list[MessageCallback]]] = {}
        self._subscriptions_lock = threading.Lock()
        self._hooks: list[ConnectHook] = []
        self._hook_tasks: set[asyncio.Task[None]] = set()
        self._outage_reported = False
        self.last_error: str | None = None
        """Why the last connection attempt failed or the connection was lost (no secrets)."""

    def __repr__(self) -> str:
        """Broker and client id only (never the credentials)."""
        return f"AsyncMqttClient({self.host}:{self.port}, client_id={self.client_id!r})"

    @property
    def connected(self) -> bool:
        """Whether the broker accepted the connection and it has not been lost since."""
        return self._connected

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start connecting in the background (paho retries until the broker answers)."""
        if self._client is not None:
            return
        self._loop = asyncio.get_running_loop()
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=MQTTProtocolVersion.MQTTv311,
            clean_session=True,
        )
        if self._username is not None:
            client.username_pw_set(self._username, self._password)
        if self._tls:
            # Loading CA files blocks: build the context in a worker thread.
            context = await self._loop.run_in_executor(None, self._ssl_context)
            client.tls_set_context(context)
        client.will_set(self.will_topic, self.will_payload, qos=1, retain=True)
        client.reconnect_delay_set(*self._reconnect_delay)
        client.max_queued_messages_set(self._max_queued)
        client.on_connect = self._paho_on_connect
        client.on_connect_fail = self._paho_on_connect_fail
        client.on_disconnect = self._paho_on_disconnect
        client.on_publish = self._paho_on_publish
        client.on_message = self._paho_on_message
        self._client = client
        # connect_async before loop_start: the thread then makes (and retries) the first
        # connection itself, and there is no race between the two (paho #549).
        client.connect_async(self.host, self.port, self._keepalive)
        client.loop_start()

    async def stop(self) -> None:
        """Say ``offline``, disconnect cleanly and end paho's thread."""
        client, self._client = self._client, None
        if client is None:
            return
        if self._connected:
            with contextlib.suppress(DeliveryError):
                await self._publish(
                    client,
                    self.will_topic,
                    self.will_payload,
                    qos=1,
                    retain=True,
                    ack_within=min(self._publish_timeout, _STOP_PUBLISH_TIMEOUT),
                )
        self._connected = False
        self._connected_event.clear()
        client.disconnect()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, client.loop_stop)  # joins the thread
        for future in self._pending.values():
            if not future.done():
                future.set_exception(DeliveryError("the MQTT client was stopped"))
        for task in list(self._hook_tasks):
            task.cancel()
        if self._hook_tasks:
            await asyncio.gather(*self._hook_tasks, return_exceptions=True)

    async def wait_connected(self) -> None:
        """Return once connected (wrap in ``asyncio.timeout`` to bound the wait)."""
        await self._connected_event.wait()

    # -- publishing and subscribing ----------------------------------------------------------

    async def publish(
        self, topic: str, payload: str, *, qos: int = 1, retain: bool = False
    ) -> None:
        """Publish and return once delivered (PUBACK/PUBCOMP; for QoS 0: once sent).

        Raises :class:`DeliveryError` when not connected, when paho refuses the message or
        when the broker does not acknowledge it within the publish timeout.
        """
        client = self._client
        if client is None or not self._connected:
            raise DeliveryError(f"not connected to the MQTT broker {self.host}:{self.port}")
        await self._publish(
            client, topic, payload, qos=qos, retain=retain, ack_within=self._publish_timeout
        )

    async def _publish(
        self,
        client: paho.Client,
        topic: str,
        payload: str,
        *,
        qos: int,
        retain: bool,
        ack_within: float,
    ) -> None:
        loop = asyncio.get_running_loop()
        info = client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            self._forget(client, info.mid)
            raise DeliveryError(f"MQTT publish to {topic} refused: {paho.error_string(info.rc)}")
        # on_publish may already have fired in paho's thread; its hand-over runs in this loop,
        # so only after this synchronous section has registered the future.
        future: asyncio.Future[None] = loop.create_future()
        self._pending[info.mid] = future
        try:
            async with asyncio.timeout(ack_within):
                await future
        except TimeoutError:
            self._forget(client, info.mid)
            raise DeliveryError(
                f"the MQTT broker {self.host}:{self.port} did not acknowledge a message to "
                f"{topic} within {ack_within:g} s"
            ) from None
        finally:
            self._pending.pop(info.mid, None)

    def subscribe(self, topic: str, callback: MessageCallback, qos: int = 1) -> None:
        """Receive messages on ``topic`` (wildcards allowed); survives reconnects."""
        with self._subscriptions_lock:
            _qos, callbacks = self._subscriptions.get(topic, (qos, []))
            self._subscriptions[topic] = (max(qos, _qos), [*callbacks, callback])
        if self._client is not None and self._connected:
            self._client.subscribe(topic, qos)

    def add_connect_hook(self, hook: ConnectHook) -> None:
        """Run ``hook`` after every (re)connection (already connected: at the next one)."""
        self._hooks.append(hook)

    # -- paho's thread -----------------------------------------------------------------------

    def _hand_over(self, callback: Callable[..., None], *args: Any) -> None:
        """Run ``callback(*args)`` in the event loop (called from paho's thread)."""
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nothing to tell
            loop.call_soon_threadsafe(callback, *args)

    def _paho_on_connect(
        self,
        client: paho.Client,
        _userdata: Any,
        _flags: Any,
        reason_code: ReasonCode,
        _properties: Any,
    ) -> None:
        if reason_code.is_failure:
            self._hand_over(self._connect_refused, str(reason_code))
            return
        # Straight from this thread, before anything else is sent: availability, then the
        # subscriptions (the session is clean, so the broker forgot them).
        client.publish(self.will_topic, self.online_payload, qos=1, retain=True)
        with self._subscriptions_lock:
            subscriptions = [(topic, qos) for topic, (qos, _cbs) in self._subscriptions.items()]
        if subscriptions:
            client.subscribe(subscriptions)
        self._hand_over(self._on_connected)

    def _paho_on_connect_fail(self, _client: paho.Client, _userdata: Any) -> None:
        self._hand_over(self._connect_failed)

    def _paho_on_disconnect(
        self,
        _client: paho.Client,
        _userdata: Any,
        _flags: Any,
        reason_code: ReasonCode,
        _properties: Any,
    ) -> None:
        self._hand_over(self._on_disconnected, str(reason_code))

    def _paho_on_publish(
        self,
        _client: paho.Client,
        _userdata: Any,
        mid: int,
        reason_code: ReasonCode,
        _properties: Any,
    ) -> None:
        self._hand_over(self._on_published, mid, reason_code.is_failure, str(reason_code))

    def _paho_on_message(
        self, _client: paho.Client, _userdata: Any, message: paho.MQTTMessage
    ) -> None:
        received = ReceivedMessage(
            topic=message.topic, payload=bytes(message.payload), retain=bool(message.retain)
        )
        self._hand_over(self._on_message, received)

    # -- back in the event loop --------------------------------------------------------------

    def _on_connected(self) -> None:
        if self._client is None:
            return
        self._connected = True
        self._connected_event.set()
        self.last_error = None
        if self._outage_reported:
            _LOGGER.warning("MQTT broker %s:%d is reachable again", self.host, self.port)
        else:
            _LOGGER.info("Connected to the MQTT broker %s:%d", self.host, self.port)
        self._outage_reported = False
        for hook in self._hooks:
            task = asyncio.create_task(self._run_hook(hook), name="pop3_mail mqtt connect hook")
            self._hook_tasks.add(task)
            task.add_done_callback(self._hook_tasks.discard)

    async def _run_hook(self, hook: ConnectHook) -> None:
        try:
            await hook()
        except asyncio.CancelledError:
            raise
        except Exception:
            _LOGGER.exception("An MQTT connect hook failed")

    def _connect_refused(self, reason: str) -> None:
        self._report_outage(f"the broker refused the connection: {reason}")

    def _connect_failed(self) -> None:
        self._report_outage("cannot connect")

    def _on_disconnected(self, reason: str) -> None:
        was_connected = self._connected
        self._connected = False
        self._connected_event.clear()
        if self._client is None:
            return  # our own stop()
        if was_connected:
            self._report_outage(f"connection lost ({reason})")

    def _report_outage(self, problem: str) -> None:
        self.last_error = problem
        if self._outage_reported:
            _LOGGER.debug("MQTT broker %s:%d: %s", self.host, self.port, problem)
            return
        self._outage_reported = True
        _LOGGER.warning(
            "MQTT broker %s:%d: %s; retrying in the background", self.host, self.port, problem
        )

    def _on_published(self, mid: int, failed: bool, reason: str) -> None:
        future = self._pending.get(mid)
        if future is None or future.done():
            return  # given up already (timeout), or our own "online" message
        if failed:
            future.set_exception(DeliveryError(f"the MQTT broker refused a message: {reason}"))
        else:
            future.set_result(None)

    def _on_message(self, message: ReceivedMessage) -> None:
        with self._subscriptions_lock:
            matching = [
                callback
                for topic, (_qos, callbacks) in self._subscriptions.items()
                if paho.topic_matches_sub(topic, message.topic)
                for callback in callbacks
            ]
        for callback in matching:
            try:
                callback(message)
            except Exception:
                _LOGGER.exception("Handling an MQTT message on %s failed", message.topic)

    # -- helpers -----------------------------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self._cafile)
        if self._tls_insecure:
            context.check_hostname = False
        return context

    @staticmethod
    def _forget(client: paho.Client, mid: int) -> None:
        """Take a message we gave up on out of paho's queue, so it is not sent after all.

        paho would otherwise send it again after a reconnect, behind the back of the outbox
        that now owns it. This reaches into paho 2.x internals (mirroring what paho does when
        a PUBACK arrives); if they change, the message may be sent twice, which at-least-once
        delivery allows.
        """
        try:
            with client._out_message_mutex:
                message = client._out_messages.pop(mid, None)
                if message is None or message.qos == 0:
                    return
                if message.state in _IN_FLIGHT_STATES and client._inflight_messages > 0:
                    client._inflight_messages -= 1
                    if client._max_inflight_messages > 0:
                        client._update_inflight()
        except (AttributeError, KeyError, TypeError, ValueError):
            _LOGGER.debug("Cannot withdraw MQTT message %d from paho's queue", mid)
