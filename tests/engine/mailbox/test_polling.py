"""Baseline, announcements, result fields, the per-poll cap and serialised polls (real Dovecot)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pop3_mail.mail.model import summary_id
from pop3_mail.mailbox import PollOptions, PollResult
from tests.support.dovecot import DovecotServer, MailUser

from .helpers import Announcements, after_baseline, dovecot_mailbox, make_message, tracking

MESSAGES = [make_message(n) for n in range(1, 4)]


async def test_first_poll_is_a_silent_baseline_with_correct_fields(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mail_user.deliver_many(MESSAGES)
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    announced = Announcements()
    assert (mailbox.unread, mailbox.last_result) == (None, None)

    before = datetime.now(UTC)
    result = await mailbox.poll(on_new=announced)
    after = datetime.now(UTC)

    assert announced.results == []
    assert result.baseline
    assert not result.storm
    assert result.new_messages == ()
    assert result.remaining_new == 0
    assert result.deleted == ()
    assert result.full_messages == {}
    assert result.unread == 0
    assert mailbox.unread == 0
    assert mailbox.last_result is result
    assert result.account_key == f"{mail_user.username}@127.0.0.1:{dovecot.pop3s_port}"
    assert result.message_count == 3
    assert result.total_size == sum(len(message) for message in MESSAGES)
    assert before <= result.checked_at <= after
    assert result.checked_at.tzinfo is UTC
    assert result.capabilities.uidl
    assert result.capabilities.top
    assert result.latest is not None
    assert result.latest.subject == "message 3"
    assert result.latest.from_address == "sender3@example.org"
    assert result.latest.number == 3
    assert result.latest.size == len(MESSAGES[2])
    assert result.latest.id == summary_id(result.account_key, result.latest.uid)
    timings = result.timings
    assert min(timings.connect, timings.listing, timings.fetch) >= 0
    assert timings.total >= timings.connect + timings.listing
    assert timings.commands >= 4  # at least CAPA, login, UIDL, LIST, TOP, QUIT in some form
    assert timings.round_trips >= 1
    assert timings.bytes_sent > 0
    assert timings.bytes_received > len(MESSAGES[2].split(b"\r\n\r\n")[0])

    document = json.loads(json.dumps(result.as_dict()))
    assert document["message_count"] == 3
    assert document["latest"]["subject"] == "message 3"
    assert document["baseline"] is True
    assert "full_messages" not in document
    assert "UIDL" in document["capabilities"]


async def test_baseline_can_count_existing_mail_as_unread(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mail_user.deliver_many(MESSAGES)
    mailbox = dovecot_mailbox(
        dovecot, mail_user, state_path, tracking(count_existing_as_unread=True)
    )
    announced = Announcements()

    result = await mailbox.poll(on_new=announced)

    assert result.baseline
    assert result.new_messages == ()
    assert announced.results == []
    assert result.unread == 3
    assert mailbox.unread == 3
    assert (await mailbox.poll(on_new=announced)).new_messages == ()
    assert mailbox.unread == 3


async def test_baseline_can_announce_existing_mail(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mail_user.deliver_many(MESSAGES)
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path, tracking(announce_existing=True))
    announced = Announcements()

    result = await mailbox.poll(on_new=announced)

    assert result.baseline
    assert [summary.subject for summary in result.new_messages] == [
        "message 1",
        "message 2",
        "message 3",
    ]
    assert announced.results == [result]
    assert result.unread == 3
    assert (await mailbox.poll(on_new=announced)).new_messages == ()
    assert len(announced.results) == 1


async def test_later_mail_is_announced_exactly_once(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    announced = Announcements()
    empty = await mailbox.poll(on_new=announced)
    assert empty.baseline
    assert empty.message_count == 0
    assert empty.total_size == 0
    assert empty.latest is None

    mail_user.deliver(MESSAGES[0])
    mail_user.deliver(MESSAGES[1])
    result = await mailbox.poll(on_new=announced)

    assert not result.baseline
    assert announced.results == [result]
    assert [s.subject for s in result.new_messages] == ["message 1", "message 2"]  # oldest first
    assert [s.number for s in result.new_messages] == [1, 2]
    first = result.new_messages[0]
    assert first.from_address == "sender1@example.org"
    assert first.to == ("rcpt@example.org",)
    assert first.message_id == "<m1@example.org>"
    assert first.size == len(MESSAGES[0])
    assert "body of message 1" in first.snippet
    assert not first.complete  # made from TOP
    assert first.id == summary_id(result.account_key, first.uid)
    assert len({s.uid for s in result.new_messages}) == 2
    assert result.latest == result.new_messages[1]
    assert result.unread == 2
    assert result.message_count == 2

    again = await mailbox.poll(on_new=announced)
    assert again.new_messages == ()
    assert len(announced.results) == 1
    assert again.unread == 2
    assert again.latest is not None
    assert again.latest.uid == result.new_messages[1].uid

    mail_user.deliver(MESSAGES[2])
    third = await mailbox.poll(on_new=announced)
    assert [s.subject for s in third.new_messages] == ["message 3"]
    assert announced.subjects == ["message 1", "message 2", "message 3"]
    assert third.unread == 3


async def test_the_cap_takes_the_newest_first_and_loses_nothing(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path, PollOptions(max_new_per_poll=2))
    announced = Announcements()
    await mailbox.poll(on_new=announced)
    mail_user.deliver_many([make_message(n) for n in range(1, 6)])

    first = await mailbox.poll(on_new=announced)
    assert [s.subject for s in first.new_messages] == ["message 4", "message 5"]
    assert first.remaining_new == 3
    assert first.unread == 5  # waiting messages count as unread
    assert first.latest is not None
    assert first.latest.subject == "message 5"

    mail_user.deliver(make_message(6))
    second = await mailbox.poll(on_new=announced)
    assert [s.subject for s in second.new_messages] == ["message 3", "message 6"]
    assert second.remaining_new == 2

    third = await mailbox.poll(on_new=announced)
    assert [s.subject for s in third.new_messages] == ["message 1", "message 2"]
    assert third.remaining_new == 0

    last = await mailbox.poll(on_new=announced)
    assert last.new_messages == ()
    assert last.remaining_new == 0
    assert len(announced.results) == 3
    assert sorted(announced.subjects) == [f"message {n}" for n in range(1, 7)]
    assert last.unread == 6


async def test_failing_handler_gets_the_messages_again(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    baseline = await mailbox.poll()
    mail_user.deliver(MESSAGES[0])
    mail_user.deliver(MESSAGES[1])
    offered: list[PollResult] = []

    async def broken(result: PollResult) -> None:
        offered.append(result)
        raise RuntimeError("downstream is down")

    with pytest.raises(RuntimeError, match="downstream is down"):
        await mailbox.poll(on_new=broken)
    assert [s.subject for s in offered[0].new_messages] == ["message 1", "message 2"]
    assert mailbox.last_result is baseline

    # A restart at this point loses nothing either: the failed poll committed no UIDs.
    restarted = Announcements()
    await dovecot_mailbox(dovecot, mail_user, state_path).poll(on_new=restarted)
    assert restarted.subjects == ["message 1", "message 2"]

    announced = Announcements()
    retried = await mailbox.poll(on_new=announced)
    assert announced.subjects == ["message 1", "message 2"]
    assert retried.unread == 2
    assert (await mailbox.poll(on_new=announced)).new_messages == ()
    assert len(announced.results) == 1


async def test_handler_is_not_called_without_new_mail(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mail_user.deliver(MESSAGES[0])
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    calls: list[PollResult] = []

    async def must_not_run(result: PollResult) -> None:
        calls.append(result)

    await mailbox.poll(on_new=must_not_run)
    await mailbox.poll(on_new=must_not_run)
    assert calls == []


@pytest.mark.parametrize("action", ["acknowledge", "request_deletion"])
async def test_crash_inside_the_handler_loses_no_unhandled_message(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, action: str
) -> None:
    mailbox = await after_baseline(dovecot, mail_user, state_path, 1, 2)

    async def handle_first_then_die(result: PollResult) -> None:
        first = result.new_messages[0].uid
        if action == "acknowledge":
            await mailbox.acknowledge(first)  # saves the state mid-announcement
        else:
            await mailbox.request_deletion([first])
        raise RuntimeError("process killed while handling message 2")

    with pytest.raises(RuntimeError):
        await mailbox.poll(on_new=handle_first_then_die)

    restarted = Announcements()
    await dovecot_mailbox(dovecot, mail_user, state_path).poll(on_new=restarted)
    assert "message 2" in restarted.subjects
