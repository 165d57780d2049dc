"""``pop3-mail run`` as a real process against real Dovecot and Mosquitto."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import paho.mqtt.publish as publish
import pytest

from tests.daemon.conftest import Launch
from tests.daemon.helpers import account, eventually, last, mail, retained_now, wait_retained
from tests.engine.dispatch.helpers import Subscriber
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.mosquitto import MosquittoBroker

pytestmark = [pytest.mark.dovecot, pytest.mark.mosquitto]

CONFIG_TOPIC = "homeassistant/device/pop3_mail_mqtt_home/config"


async def test_discovery_states_messages_shutdown_and_restart(
    tmp_path: Path,
    dovecot: DovecotServer,
    mail_user: MailUser,
    mosquitto: MosquittoBroker,
    subscriber: Subscriber,
    launch: Launch,
) -> None:
    mail_user.deliver(mail("Old one"))
    mail_user.deliver(mail("Old two"))
    daemon = await launch([account("home", dovecot, mail_user)])

    # Discovery: one device, retained, with every component.
    await eventually(lambda: bool(subscriber.on(CONFIG_TOPIC)))
    discovery = json.loads(subscriber.on(CONFIG_TOPIC)[-1].payload)
    assert set(discovery["cmps"]) == {
        "unread",
        "messages",
        "latest_subject",
        "last_checked",
        "status",
        "new_mail",
    }
    assert discovery["o"]["name"] == "POP3 Mail"
    assert discovery["dev"]["identifiers"] == ["pop3_mail_mqtt_home"]
    unread = discovery["cmps"]["unread"]
    assert unread["unique_id"] == "pop3_mail_mqtt_home_unread"
    assert unread["default_entity_id"] == "sensor.pop3_mail_home_unread"
    assert unread["state_topic"] == "pop3_mail/home/unread"
    assert unread["expire_after"] == 3 * 3600 + 60
    assert discovery["cmps"]["new_mail"]["p"] == "event"
    assert "object_id" not in json.dumps(discovery)
    assert [a["topic"] for a in discovery["availability"]] == [
        "pop3_mail/status",
        "pop3_mail/home/status",
    ]
    assert await retained_now(mosquitto.port, CONFIG_TOPIC) == [
        subscriber.on(CONFIG_TOPIC)[-1].payload
    ]

    # The first poll records what is there (a baseline): nothing is announced.
    await daemon.polled("home")
    await eventually(lambda: last(subscriber, "pop3_mail/home/status") == b"ok")
    assert last(subscriber, "pop3_mail/home/messages") == b"2"
    assert last(subscriber, "pop3_mail/home/unread") == b"0"
    assert json.loads(last(subscriber, "pop3_mail/home/latest") or b"")["subject"] == "Old two"
    assert last(subscriber, "pop3_mail/status") == b"online"
    assert subscriber.on("pop3_mail/home/message") == []
    for topic in ("unread", "messages", "latest", "last_checked", "status"):
        assert await retained_now(mosquitto.port, f"pop3_mail/home/{topic}"), topic

    # New mail: states change, the message is published once, not retained.
    mail_user.deliver(mail("Parcel delivered", sender="DHL <noreply@dhl.de>"))
    answer = await daemon.check("home")
    assert answer["result"] == "started"
    await eventually(lambda: last(subscriber, "pop3_mail/home/messages") == b"3")
    assert last(subscriber, "pop3_mail/home/unread") == b"1"
    assert json.loads(last(subscriber, "pop3_mail/home/latest") or b"")["subject"] == (
        "Parcel delivered"
    )
    (published,) = subscriber.on("pop3_mail/home/message")
    assert not published.retain
    payload = published.json()
    assert payload["subject"] == "Parcel delivered"
    assert payload["from_address"] == "noreply@dhl.de"
    assert payload["account"] == "home"
    await daemon.check("home")  # nothing new: nothing published again
    assert len(subscriber.on("pop3_mail/home/message")) == 1
    status = await daemon.account("home")
    assert status["unread"] == 1
    assert status["messages"] == 3
    assert status["newest"][0]["subject"] == "Parcel delivered"
    assert status["outbox_size"] == 0

    # SIGTERM: clean exit within 10 s, availability goes offline (said, not by the will).
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(timeout=10) == 0  # the documented shutdown bound
    await eventually(lambda: last(subscriber, "pop3_mail/status") == b"offline")
    assert "Traceback" not in daemon.output()
    assert mail_user.password not in daemon.output()

    # Restart with the same state: old mail is not announced again; new mail is, once.
    restarted = await launch([account("home", dovecot, mail_user)], log="daemon2.log")
    await restarted.polled("home")
    await eventually(lambda: last(subscriber, "pop3_mail/status") == b"online")
    assert len(subscriber.on("pop3_mail/home/message")) == 1
    mail_user.deliver(mail("After restart"))
    await restarted.check("home")
    await eventually(lambda: len(subscriber.on("pop3_mail/home/message")) == 2)
    assert subscriber.on("pop3_mail/home/message")[-1].json()["subject"] == "After restart"

    # SIGKILL: nobody says goodbye; the broker publishes the last will (keepalive 5 s).
    subscriber.messages.clear()
    restarted.signal(signal.SIGKILL)
    restarted.wait(timeout=10)
    await eventually(lambda: last(subscriber, "pop3_mail/status") == b"offline", timeout=30)
    assert await retained_now(mosquitto.port, "pop3_mail/status") == [b"offline"]


async def test_removed_account_loses_its_entities(
    tmp_path: Path,
    dovecot: DovecotServer,
    mosquitto: MosquittoBroker,
    launch: Launch,
) -> None:
    home, work = dovecot.add_user(), dovecot.add_user()
    both = [account("home", dovecot, home), account("work", dovecot, work)]
    first = await launch(both, log="first.log")
    await first.polled("work")
    work_config = "homeassistant/device/pop3_mail_mqtt_work/config"
    (retained,) = await wait_retained(mosquitto.port, work_config, present=True)
    assert retained.startswith(b"{")
    await wait_retained(mosquitto.port, "pop3_mail/work/unread", present=True)
    first.signal(signal.SIGTERM)
    assert first.wait(timeout=15) == 0

    second = await launch(both[:1], log="second.log")
    await second.polled("home")

    await wait_retained(mosquitto.port, work_config, present=False)
    await wait_retained(mosquitto.port, "pop3_mail/work/unread", present=False)
    assert await retained_now(mosquitto.port, CONFIG_TOPIC)  # home stays
    registry = tmp_path / "state" / "mqtt_published.json"
    await eventually(lambda: set(json.loads(registry.read_text())["accounts"]) == {"home"})


async def test_home_assistant_birth_republishes_discovery(
    tmp_path: Path,
    dovecot: DovecotServer,
    mail_user: MailUser,
    mosquitto: MosquittoBroker,
    subscriber: Subscriber,
    launch: Launch,
) -> None:
    daemon = await launch([account("home", dovecot, mail_user)])
    await daemon.polled("home")
    await eventually(lambda: last(subscriber, "pop3_mail/home/status") == b"ok")
    before = len(subscriber.on(CONFIG_TOPIC))

    publish.single("homeassistant/status", "online", hostname="127.0.0.1", port=mosquitto.port)
    await eventually(lambda: len(subscriber.on(CONFIG_TOPIC)) > before, timeout=20)
    await eventually(lambda: len(subscriber.on("pop3_mail/home/unread")) >= 2, timeout=20)


async def test_stop_rule_and_publish_messages_switch(
    tmp_path: Path,
    dovecot: DovecotServer,
    mail_user: MailUser,
    mosquitto: MosquittoBroker,
    subscriber: Subscriber,
    launch: Launch,
) -> None:
    """A matching rule with ``stop: true`` keeps a message off the default topic."""
    rules = [
        {
            "name": "parcels",
            "match": {"from": "dhl.de"},
            "actions": [{"mqtt": {"topic": "home/parcels"}}, {"mark_read": True}],
            "stop": True,
        }
    ]
    probe = Subscriber(mosquitto.port, ["home/#"]).start()
    try:
        daemon = await launch([account("home", dovecot, mail_user)], rules=rules)
        await daemon.polled("home")
        mail_user.deliver(mail("Your parcel", sender="DHL <noreply@dhl.de>"))
        mail_user.deliver(mail("Lunch?"))
        await daemon.check("home")
        await eventually(lambda: len(subscriber.on("pop3_mail/home/message")) == 1)
        await eventually(lambda: len(probe.on("home/parcels")) == 1)
        assert probe.on("home/parcels")[0].json()["subject"] == "Your parcel"
        assert subscriber.on("pop3_mail/home/message")[0].json()["subject"] == "Lunch?"
        # mark_read: only "Lunch?" counts as unread.
        await eventually(lambda: last(subscriber, "pop3_mail/home/unread") == b"1")
    finally:
        probe.stop()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_signal_during_a_stuck_poll_exits_within_10_s(
    signum: signal.Signals,
    tmp_path: Path,
    dovecot: DovecotServer,
    mail_user: MailUser,
    mosquitto: MosquittoBroker,
    subscriber: Subscriber,
    launch: Launch,
) -> None:
    """A server that accepts and then says nothing: the poll hangs until the shutdown aborts it.

    Meanwhile the other account is polled as usual: accounts do not wait for each other.
    """
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # never greets

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    stuck = {
        "name": "stuck",
        "host": "127.0.0.1",
        "port": port,
        "security": "plain",
        "allow_insecure": True,
        "username": "someone",
        "password": "never-sent",
        "timeout": 120,
    }
    try:
        daemon = await launch([stuck, account("home", dovecot, mail_user)])
        await eventually(lambda: bool(held))
        await daemon.polled("home")
        mail_user.deliver(mail("While the other hangs"))
        home = await daemon.check("home")
        assert home["result"] == "started"
        assert (await daemon.account("home"))["messages"] == 1
        assert (await daemon.account("stuck"))["polling"] is True
        daemon.signal(signum)
        assert daemon.wait(timeout=10) == 0  # the documented bound, with the poll hanging
        await eventually(lambda: last(subscriber, "pop3_mail/status") == b"offline")
        assert "poll still running at shutdown" in daemon.output()
        assert f"Received {signum.name}" in daemon.output()
        assert "never-sent" not in daemon.output()
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
