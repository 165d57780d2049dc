"""Outbox bookkeeping: backoff, bounds, de-duplication memory, damaged and version 1 documents."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pop3_mail.dispatch import notify
from pop3_mail.dispatch.deliveries import MqttDelivery, NotifyDelivery, OutboxEntry
from pop3_mail.dispatch.outbox import Outbox, StoredEntry
from pop3_mail.dispatch.rules import BodyFormat

from .conftest import DispatcherFactory
from .helpers import HttpEndpoint, RecordingMailbox


def entry(n: int, target: str = "mqtt:r#0", due: float = 0.0) -> OutboxEntry:
    return OutboxEntry(
        target=target,
        rule="r",
        summary_id=f"id{n}",
        uid=f"uid{n}",
        label="MQTT t",
        created=float(n),
        next_attempt=due,
        delivery=MqttDelivery(topic="t", payload="{}", qos=1, retain=False),
    )


def stored(outbox_entry: OutboxEntry) -> StoredEntry:
    outbox = Outbox()
    outbox.add(outbox_entry)
    return outbox.to_json()["entries"][0]


def test_bounded_oldest_dropped_and_counted() -> None:
    outbox = Outbox(max_entries=2)
    assert outbox.add(entry(1)) == []
    assert outbox.add(entry(2)) == []
    dropped = outbox.add(entry(3))
    assert [e.uid for e in dropped] == ["uid1"]
    assert [e.uid for e in outbox.entries.values()] == ["uid2", "uid3"]
    assert outbox.dropped == 1


def test_due_and_next_attempt() -> None:
    outbox = Outbox()
    assert outbox.next_attempt() is None
    outbox.add(entry(1, due=50))
    outbox.add(entry(2, due=10))
    assert [e.uid for e in outbox.due(20)] == ["uid2"]
    assert outbox.next_attempt() == 10


def test_delivered_memory_is_bounded_by_count_and_age() -> None:
    outbox = Outbox(max_delivered=3, delivered_ttl=100)
    for n in range(5):
        outbox.mark_delivered(f"k{n}", now=float(n))
    assert list(outbox.delivered) == ["k2", "k3", "k4"]
    outbox.mark_delivered("k5", now=103.5)
    assert list(outbox.delivered) == ["k4", "k5"]
    assert outbox.is_delivered("k5")
    assert not outbox.is_delivered("k1")


def test_deletions_wait_for_every_delivery() -> None:
    outbox = Outbox()
    outbox.wait_for("id1", "uid1", ["a", "b"])
    outbox.settle("a")
    assert outbox.ready_deletions() == {}
    outbox.replace_waiting("b", ["b1", "b2"])
    outbox.settle("b1")
    outbox.settle("b2")
    assert outbox.ready_deletions() == {"id1": "uid1"}


def test_abandoned_delivery_cancels_the_deletion() -> None:
    outbox = Outbox()
    outbox.wait_for("id1", "uid1", ["a"])
    assert outbox.abandon("a") == ["uid1"]
    assert outbox.deletions == {}


def test_round_trip() -> None:
    outbox = Outbox()
    outbox.add(entry(1))
    outbox.mark_delivered("x", 5.0)
    outbox.wait_for("id1", "uid1", ["a"])
    outbox.dropped = 4
    again = Outbox()
    again.load(outbox.to_json())
    assert again.to_json() == outbox.to_json()


@pytest.mark.parametrize(
    "document",
    [
        {"version": 99, "entries": []},
        ["not", "a", "dict"],
    ],
)
def test_unknown_documents_start_empty(document: Any, caplog: pytest.LogCaptureFixture) -> None:
    outbox = Outbox()
    outbox.add(entry(1))
    outbox.load(document)
    assert len(outbox) == 0
    assert "unknown format" in caplog.text


def test_damaged_records_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    good = stored(entry(1))
    outbox = Outbox()
    outbox.load(
        {
            "version": 1,
            "entries": [good, {"target": "x"}, "junk"],
            "delivered": [["k", 1.0], ["bad"]],
            "deletions": {"id": {"uid": "u", "waiting": ["a"]}, "id2": "junk"},
            "dropped": "many",
        }
    )
    assert list(outbox.entries) == ["id1|mqtt:r#0"]
    assert list(outbox.delivered) == ["k"]
    assert list(outbox.deletions) == ["id"]
    assert outbox.dropped == 0
    assert "skipped 5 damaged" in caplog.text


def test_damaged_deliveries_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    good = stored(entry(1))
    notify = {"channel": "r#1", "fingerprint": "f", "title": "t", "body": "b", "format": "text"}
    damaged = [
        {**good, "kind": "carrier-pigeon"},
        {**good, "data": {"topic": "t", "payload": "{}", "retain": False}},
        {**good, "kind": "notify", "data": {**notify, "format": "morse"}},
        {
            **good,
            "kind": "notify",
            "data": {key: notify[key] for key in notify if key != "channel"},
        },
    ]
    outbox = Outbox()
    outbox.load({"version": 1, "entries": [*damaged, good]})
    assert list(outbox.entries) == ["id1|mqtt:r#0"]
    assert "skipped 4 damaged" in caplog.text


PAYLOAD = '{"schema_version": 1, "id": "6a49c268", "account": "home", "uid": "uid-1"}'
V1_DOCUMENT: dict[str, Any] = {
    # As the dispatcher wrote it before its payloads were typed records (a broker that was not
    # configured, a service that failed and an apprise config file that could not be read).
    "version": 1,
    "entries": [
        {
            "target": "mqtt:parcels#0",
            "kind": "mqtt",
            "rule": "parcels",
            "summary_id": "6a49c268",
            "uid": "uid-1",
            "label": "MQTT home/parcels",
            "created": 1000.0,
            "next_attempt": 1030.0,
            "attempts": 1,
            "last_error": "no MQTT connection is configured",
            "data": {
                "topic": "home/parcels",
                "payload": PAYLOAD,
                "qos": 1,
                "retain": False,
                "attachments": 0,
            },
        },
        {
            "target": "notify:parcels#1:70a3b7968ce6196e",
            "kind": "notify",
            "rule": "parcels",
            "summary_id": "6a49c268",
            "uid": "uid-1",
            "label": "json://127.0.0.1:9/hook",
            "created": 1000.0,
            "next_attempt": 1030.0,
            "attempts": 1,
            "last_error": "the service reported a failure",
            "data": {
                "channel": "parcels#1",
                "fingerprint": "70a3b7968ce6196e",
                "title": "Parcel: Hello",
                "body": "Hello\n\nHi there",
                "format": "markdown",
                "attachments": 2,
            },
        },
        {
            "target": "notify:parcels#1:*",
            "kind": "notify",
            "rule": "parcels",
            "summary_id": "6a49c268",
            "uid": "uid-1",
            "label": "apprise services of rule 'parcels'",
            "created": 1000.0,
            "next_attempt": 1030.0,
            "attempts": 1,
            "last_error": "apprise config file /nonexistent/apprise.yml cannot be read",
            "data": {
                "channel": "parcels#1",
                "fingerprint": None,
                "title": "Parcel: Hello",
                "body": "Hello\n\nHi there",
                "format": "markdown",
                "attachments": 0,
            },
        },
    ],
    "delivered": [["5f1d0e2a|mqtt:parcels#0", 900.0]],
    "deletions": {
        "6a49c268": {
            "uid": "uid-1",
            "waiting": [
                "6a49c268|mqtt:parcels#0",
                "6a49c268|notify:parcels#1:*",
                "6a49c268|notify:parcels#1:70a3b7968ce6196e",
            ],
        }
    },
    "dropped": 3,
}


def test_a_version_1_document_loads_as_typed_records() -> None:
    outbox = Outbox()
    outbox.load(copy.deepcopy(V1_DOCUMENT))

    mqtt, service, placeholder = outbox.entries.values()
    assert (mqtt.kind, mqtt.key, mqtt.attempts) == ("mqtt", "6a49c268|mqtt:parcels#0", 1)
    assert mqtt.delivery == MqttDelivery(topic="home/parcels", payload=PAYLOAD, qos=1, retain=False)
    assert service.kind == "notify"
    assert service.last_error == "the service reported a failure"
    assert service.delivery == NotifyDelivery(
        channel="parcels#1",
        fingerprint="70a3b7968ce6196e",
        title="Parcel: Hello",
        body="Hello\n\nHi there",
        body_format=BodyFormat.MARKDOWN,
        attachments=2,
    )
    assert placeholder.target == "notify:parcels#1:*"
    assert isinstance(placeholder.delivery, NotifyDelivery)
    assert placeholder.delivery.fingerprint is None
    assert outbox.is_delivered("5f1d0e2a|mqtt:parcels#0")
    assert outbox.deletions["6a49c268"].waiting == set(
        V1_DOCUMENT["deletions"]["6a49c268"]["waiting"]
    )
    assert outbox.dropped == 3


def test_a_version_1_document_is_written_back_as_version_1() -> None:
    outbox = Outbox()
    outbox.load(copy.deepcopy(V1_DOCUMENT))
    written = json.loads(json.dumps(outbox.to_json()))

    expected = copy.deepcopy(V1_DOCUMENT)
    # MQTT entries carried a count of attachments, always 0, which nothing ever read.
    del expected["entries"][0]["data"]["attachments"]
    assert written == expected


@dataclass
class RecordingPublisher:
    published: list[tuple[str, str, int, bool]] = field(default_factory=list)

    async def publish(self, topic: str, payload: str, *, qos: int, retain: bool) -> None:
        self.published.append((topic, payload, qos, retain))


async def test_a_version_1_outbox_is_delivered_after_the_upgrade(
    endpoint: HttpEndpoint,
    make_dispatcher: DispatcherFactory,
    mailbox: RecordingMailbox,
    outbox_path: Path,
    tmp_path: Path,
) -> None:
    hook = endpoint.url("json", "/hook")
    config = tmp_path / "apprise.txt"
    config.write_text(endpoint.url("form", "/file") + "\n")  # readable again
    document = copy.deepcopy(V1_DOCUMENT)
    service = document["entries"][1]
    service["target"] = f"notify:parcels#1:{notify.fingerprint(hook)}"
    service["label"] = hook
    service["data"].update(fingerprint=notify.fingerprint(hook), attachments=0)
    document["deletions"]["6a49c268"]["waiting"][2] = f"6a49c268|{service['target']}"
    outbox_path.write_text(json.dumps(document))
    publisher = RecordingPublisher()
    rules = {
        "name": "parcels",
        "actions": [
            {"mqtt": {"topic": "home/parcels"}},
            {"notify": {"urls": [hook], "config": str(config), "format": "markdown"}},
            {"delete_from_server": True},
        ],
    }
    dispatcher = make_dispatcher([rules], publisher=publisher)
    await dispatcher.start()
    assert dispatcher.status.outbox_size == 3

    assert await dispatcher.retry_due(everything=True) == 3
    assert publisher.published == [("home/parcels", PAYLOAD, 1, False)]
    assert [r.json["message"] for r in endpoint.on("/hook")] == ["Hello\n\nHi there"]
    assert [r.form["title"] for r in endpoint.on("/file")] == ["Parcel: Hello"]
    assert mailbox.deletions == ["uid-1"]
    assert dispatcher.status.outbox_size == 0
