"""The quick check on servers Dovecot cannot imitate: renumbering, no ``UIDL n``, odd STAT."""

from __future__ import annotations

from pathlib import Path

import pytest

from pop3_mail import maildrop
from pop3_mail.listing_cache import FULL_LISTING_INTERVAL
from tests.engine.pop3.helpers import StartFaultServer
from tests.support.fault_server import DEFAULT_CAPA, FaultServer, Script, reply

from .helpers import (
    Announcements,
    FakeClock,
    fault_mailbox,
    make_message,
    saved_state,
    tracking,
)

NO_PIPELINING_CAPA = tuple(name for name in DEFAULT_CAPA if name != "PIPELINING")


def since(server: FaultServer, start: int) -> list[str]:
    """Command lines received after the first ``start`` ones, logins and QUIT left out.

    (QUIT's answer is not awaited: the server may read it after the poll has returned.)
    """
    skipped = ("AUTH", "USER", "QUIT")
    return [line for line in server.received[start:] if not line.startswith(skipped)]


def sized(number: int, size: int) -> bytes:
    """``make_message(number)`` padded to exactly ``size`` octets."""
    message = make_message(number, body=b"")
    return message + b"x" * (size - len(message) - 2) + b"\r\n"


async def test_server_without_single_listing_forms_is_listed_in_full(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    script = Script(messages=[make_message(1)], single_listing=False)
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    await mailbox.poll()
    start = len(server.received)

    refused = await mailbox.poll()
    assert since(server, start) == ["CAPA", "STAT", "UIDL 1", "LIST 1", "UIDL", "LIST"]
    assert saved_state(state_path)["quick_listing"] is False
    start = len(server.received)
    script.messages.append(make_message(2))
    announced = Announcements()
    await mailbox.poll(on_new=announced)

    assert since(server, start)[:4] == ["CAPA", "STAT", "UIDL", "LIST"]  # not asked again
    assert refused.message_count == 1
    assert announced.subjects == ["message 2"]


async def test_same_count_and_octets_with_another_last_message(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    first, second = sized(1, 300), sized(2, 300)
    script = Script(messages=[first, second], uidls=["a", "b"])
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    await mailbox.poll()
    # Another client deleted "a"; "c" arrived with the same size: count and octets stay.
    script.messages, script.uidls = [second, sized(3, 300)], ["b", "c"]
    announced = Announcements()

    result = await mailbox.poll(on_new=announced)

    assert announced.subjects == ["message 3"]
    assert result.message_count == 2
    assert saved_state(state_path)["missing_since"].keys() == {"a"}


async def test_renumbered_maildrop_with_the_same_mail_announces_nothing(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    messages = [make_message(n) for n in range(1, 4)]
    script = Script(messages=list(messages), uidls=["a", "b", "c"])
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    await mailbox.poll()
    announced = Announcements()

    # The same set in another order; the last one stays: the quick check stands.
    script.messages, script.uidls = [messages[1], messages[0], messages[2]], ["b", "a", "c"]
    start = len(server.received)
    same_last = await mailbox.poll(on_new=announced)
    assert "UIDL" not in since(server, start)
    # Another last message: listed in full, still nothing new.
    script.messages, script.uidls = [messages[2], messages[0], messages[1]], ["c", "a", "b"]
    start = len(server.received)
    other_last = await mailbox.poll(on_new=announced)

    assert "UIDL" in since(server, start)
    assert announced.results == []
    assert same_last.message_count == other_last.message_count == 3
    assert other_last.latest is not None
    assert other_last.latest.uid == "b"


async def test_what_fools_the_quick_check_is_found_by_the_hourly_listing(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    # A server that sorts new mail in before the last message while another client deletes a
    # message of the same size: count, octets and the last UID all stay (see quick_listing).
    a, b, c = sized(1, 300), sized(2, 400), sized(3, 300)
    script = Script(messages=[a, b], uidls=["a", "b"])
    server = await start_fault_server(script)
    clock = FakeClock()
    mailbox = fault_mailbox(server, state_path, clock=clock)
    await mailbox.poll()
    script.messages, script.uidls = [c, b], ["c", "b"]
    announced = Announcements()

    await mailbox.poll(on_new=announced)
    assert announced.results == []  # fooled, as documented
    clock.now += FULL_LISTING_INTERVAL
    await mailbox.poll(on_new=announced)

    assert announced.subjects == ["message 3"]


async def test_stat_octets_other_than_the_listed_sizes(
    start_fault_server: StartFaultServer, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maildrop, "UNPIPELINED_QUICK_MIN", 1)
    # Some servers count octets in STAT otherwise than in LIST (LF line ends on disk, say).
    script = Script(
        messages=[make_message(1)],
        capa=NO_PIPELINING_CAPA,
        handlers={"STAT": reply(b"+OK 1 4242\r\n")},
    )
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    await mailbox.poll()  # without PIPELINING no STAT: the sizes add up to the octets
    start = len(server.received)
    mismatch = await mailbox.poll()
    assert since(server, start) == ["CAPA", "STAT", "UIDL", "LIST"]
    start = len(server.received)

    quick = await mailbox.poll()

    assert since(server, start) == ["CAPA", "STAT", "UIDL 1", "LIST 1"]
    assert mismatch.total_size == len(make_message(1))
    assert quick.total_size == 4242  # the quick poll reports what STAT says


async def test_without_pipelining_a_changed_count_stops_after_stat(
    start_fault_server: StartFaultServer, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maildrop, "UNPIPELINED_QUICK_MIN", 1)
    script = Script(messages=[make_message(1)], capa=NO_PIPELINING_CAPA)
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    await mailbox.poll()
    await mailbox.poll()  # records STAT
    script.messages.append(make_message(2))
    start = len(server.received)
    announced = Announcements()

    await mailbox.poll(on_new=announced)

    assert since(server, start) == ["CAPA", "STAT", "UIDL", "LIST", "TOP 2 50"]
    assert announced.subjects == ["message 2"]


async def test_without_pipelining_a_short_maildrop_is_listed_in_full(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    # Each command its own round trip: STAT, UIDL n and LIST n cost more than a short listing.
    script = Script(messages=[make_message(1)], capa=NO_PIPELINING_CAPA)
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    await mailbox.poll()
    start = len(server.received)

    await mailbox.poll()

    assert since(server, start) == ["CAPA", "UIDL", "LIST"]


async def test_uidl_storm_on_a_scripted_server(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    messages = [make_message(n) for n in range(1, 11)]
    script = Script(messages=messages)
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path, tracking(storm_min_messages=10))
    await mailbox.poll()
    script.uidls = [f"new-{n}" for n in range(1, 11)]

    storm = await mailbox.poll()

    assert storm.storm
    assert storm.new_messages == ()


async def test_deletion_by_another_client_on_a_scripted_server(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    messages = [make_message(n) for n in range(1, 4)]
    script = Script(messages=messages, uidls=["a", "b", "c"])
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    await mailbox.poll()
    # "b" deleted: "c" is message 2 now.
    script.messages, script.uidls = [messages[0], messages[2]], ["a", "c"]
    start = len(server.received)

    result = await mailbox.poll()

    assert since(server, start) == ["CAPA", "STAT", "UIDL 3", "LIST 3", "UIDL", "LIST"]
    assert result.message_count == 2
    assert saved_state(state_path)["missing_since"].keys() == {"b"}
