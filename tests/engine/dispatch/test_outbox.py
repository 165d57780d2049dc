"""Outbox bookkeeping: backoff, bounds, de-duplication memory, damaged documents."""

from __future__ import annotations

from typing import Any

import pytest

from pop3_mail.dispatch.outbox import Outbox, OutboxEntry


def entry(n: int, target: str = "mqtt:r#0", due: float = 0.0) -> OutboxEntry:
    return OutboxEntry(
        target=target,
        kind="mqtt",
        rule="r",
        summary_id=f"id{n}",
        uid=f"uid{n}",
        label="MQTT t",
        created=float(n),
        next_attempt=due,
        data={"topic": "t", "payload": "{}", "qos": 1, "retain": False},
    )


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
    good = entry(1).to_json()
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
