"""LOGIN-DELAY, no UIDL or TOP, cached latest summaries, serialised polls, UIDL storms."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pop3_mail.errors import CommandError, LoginDelayError
from pop3_mail.identity import message_identity
from pop3_mail.mailbox import IDENTITY_BATCH
from pop3_mail.pop3 import Pop3Client
from tests.engine.pop3.helpers import StartFaultServer, wait_until
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.fault_server import DEFAULT_CAPA, FaultServer, FaultSession, Script, reply

from .helpers import (
    Announcements,
    FakeClock,
    after_baseline,
    dovecot_mailbox,
    fault_mailbox,
    make_message,
    tracking,
)

NO_UIDL_CAPA = tuple(name for name in DEFAULT_CAPA if name != "UIDL")
NO_TOP_CAPA = tuple(name for name in DEFAULT_CAPA if name != "TOP")
UNKNOWN_COMMAND = reply(b"-ERR unknown command\r\n")


def commands(server: FaultServer, name: str) -> list[str]:
    return [line for line in server.received if line.split(" ", 1)[0].upper() == name]


async def test_login_delay_is_respected_without_connecting(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    script = Script(messages=[make_message(1)], capa=(*DEFAULT_CAPA, "LOGIN-DELAY 900"))
    server = await start_fault_server(script)
    clock = FakeClock()
    mailbox = fault_mailbox(server, state_path, clock=clock)
    assert (mailbox.login_delay, server.connections) == (None, 0)

    await mailbox.poll()
    assert mailbox.login_delay == 900
    assert server.connections == 1
    script.messages.append(make_message(2))

    with pytest.raises(LoginDelayError) as refused:
        await mailbox.poll()
    assert refused.value.retry_after == 900
    assert refused.value.response_code == "LOGIN-DELAY"
    clock.now += 899.5
    with pytest.raises(LoginDelayError) as still_refused:
        await mailbox.poll()
    assert still_refused.value.retry_after == pytest.approx(0.5)
    assert "1 s" in str(still_refused.value)
    assert server.connections == 1  # refused locally

    clock.now += 0.5
    announced = Announcements()
    await mailbox.poll(on_new=announced)
    assert server.connections == 2
    assert announced.subjects == ["message 2"]


async def test_login_delay_announced_after_login_counts(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    script = Script(messages=[make_message(1)], capa_after_login=(*DEFAULT_CAPA, "LOGIN-DELAY 60"))
    server = await start_fault_server(script)
    clock = FakeClock()
    mailbox = fault_mailbox(server, state_path, clock=clock)

    result = await mailbox.poll()

    assert mailbox.login_delay == 60
    assert result.capabilities.login_delay == 60
    clock.now += 30
    with pytest.raises(LoginDelayError):
        await mailbox.poll()
    clock.now += 30
    await mailbox.poll()
    assert server.connections == 2


async def test_without_login_delay_polls_are_not_held_back(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    server = await start_fault_server(Script(messages=[make_message(1)]))
    mailbox = fault_mailbox(server, state_path, clock=FakeClock())
    await mailbox.poll()
    await mailbox.poll()
    assert mailbox.login_delay is None
    assert server.connections == 2


async def test_without_uidl_identities_come_from_the_headers(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    no_message_id = b"From: a@example.org\r\nSubject: no id\r\n\r\nplain body\r\n"
    script = Script(
        messages=[make_message(1)], capa=NO_UIDL_CAPA, handlers={"UIDL": UNKNOWN_COMMAND}
    )
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    announced = Announcements()
    baseline = await mailbox.poll(on_new=announced)
    assert baseline.latest is not None
    assert baseline.latest.uid == message_identity(make_message(1), len(make_message(1)))
    assert baseline.latest.uid.startswith("mid-")

    script.messages += [make_message(2), no_message_id]
    result = await mailbox.poll(on_new=announced)
    assert [(s.subject, s.uid) for s in result.new_messages] == [
        ("message 2", message_identity(make_message(2), len(make_message(2)))),
        ("no id", message_identity(no_message_id, len(no_message_id))),
    ]
    assert result.new_messages[1].uid.startswith("hdr-")

    # Numbers shift when another client removes the first message; identities do not.
    del script.messages[0]
    shifted = await mailbox.poll(on_new=announced)
    assert shifted.new_messages == ()
    assert shifted.message_count == 2
    assert shifted.unread == 2
    assert announced.subjects == ["message 2", "no id"]
    assert await mailbox.acknowledge(result.new_messages[1].uid) == 1


async def test_without_uidl_two_copies_of_a_message_are_announced_once(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    script = Script(messages=[], capa=NO_UIDL_CAPA, handlers={"UIDL": UNKNOWN_COMMAND})
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    await mailbox.poll()
    script.messages += [make_message(1), make_message(1)]
    announced = Announcements()

    result = await mailbox.poll(on_new=announced)

    assert announced.subjects == ["message 1"]
    assert result.message_count == 2


async def test_server_that_refuses_top_still_polls(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    script = Script(
        messages=[make_message(1), make_message(2)],
        capa=NO_TOP_CAPA,
        handlers={"TOP": UNKNOWN_COMMAND},
    )
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    announced = Announcements()

    baseline = await mailbox.poll(on_new=announced)
    assert baseline.latest is not None
    assert baseline.latest.uid == "uid-2"
    assert baseline.latest.subject == ""  # nothing to read it from

    script.messages.append(make_message(3))
    result = await mailbox.poll(on_new=announced)
    (summary,) = result.new_messages
    assert (summary.uid, summary.number, summary.size) == ("uid-3", 3, len(make_message(3)))
    # Asked for whole, the message is read with RETR even without TOP.
    script.messages.append(make_message(4))
    full = await mailbox.poll(wants_full=lambda summary: True)
    assert full.new_messages[0].subject == "message 4"
    assert full.new_messages[0].complete


async def test_without_uidl_and_top_positions_and_sizes_identify(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    script = Script(
        messages=[make_message(1)],
        capa=("USER",),
        handlers={"UIDL": UNKNOWN_COMMAND, "TOP": UNKNOWN_COMMAND},
    )
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    await mailbox.poll()
    script.messages.append(make_message(2))
    announced = Announcements()

    result = await mailbox.poll(on_new=announced)
    assert [s.uid for s in result.new_messages] == [f"size-2-{len(make_message(2))}"]
    assert (await mailbox.poll(on_new=announced)).new_messages == ()
    assert len(announced.results) == 1


async def test_latest_summary_is_reused_while_unchanged(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    script = Script(messages=[make_message(n) for n in (1, 2, 3)], uidls=["u1", "u2", "u3"])
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)

    first = await mailbox.poll()
    assert commands(server, "TOP") == ["TOP 3 50"]
    second = await mailbox.poll()
    assert commands(server, "TOP") == ["TOP 3 50"]  # nothing fetched: nothing changed
    assert second.latest == first.latest

    # After a restart the latest summary comes from the state file.
    restarted = fault_mailbox(server, state_path)
    third = await restarted.poll()
    assert commands(server, "TOP") == ["TOP 3 50"]
    assert third.latest == first.latest

    # Another client removed the first message: same latest, new number, still no TOP.
    del script.messages[0]
    script.uidls = ["u2", "u3"]
    shifted = await restarted.poll()
    assert commands(server, "TOP") == ["TOP 3 50"]
    assert shifted.latest is not None
    assert (shifted.latest.uid, shifted.latest.number) == ("u3", 2)
    assert shifted.latest.subject == "message 3"

    # New mail is summarised once and is the latest.
    script.messages.append(make_message(4))
    script.uidls = ["u2", "u3", "u4"]
    fresh = await restarted.poll()
    assert commands(server, "TOP") == ["TOP 3 50", "TOP 3 50"]
    assert fresh.latest == fresh.new_messages[0]
    assert fresh.latest.subject == "message 4"

    # The latest one removed: the one before becomes the latest and is fetched.
    del script.messages[-1]
    script.uidls = ["u2", "u3"]
    older = await restarted.poll()
    assert commands(server, "TOP")[-1] == "TOP 2 50"
    assert older.latest is not None
    assert older.latest.subject == "message 3"


async def test_damaged_cached_latest_summary_is_fetched_again(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    server = await start_fault_server(Script(messages=[make_message(1), make_message(2)]))
    state_path.parent.mkdir(parents=True)
    state_path.write_text(
        json.dumps(
            {
                "version": 1,
                "baseline_done": True,
                "acknowledged": ["uid-1", "uid-2"],
                "unacknowledged": [],
                "missing_since": {},
                "pending_deletion": [],
                "latest": {"uid": "uid-2", "subject": "from an older release"},
            }
        )
    )
    mailbox = fault_mailbox(server, state_path)

    result = await mailbox.poll()

    assert result.latest is not None
    assert result.latest.subject == "message 2"
    assert commands(server, "TOP") == ["TOP 2 50"]


async def test_uidl_storm_rebaselines_silently(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    messages = [make_message(n) for n in range(1, 11)]
    mail_user.deliver_many(messages)
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path, tracking(storm_min_messages=10))
    announced = Announcements()
    await mailbox.poll(on_new=announced)

    # Every message re-imported: same mail, all new UIDs (as after a server migration).
    mail_user.clear()
    mail_user.deliver_many(messages)
    storm = await mailbox.poll(on_new=announced)

    assert storm.storm
    assert not storm.baseline
    assert storm.new_messages == ()
    assert announced.results == []
    assert storm.unread == 0
    assert storm.message_count == 10

    calm = await mailbox.poll(on_new=announced)
    assert not calm.storm
    assert calm.new_messages == ()
    mail_user.deliver(make_message(11))
    assert [s.subject for s in (await mailbox.poll(on_new=announced)).new_messages] == [
        "message 11"
    ]


async def test_a_few_changed_uids_are_no_storm(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    messages = [make_message(n) for n in range(1, 11)]
    mail_user.deliver_many(messages)
    mailbox = await after_baseline(dovecot, mail_user, state_path)
    for path in mail_user.message_files()[:3]:
        path.unlink()
    mail_user.deliver_many([make_message(n) for n in range(11, 14)])
    announced = Announcements()

    result = await mailbox.poll(on_new=announced)

    assert not result.storm
    assert announced.subjects == ["message 11", "message 12", "message 13"]


async def test_concurrent_polls_never_overlap(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    script = Script(messages=[make_message(1)])
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    await mailbox.poll()
    script.messages.append(make_message(2))
    second_connected = asyncio.Event()

    async def first_uidl_waits(session: FaultSession, line: str) -> None:
        # Give an unserialised second poll every chance to log in meanwhile (it must not).
        if server.connections == 2:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(second_connected.wait(), 0.3)
        elif server.connections == 3:
            second_connected.set()
        await session.default(line)

    script.handlers["UIDL"] = first_uidl_waits
    start = len(server.received)
    announced = Announcements()

    results = await asyncio.gather(mailbox.poll(on_new=announced), mailbox.poll(on_new=announced))
    await wait_until(lambda: not server.sessions, "both sessions ended")  # QUIT is not awaited

    log = server.received[start:]
    assert log.count("QUIT") == 2
    first_session = log[: log.index("QUIT") + 1]
    logins = [line for line in first_session if line.startswith(("AUTH", "USER"))]
    assert len(logins) == 1  # nothing of a second session
    assert announced.subjects == ["message 2"]
    assert sorted(len(result.new_messages) for result in results) == [0, 1]


async def test_without_uidl_header_answers_are_held_one_batch_at_a_time(
    start_fault_server: StartFaultServer, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Broken servers answer TOP n 0 with the whole message (up to 1 MB is kept per answer):
    # holding every answer of a large maildrop at once would need gigabytes.
    requested: list[int] = []
    real_top_many = Pop3Client.top_many

    async def recording_top_many(
        client: Pop3Client, numbers: Sequence[int], lines: int, **kwargs: Any
    ) -> dict[int, bytes | CommandError]:
        if lines == 0:  # the identity pass (summaries ask for body lines)
            requested.append(len(numbers))
        return await real_top_many(client, numbers, lines, **kwargs)

    monkeypatch.setattr(Pop3Client, "top_many", recording_top_many)
    messages = [make_message(n) for n in range(1, 121)]
    script = Script(messages=messages, capa=NO_UIDL_CAPA, handlers={"UIDL": UNKNOWN_COMMAND})
    server = await start_fault_server(script)

    result = await fault_mailbox(server, state_path).poll()

    assert result.message_count == 120
    assert result.latest is not None
    assert result.latest.uid == message_identity(messages[-1], len(messages[-1]))
    assert sum(requested) == 120
    assert max(requested) <= IDENTITY_BATCH
