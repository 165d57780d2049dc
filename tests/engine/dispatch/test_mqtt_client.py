"""The daemon's paho client against a real Mosquitto: delivery, availability, reconnects."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from pop3_mail.dispatch.publisher import DeliveryError, MqttPublisher
from pop3_mail_daemon.mqtt.client import AsyncMqttClient, ReceivedMessage
from tests.support.binaries import require_binary
from tests.support.certs import make_certificates
from tests.support.mosquitto import MosquittoBroker
from tests.support.ports import free_port, wait_for_port

from .helpers import Subscriber, eventually

STATUS = "pop3_mail/status"


def _client(port: int, **options: object) -> AsyncMqttClient:
    return AsyncMqttClient(
        "127.0.0.1",
        port,
        client_id=f"pop3mail-test-{free_port()}",
        will_topic=STATUS,
        reconnect_delay=(1, 1),
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def subscriber(mosquitto: MosquittoBroker) -> Iterator[Subscriber]:
    sub = Subscriber(mosquitto.port, ["pop3_mail/#", "test/#"]).start()
    yield sub
    sub.stop()


@pytest.fixture
async def client(mosquitto: MosquittoBroker) -> AsyncIterator[AsyncMqttClient]:
    mqtt = _client(mosquitto.port, publish_timeout=3.0)
    await mqtt.start()
    async with asyncio.timeout(15):
        await mqtt.wait_connected()
    yield mqtt
    await mqtt.stop()


async def test_publish_returns_after_the_broker_has_it(
    client: AsyncMqttClient, subscriber: Subscriber
) -> None:
    publisher: MqttPublisher = client  # the dispatcher's protocol
    await publisher.publish("test/a", '{"x": 1}', qos=1, retain=False)
    await client.publish("test/b", "zero", qos=0, retain=False)
    await client.publish("test/c", "two", qos=2, retain=True)
    await eventually(lambda: len(subscriber.on("test/c")) == 1)
    (first,) = subscriber.on("test/a")
    assert first.json() == {"x": 1}
    assert first.qos == 1
    assert not first.retain
    assert [m.payload for m in subscriber.on("test/b")] == [b"zero"]
    assert subscriber.on("test/c")[0].qos == 1  # the subscription's QoS caps it


async def test_online_is_retained_and_stop_says_offline(
    mosquitto: MosquittoBroker, client: AsyncMqttClient
) -> None:
    late = Subscriber(mosquitto.port, [STATUS]).start()
    try:
        await eventually(lambda: [m.payload for m in late.on(STATUS)] == [b"online"])
        assert late.on(STATUS)[0].retain
    finally:
        late.stop()
    await client.stop()
    assert not client.connected
    after = Subscriber(mosquitto.port, [STATUS]).start()
    try:
        await eventually(lambda: [m.payload for m in after.on(STATUS)] == [b"offline"])
        assert after.on(STATUS)[0].retain
    finally:
        after.stop()


async def test_broken_connection_publishes_the_will_then_online_again(
    client: AsyncMqttClient, subscriber: Subscriber
) -> None:
    await eventually(lambda: [m.payload for m in subscriber.on(STATUS)] == [b"online"])
    paho_socket = client._client.socket()  # type: ignore[union-attr]
    assert isinstance(paho_socket, socket.socket)
    paho_socket.shutdown(socket.SHUT_RDWR)  # the broker sees a dead client, not a DISCONNECT
    await eventually(
        lambda: [m.payload for m in subscriber.on(STATUS)] == [b"online", b"offline", b"online"]
    )
    await eventually(lambda: client.connected)
    await client.publish("test/after", "x", qos=1, retain=False)


async def test_not_connected_raises_at_once_and_reconnects_with_subscriptions_and_hooks(
    mosquitto: MosquittoBroker, client: AsyncMqttClient, subscriber: Subscriber
) -> None:
    received: list[ReceivedMessage] = []
    client.subscribe("test/in/#", received.append)
    connects = 0

    async def hook() -> None:
        nonlocal connects
        connects += 1

    client.add_connect_hook(hook)
    await asyncio.sleep(0.2)  # let the SUBSCRIBE reach the broker
    await asyncio.to_thread(_publish_once, mosquitto.port, "test/in/1", b"first")
    await eventually(lambda: len(received) == 1)

    subscribed = subscriber.subscriptions
    await asyncio.to_thread(mosquitto.stop)
    await eventually(lambda: not client.connected)
    with pytest.raises(DeliveryError, match="not connected"):
        await client.publish("test/x", "lost?", qos=1, retain=False)
    assert client.last_error is not None

    await asyncio.to_thread(mosquitto.start)
    async with asyncio.timeout(20):
        await client.wait_connected()
    await eventually(lambda: connects == 1)
    await subscriber.resubscribed(subscribed)
    await asyncio.sleep(0.2)
    await asyncio.to_thread(_publish_once, mosquitto.port, "test/in/2", b"second")
    await eventually(lambda: len(received) == 2)
    assert [(m.topic, m.payload) for m in received] == [
        ("test/in/1", b"first"),
        ("test/in/2", b"second"),
    ]
    await client.publish("test/x", "after", qos=1, retain=False)
    await eventually(lambda: len(subscriber.on("test/x")) == 1)
    assert subscriber.on("test/x")[0].payload == b"after"


@pytest.mark.parametrize("qos", [1, 2])
async def test_unacknowledged_message_is_withdrawn_not_sent_again_later(
    mosquitto: MosquittoBroker, subscriber: Subscriber, qos: int
) -> None:
    mqtt = _client(mosquitto.port, publish_timeout=0.5)
    await mqtt.start()
    try:
        async with asyncio.timeout(15):
            await mqtt.wait_connected()
        process = mosquitto._process
        assert process is not None
        process.send_signal(signal.SIGSTOP)  # the broker stops answering, the socket stays up
        try:
            with pytest.raises(DeliveryError, match="did not acknowledge"):
                await mqtt.publish("test/withdrawn", "must not arrive later", qos=qos, retain=False)
        finally:
            process.kill()  # whatever sat unread in its socket dies with it
            await asyncio.to_thread(process.wait)
        subscribed = subscriber.subscriptions
        await asyncio.to_thread(mosquitto.stop)
        await asyncio.to_thread(mosquitto.start)
        async with asyncio.timeout(20):
            await mqtt.wait_connected()
        await subscriber.resubscribed(subscribed)
        await mqtt.publish("test/marker", "m", qos=1, retain=False)
        await eventually(lambda: len(subscriber.on("test/marker")) == 1)
        await asyncio.sleep(0.3)
        assert subscriber.on("test/withdrawn") == []
    finally:
        await mqtt.stop()


async def test_repr_and_errors_never_show_the_password(mosquitto: MosquittoBroker) -> None:
    mqtt = _client(mosquitto.port, username="u", password="hunter2-secret")
    assert "hunter2" not in repr(mqtt)
    with pytest.raises(DeliveryError) as caught:
        await mqtt.publish("test/x", "y")
    assert "hunter2" not in str(caught.value)


@pytest.fixture
def secure_broker(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """Mosquitto with TLS only and a password file; yields (port, CA file)."""
    binary = require_binary("mosquitto", "mosquitto")
    passwd_tool = require_binary("mosquitto_passwd", "mosquitto")
    workdir = Path(tempfile.mkdtemp(prefix="pop3mail-mqtts-"))
    certs = make_certificates(workdir / "certs", prefix="mqtt", names=["127.0.0.1"])
    passwords = workdir / "passwords"
    passwords.touch()
    subprocess.run([passwd_tool, "-b", str(passwords), "daemon", "s3cret-pw"], check=True)
    # Started as root, Mosquitto drops to its own user: it must be able to read everything.
    for path in [workdir, *workdir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    port = free_port()
    config = workdir / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\n"
        f"cafile {certs.cafile}\ncertfile {certs.certfile}\nkeyfile {certs.keyfile}\n"
        f"allow_anonymous false\npassword_file {passwords}\n"
        f"log_dest file {workdir}/mosquitto.log\n"
    )
    stderr = (workdir / "stderr").open("wb")
    process = subprocess.Popen(
        [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=stderr
    )
    try:
        try:
            wait_for_port(port)
        except TimeoutError:
            raise AssertionError((workdir / "stderr").read_text(errors="replace")) from None
        yield port, certs.cafile
    finally:
        process.terminate()
        process.wait(10)
        stderr.close()
        shutil.rmtree(workdir, ignore_errors=True)


async def test_tls_and_password(secure_broker: tuple[int, Path]) -> None:
    port, cafile = secure_broker
    good = _client(port, username="daemon", password="s3cret-pw", tls=True, cafile=str(cafile))
    await good.start()
    try:
        async with asyncio.timeout(15):
            await good.wait_connected()
        await good.publish("test/tls", "ok", qos=1, retain=False)
    finally:
        await good.stop()


async def test_wrong_password_is_reported_without_the_password(
    secure_broker: tuple[int, Path], caplog: pytest.LogCaptureFixture
) -> None:
    port, cafile = secure_broker
    bad = _client(port, username="daemon", password="wrong-pw-123", tls=True, cafile=str(cafile))
    await bad.start()
    try:
        await eventually(lambda: bad.last_error is not None)
        assert not bad.connected
        assert "refused" in (bad.last_error or "")
    finally:
        await bad.stop()
    assert "wrong-pw-123" not in caplog.text


async def test_unknown_ca_never_connects(secure_broker: tuple[int, Path]) -> None:
    port, _cafile = secure_broker
    other = make_certificates(Path(tempfile.mkdtemp()), prefix="other", names=["127.0.0.1"])
    mqtt = _client(
        port, username="daemon", password="s3cret-pw", tls=True, cafile=str(other.cafile)
    )
    await mqtt.start()
    try:
        await eventually(lambda: mqtt.last_error is not None)
        assert not mqtt.connected
    finally:
        await mqtt.stop()
        shutil.rmtree(other.cafile.parent, ignore_errors=True)


def _publish_once(port: int, topic: str, payload: bytes) -> None:
    from paho.mqtt import publish  # noqa: PLC0415

    publish.single(topic, payload, qos=1, hostname="127.0.0.1", port=port)
