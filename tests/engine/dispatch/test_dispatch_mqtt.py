"""Rules publishing to a real Mosquitto through the daemon's client, across broker outages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from pop3_mail_daemon.mqtt.client import AsyncMqttClient
from tests.support.mosquitto import MosquittoBroker

from .conftest import DispatcherFactory
from .helpers import Clock, Poll, Subscriber, eventually, let_time_pass, make_summary

RULES = [
    {"name": "everything", "actions": [{"mqtt": None}]},
    {
        "name": "parcels",
        "match": {"from": "dhl", "subject": "regex:(zugestellt|delivered)"},
        "actions": [{"mqtt": {"topic": "home/parcels/{{ account }}", "qos": 0}}],
    },
]
TOPIC = "pop3_mail/home/message"


@pytest.fixture
async def mqtt(mosquitto: MosquittoBroker) -> AsyncIterator[AsyncMqttClient]:
    client = AsyncMqttClient(
        "127.0.0.1",
        mosquitto.port,
        client_id="pop3mail-dispatch-test",
        will_topic="pop3_mail/status",
        reconnect_delay=(1, 1),
        publish_timeout=5.0,
    )
    await client.start()
    async with asyncio.timeout(15):
        await client.wait_connected()
    yield client
    await client.stop()


@pytest.fixture
def subscriber(mosquitto: MosquittoBroker) -> Iterator[Subscriber]:
    sub = Subscriber(mosquitto.port, ["pop3_mail/+/message", "home/#"], qos=2).start()
    yield sub
    sub.stop()


async def broker_down(mosquitto: MosquittoBroker, mqtt: AsyncMqttClient) -> None:
    await asyncio.to_thread(mosquitto.stop)
    await eventually(lambda: not mqtt.connected)


async def broker_up(mosquitto: MosquittoBroker, mqtt: AsyncMqttClient, sub: Subscriber) -> None:
    before = sub.subscriptions
    await asyncio.to_thread(mosquitto.start)
    async with asyncio.timeout(20):
        await mqtt.wait_connected()
    await sub.resubscribed(before)


async def test_topic_payload_schema_and_qos(
    make_dispatcher: DispatcherFactory, mqtt: AsyncMqttClient, subscriber: Subscriber
) -> None:
    dispatcher = make_dispatcher(RULES, publisher=mqtt)
    parcel = make_summary("p1", from_address="noreply@dhl.de", subject="Paket zugestellt")
    other = make_summary("o1", subject="Hello")
    await dispatcher.handle(Poll((parcel, other)))

    await eventually(lambda: len(subscriber.on(TOPIC)) == 2)
    first, second = subscriber.on(TOPIC)
    assert (first.qos, first.retain) == (1, False)
    payload = first.json()
    assert payload["schema_version"] == 1
    assert payload["id"] == parcel.id
    assert payload["account"] == "home"
    assert payload["uid"] == "p1"
    assert payload["subject"] == "Paket zugestellt"
    assert payload["sender"] == "Alice Example"
    assert second.json()["id"] == other.id

    (parcel_message,) = subscriber.on("home/parcels/home")
    assert parcel_message.qos == 0
    assert parcel_message.json()["id"] == parcel.id
    assert dispatcher.status.delivered == 3


async def test_broker_outage_messages_wait_in_the_outbox_and_arrive_exactly_once(
    make_dispatcher: DispatcherFactory,
    mosquitto: MosquittoBroker,
    mqtt: AsyncMqttClient,
    subscriber: Subscriber,
    clock: Clock,
) -> None:
    dispatcher = make_dispatcher(RULES[:1], publisher=mqtt)
    await dispatcher.start()
    await dispatcher.handle(Poll((make_summary("before"),)))
    await eventually(lambda: len(subscriber.on(TOPIC)) == 1)

    await broker_down(mosquitto, mqtt)
    poll = Poll(tuple(make_summary(f"during-{n}") for n in range(3)))
    await dispatcher.handle(poll)
    status = dispatcher.status
    assert status.outbox_size == 3
    assert "not connected" in (status.last_error or "")

    await broker_up(mosquitto, mqtt, subscriber)
    clock.advance(30)
    assert await dispatcher.retry_due() == 3
    await dispatcher.handle(poll)  # the same messages announced again: nothing new
    clock.advance(3600)
    assert await dispatcher.retry_due(everything=True) == 0
    await mqtt.publish("home/marker", "end", qos=1, retain=False)
    await eventually(lambda: len(subscriber.on("home/marker")) == 1)
    uids = [message.json()["uid"] for message in subscriber.on(TOPIC)]
    assert uids == ["before", "during-0", "during-1", "during-2"]


async def test_outbox_crosses_a_dispatcher_restart(
    make_dispatcher: DispatcherFactory,
    mosquitto: MosquittoBroker,
    mqtt: AsyncMqttClient,
    subscriber: Subscriber,
    clock: Clock,
) -> None:
    first = make_dispatcher(RULES[:1], publisher=mqtt)
    await first.start()
    await broker_down(mosquitto, mqtt)
    await first.handle(Poll((make_summary("a"), make_summary("b"))))
    await first.stop()

    await broker_up(mosquitto, mqtt, subscriber)
    second = make_dispatcher(RULES[:1], publisher=mqtt)
    await second.start()
    assert second.status.outbox_size == 2
    clock.advance(30)
    assert await second.retry_due() == 2
    await second.handle(Poll((make_summary("a"), make_summary("b"))))
    await mqtt.publish("home/marker", "end", qos=1, retain=False)
    await eventually(lambda: len(subscriber.on("home/marker")) == 1)
    assert [m.json()["uid"] for m in subscriber.on(TOPIC)] == ["a", "b"]


async def test_no_second_delivery_after_a_restart(
    make_dispatcher: DispatcherFactory, mqtt: AsyncMqttClient, subscriber: Subscriber
) -> None:
    first = make_dispatcher(RULES[:1], publisher=mqtt)
    await first.start()
    await first.handle(Poll((make_summary("a"),)))
    await first.stop()

    second = make_dispatcher(RULES[:1], publisher=mqtt)
    await second.start()
    await second.handle(Poll((make_summary("a"), make_summary("b"))))
    await mqtt.publish("home/marker", "end", qos=1, retain=False)
    await eventually(lambda: len(subscriber.on("home/marker")) == 1)
    assert [m.json()["uid"] for m in subscriber.on(TOPIC)] == ["a", "b"]


async def test_retries_run_on_their_own_once_the_broker_is_back(
    make_dispatcher: DispatcherFactory,
    mosquitto: MosquittoBroker,
    mqtt: AsyncMqttClient,
    subscriber: Subscriber,
    clock: Clock,
) -> None:
    dispatcher = make_dispatcher(RULES[:1], publisher=mqtt)
    await dispatcher.start()
    await broker_down(mosquitto, mqtt)
    await dispatcher.handle(Poll((make_summary("x"),)))
    assert dispatcher.status.outbox_size == 1
    await broker_up(mosquitto, mqtt, subscriber)
    # No new mail and no manual retry: the outbox's own timer delivers it after 30 s.
    await let_time_pass(clock, 29)
    assert dispatcher.status.outbox_size == 1
    await let_time_pass(clock, 1)
    assert dispatcher.status.outbox_size == 0
    await let_time_pass(clock, 3600)
    await mqtt.publish("home/marker", "end", qos=1, retain=False)
    await eventually(lambda: len(subscriber.on("home/marker")) == 1)
    assert [m.json()["uid"] for m in subscriber.on(TOPIC)] == ["x"]


async def test_a_message_without_a_publisher_waits(
    make_dispatcher: DispatcherFactory,
) -> None:
    dispatcher = make_dispatcher(RULES[:1], publisher=None)
    await dispatcher.handle(Poll((make_summary(),)))
    status = dispatcher.status
    assert status.outbox_size == 1
    assert "no MQTT connection is configured" in (status.last_error or "")
