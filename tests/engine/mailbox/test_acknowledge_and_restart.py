"""Acknowledgements and unread counts; state kept across Mailbox instances (real Dovecot)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pop3_mail.mailbox import Announcement, PollResult
from tests.support.dovecot import DovecotServer, MailUser

from .helpers import Announcements, after_baseline, dovecot_mailbox, make_message, saved_state


async def test_acknowledge_one_then_all(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mailbox = await after_baseline(dovecot, mail_user, state_path, 1, 2, 3)
    first, second, third = (await mailbox.poll()).new_messages

    assert await mailbox.acknowledge(second.uid) == 2
    assert mailbox.unread == 2
    assert saved_state(state_path)["acknowledged"] == [second.uid]
    assert await mailbox.acknowledge(second.uid) == 2  # twice is harmless

    assert await mailbox.acknowledge() == 0
    assert mailbox.unread == 0
    assert sorted(saved_state(state_path)["acknowledged"]) == sorted(
        [first.uid, second.uid, third.uid]
    )
    assert (await mailbox.poll()).unread == 0

    mail_user.deliver(make_message(4))
    assert (await mailbox.poll()).unread == 1


async def test_acknowledging_an_unknown_uid_raises_key_error(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mail_user.deliver(make_message(1))
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    with pytest.raises(KeyError):
        await mailbox.acknowledge("anything")  # nothing listed yet
    assert await mailbox.acknowledge() == 0

    result = await mailbox.poll()
    with pytest.raises(KeyError, match="no-such-uid"):
        await mailbox.acknowledge("no-such-uid")
    assert result.latest is not None
    assert await mailbox.acknowledge(result.latest.uid) == 0


async def test_acknowledged_mail_that_vanished_cannot_be_acknowledged(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mailbox = await after_baseline(dovecot, mail_user, state_path, 1)
    (gone,) = (await mailbox.poll()).new_messages
    assert mailbox.unread == 1
    mail_user.clear()

    result = await mailbox.poll()
    assert result.unread == 0
    assert result.latest is None
    with pytest.raises(KeyError):
        await mailbox.acknowledge(gone.uid)


async def test_acknowledging_from_the_handler_shows_in_the_result(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mailbox = await after_baseline(dovecot, mail_user, state_path, 1, 2)
    counts: list[int] = []

    async def mark_first_read(result: PollResult) -> None:
        counts.append(result.unread)
        counts.append(await mailbox.acknowledge(result.new_messages[0].uid))

    result = await mailbox.poll(on_new=mark_first_read)

    assert counts == [2, 1]
    assert result.unread == 1
    assert mailbox.unread == 1


async def test_state_survives_a_restart(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mail_user.deliver(make_message(1))
    before = dovecot_mailbox(dovecot, mail_user, state_path)
    await before.poll()
    mail_user.deliver(make_message(2))
    mail_user.deliver(make_message(3))
    _, third = (await before.poll()).new_messages
    await before.acknowledge(third.uid)

    after = dovecot_mailbox(dovecot, mail_user, state_path)
    announced = Announcements()
    assert after.unread is None
    result = await after.poll(on_new=announced)

    assert announced.results == []
    assert not result.baseline
    assert result.unread == 1  # message 2: announced, never acknowledged
    assert result.latest is not None
    assert result.latest.subject == "message 3"

    mail_user.deliver(make_message(4))
    await after.poll(on_new=announced)
    assert announced.subjects == ["message 4"]


@pytest.mark.parametrize(
    ("damage", "set_aside"),
    [
        ("{not json", True),
        ('{"version": 1, "baseline_done": true, "missing_since": []}', False),
    ],
)
async def test_damaged_state_file_starts_a_fresh_silent_baseline(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, damage: str, set_aside: bool
) -> None:
    mail_user.deliver_many([make_message(n) for n in (1, 2)])
    state_path.parent.mkdir(parents=True)
    state_path.write_text(damage)
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    announced = Announcements()

    result = await mailbox.poll(on_new=announced)

    assert result.baseline
    assert announced.results == []
    assert result.unread == 0
    assert saved_state(state_path)["baseline_done"] is True
    aside = [path.read_text() for path in state_path.parent.glob("mailbox.json.corrupt-*")]
    assert aside == ([damage] if set_aside else [])


async def test_a_deferred_announcement_keeps_the_mail_new_and_the_poll_good(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    """A host that cannot announce yet (HA starting) gets the same mail with the next poll."""
    mailbox = await after_baseline(dovecot, mail_user, state_path, 1, 2)
    deferred: list[PollResult] = []

    async def not_yet(result: PollResult) -> Announcement:
        deferred.append(result)
        return Announcement.DEFERRED

    result = await mailbox.poll(on_new=not_yet)
    assert [s.subject for s in result.new_messages] == ["message 1", "message 2"]
    assert result.unread == 2
    assert mailbox.last_result is result  # the poll itself succeeded
    assert saved_state(state_path)["latest"]["subject"] == "message 2"

    # The next poll (here after a restart) announces the same mail, and commits it then.
    restarted = dovecot_mailbox(dovecot, mail_user, state_path)
    announced = Announcements()
    await restarted.poll(on_new=announced)
    assert announced.subjects == ["message 1", "message 2"]
    assert (await restarted.poll(on_new=announced)).new_messages == ()
    assert len(deferred) == 1
