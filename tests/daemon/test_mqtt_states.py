"""Retained states and discovery against a real broker (in-process ``MqttStates``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.publish as publish
import pytest

from pop3_mail.state_store import JsonFileStore
from pop3_mail_daemon.config.loader import AccountConfig, MqttConfig, build_config
from pop3_mail_daemon.mqtt.discovery import device_config
from pop3_mail_daemon.mqtt.registry import PublishedTopics
from pop3_mail_daemon.mqtt.states import MqttStates
from pop3_mail_daemon.runner import mqtt_client
from pop3_mail_daemon.status import Health
from tests.daemon.helpers import eventually, retained_now
from tests.engine.dispatch.helpers import Subscriber, make_summary
from tests.support.mosquitto import MosquittoBroker

pytestmark = pytest.mark.mosquitto

CONFIG_TOPIC = "homeassistant/device/pop3_mail_mqtt_home/config"
NOW = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


@asynccontextmanager
async def publishing(
    tmp_path: Path,
    mosquitto: MosquittoBroker,
    *,
    before_start: Callable[[], None] = lambda: None,
    **mqtt: Any,
) -> AsyncIterator[tuple[MqttStates, MqttConfig, AccountConfig]]:
    """``MqttStates`` for one account ``home``, its registry in ``tmp_path`` (kept between uses)."""
    config = build_config(
        {
            "mqtt": {"host": "127.0.0.1", "port": mosquitto.port, "keepalive": 5, **mqtt},
            "accounts": [{"name": "home", "host": "pop.example", "username": "u", "password": "p"}],
        },
        base_dir=tmp_path,
    )
    assert config.mqtt is not None
    before_start()
    client = mqtt_client(config.mqtt)
    states = MqttStates(
        client,
        config.mqtt,
        config.accounts,
        PublishedTopics(JsonFileStore(tmp_path / "published.json")),
        birth_delay=(0.0, 0.1),
    )
    await client.start()
    await states.start()
    try:
        yield states, config.mqtt, config.accounts[0]
    finally:
        await states.stop(1.0)
        await client.stop()


async def settled(states: MqttStates) -> None:
    await eventually(lambda: states.pending == 0, timeout=30)


async def test_states_wait_for_the_broker_and_the_newest_value_wins(
    tmp_path: Path, mosquitto: MosquittoBroker
) -> None:
    subscriber: Subscriber | None = None
    async with publishing(tmp_path, mosquitto, before_start=mosquitto.stop) as (states, _, _):
        try:
            latest = make_summary(subject="Newest")
            states.polled("home", unread=1, messages=5, latest=None, checked_at=NOW)
            states.polled("home", unread=2, messages=6, latest=latest, checked_at=NOW)
            states.health("home", Health.AUTH_FAILED, "authentication failed", NOW)
            await asyncio.sleep(0.2)
            assert states.pending > 0  # nothing reached the (stopped) broker

            mosquitto.start()
            await settled(states)
            subscriber = Subscriber(mosquitto.port, ["pop3_mail/#", "homeassistant/#"]).start()
            await eventually(lambda: len(subscriber.on("pop3_mail/home/error")) == 1)
            retained = {m.topic: m.payload for m in subscriber.messages if m.retain}
            assert retained["pop3_mail/home/unread"] == b"2"
            assert retained["pop3_mail/home/messages"] == b"6"
            assert json.loads(retained["pop3_mail/home/latest"])["subject"] == "Newest"
            assert retained["pop3_mail/home/status"] == b"auth_failed"
            assert json.loads(retained["pop3_mail/home/error"]) == {
                "error": "authentication failed",
                "since": "2026-05-01T10:00:00+00:00",
            }
            assert retained["pop3_mail/home/last_checked"] == b"2026-05-01T10:00:00+00:00"
            assert CONFIG_TOPIC in retained
            assert retained["pop3_mail/status"] == b"online"
        finally:
            if subscriber is not None:
                subscriber.stop()


async def test_every_poll_refreshes_the_values_home_assistant_expires(
    tmp_path: Path, mosquitto: MosquittoBroker
) -> None:
    """``expire_after`` counts from the last message: an unchanged count is sent again anyway."""
    subscriber = Subscriber(mosquitto.port, ["pop3_mail/home/#"]).start()
    try:
        async with publishing(tmp_path, mosquitto) as (states, mqtt, account):
            latest = make_summary(subject="Same")
            for minute in (0, 5):
                checked = NOW.replace(minute=minute)
                states.polled("home", unread=1, messages=3, latest=latest, checked_at=checked)
                await settled(states)
            expiring = {
                component["state_topic"]
                for component in device_config(mqtt, account, poll_interval=300)["cmps"].values()
                if "expire_after" in component
            }
            assert expiring == {
                "pop3_mail/home/unread",
                "pop3_mail/home/messages",
                "pop3_mail/home/latest",
            }
            await eventually(lambda: all(len(subscriber.on(topic)) == 2 for topic in expiring))
            # Values that do not expire are only sent when they change.
            assert len(subscriber.on("pop3_mail/home/status")) == 1
    finally:
        subscriber.stop()


async def test_switching_discovery_off_removes_the_device(
    tmp_path: Path, mosquitto: MosquittoBroker
) -> None:
    async with publishing(tmp_path, mosquitto) as (states, _, _):
        await settled(states)
    assert await retained_now(mosquitto.port, CONFIG_TOPIC)

    subscriber = Subscriber(mosquitto.port, ["homeassistant/#"]).start()
    try:
        async with publishing(tmp_path, mosquitto, discovery=False) as (states, _, _):
            states.polled("home", unread=0, messages=1, latest=None, checked_at=NOW)
            await settled(states)
            await eventually(lambda: any(m.payload == b"" for m in subscriber.on(CONFIG_TOPIC)))
            # Home Assistant's birth no longer brings the device back.
            publish.single("homeassistant/status", "online", port=mosquitto.port)
            await asyncio.sleep(0.5)
        assert [m.payload for m in subscriber.on(CONFIG_TOPIC) if not m.retain] == [b""]
        assert await retained_now(mosquitto.port, CONFIG_TOPIC) == []
        assert await retained_now(mosquitto.port, "pop3_mail/home/messages") == [b"1"]
    finally:
        subscriber.stop()


async def test_registry_lists_topics_of_departed_accounts(tmp_path: Path) -> None:
    registry = PublishedTopics(JsonFileStore(tmp_path / "published.json"))
    await registry.load()
    assert registry.stale({"home": ["a/home"]}) == []
    await registry.save({"home": ["a/home", "cfg/home"], "work": ["a/work", "cfg/work"]})
    again = PublishedTopics(JsonFileStore(tmp_path / "published.json"))
    await again.load()
    assert again.stale({"home": ["a/home", "cfg/home"]}) == ["a/work", "cfg/work"]
    # Discovery switched off: the config topic of a remaining account goes too.
    assert again.stale({"home": ["a/home"], "work": ["a/work"]}) == ["cfg/home", "cfg/work"]
    (tmp_path / "published.json").write_text('{"version": 99}')
    await again.load()
    assert again.stale({}) == []
