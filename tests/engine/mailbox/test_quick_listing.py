"""The poll that finds nothing new skips the listing, and every change still takes it (Dovecot).

The quick check (``STAT``, ``UIDL n``, ``LIST n``) stands for the last full listing only when
nothing changed; these tests change the maildrop in every way a real server allows between
two polls and check that the poll then lists in full and reports what a full listing would.
The cases Dovecot cannot produce (renumbering, no ``UIDL n``) are in
``test_quick_listing_faults.py``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from pop3_mail import maildrop
from pop3_mail.listing_cache import FULL_LISTING_INTERVAL
from pop3_mail.mailbox import Announcement, Mailbox, PollOptions, PollResult
from pop3_mail.state_store import JsonFileStore
from tests.engine.pop3.helpers import dovecot_settings
from tests.support.dovecot import DovecotServer, MailUser

from .helpers import (
    Announcements,
    FakeClock,
    dovecot_mailbox,
    make_message,
    record_batches,
    saved_state,
    tracking,
)


def same_view(quick: PollResult, full: PollResult) -> None:
    """What a quick poll reports is what the full listing before it reported."""
    assert (quick.message_count, quick.total_size, quick.unread) == (
        full.message_count,
        full.total_size,
        full.unread,
    )
    assert quick.latest == full.latest
    assert quick.capabilities == full.capabilities
    assert quick.new_messages == ()


async def test_nothing_new_skips_the_listing_and_reports_the_same(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_user.deliver_many([make_message(n) for n in range(1, 6)])
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    batches = record_batches(monkeypatch)
    full = await mailbox.poll()
    mail_user.deliver(make_message(6))
    announced = await mailbox.poll()
    assert batches.full_listings == 2

    quick = await mailbox.poll()

    assert batches.full_listings == 2
    assert batches.sent[-1] == ["CAPA", "STAT", "UIDL 6", "LIST 6"]
    same_view(quick, announced)
    assert quick.unread == 1
    assert full.message_count == 5
    # Acknowledging works on the listing the quick poll stood on.
    (new,) = announced.new_messages
    assert await mailbox.acknowledge(new.uid) == 0
    assert (await mailbox.poll()).unread == 0
    assert batches.full_listings == 2


async def test_new_mail_takes_the_listing(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_user.deliver_many([make_message(1), make_message(2)])
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    await mailbox.poll()
    batches = record_batches(monkeypatch)
    mail_user.deliver(make_message(3))

    result = await mailbox.poll()

    assert batches.sent == [["CAPA", "STAT", "UIDL 2", "LIST 2"], ["UIDL", "LIST"]]
    assert [summary.subject for summary in result.new_messages] == ["message 3"]


async def test_deletion_by_another_client_takes_the_listing(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_user.deliver_many([make_message(n) for n in range(1, 4)])
    clock = FakeClock()
    mailbox = dovecot_mailbox(
        dovecot, mail_user, state_path, tracking(vanished_grace=60), clock=clock
    )
    await mailbox.poll()
    batches = record_batches(monkeypatch)
    oldest = mail_user.message_files()[0]
    oldest.unlink()

    result = await mailbox.poll()

    assert batches.full_listings == 1
    assert result.message_count == 2
    assert len(saved_state(state_path)["missing_since"]) == 1
    # The vanished UID's grace period runs on quick polls just as on full ones.
    clock.now += 61
    await mailbox.poll()
    assert batches.full_listings == 1
    assert saved_state(state_path)["missing_since"] == {}
    assert len(saved_state(state_path)["acknowledged"]) == 2


async def test_one_deleted_and_one_arrived_takes_the_listing(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_user.deliver_many([make_message(n) for n in range(1, 4)])
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    await mailbox.poll()
    batches = record_batches(monkeypatch)
    mail_user.message_files()[0].unlink()
    mail_user.deliver(make_message(4))  # the same count, and the same size as the deleted one

    result = await mailbox.poll()

    assert batches.full_listings == 1
    assert result.message_count == 3
    assert [summary.subject for summary in result.new_messages] == ["message 4"]


async def test_server_reindex_takes_the_listing_and_is_a_storm(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_user.deliver_many([make_message(n) for n in range(1, 11)])
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path, tracking(storm_min_messages=10))
    before = await mailbox.poll()
    batches = record_batches(monkeypatch)
    mail_user.reindex()  # the same files, count and octets; every UIDL new

    storm = await mailbox.poll()

    assert batches.full_listings == 1
    assert storm.storm
    assert (storm.message_count, storm.total_size) == (before.message_count, before.total_size)
    assert storm.new_messages == ()
    assert (await mailbox.poll()).new_messages == ()
    assert batches.full_listings == 1  # the re-baselined listing stands from then on


async def test_a_full_listing_at_least_once_an_hour(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_user.deliver(make_message(1))
    clock = FakeClock()
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path, clock=clock)
    await mailbox.poll()
    batches = record_batches(monkeypatch)

    clock.now += FULL_LISTING_INTERVAL - 1
    await mailbox.poll()
    assert batches.full_listings == 0
    clock.now += 1
    await mailbox.poll()
    assert batches.full_listings == 1
    clock.now += FULL_LISTING_INTERVAL - 1  # counted from the last full listing
    await mailbox.poll()
    assert batches.full_listings == 1
    clock.now -= 2 * FULL_LISTING_INTERVAL  # a clock that went back does not extend it
    await mailbox.poll()
    assert batches.full_listings == 2


async def test_pending_deletion_takes_the_listing_and_so_does_the_next_poll(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_user.deliver_many([make_message(n) for n in range(1, 4)])
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    first = await mailbox.poll()
    assert first.latest is not None
    batches = record_batches(monkeypatch)
    await mailbox.request_deletion([first.latest.uid])

    deleted = await mailbox.poll()
    after = await mailbox.poll()
    quick = await mailbox.poll()

    assert deleted.deleted == (first.latest.uid,)
    assert len(mail_user.message_files()) == 2
    assert batches.full_listings == 2  # the session that deleted, and the one after QUIT
    assert quick.message_count == after.message_count == 2
    same_view(quick, after)


async def test_mail_left_by_the_cap_is_found_without_any_change(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path, PollOptions(max_new_per_poll=2))
    await mailbox.poll()
    mail_user.deliver_many([make_message(n) for n in range(1, 4)])
    announced = Announcements()
    first = await mailbox.poll(on_new=announced)
    assert first.remaining_new == 1
    batches = record_batches(monkeypatch)

    second = await mailbox.poll(on_new=announced)

    assert batches.full_listings == 1
    assert announced.subjects == ["message 2", "message 3", "message 1"]
    assert second.remaining_new == 0
    assert (await mailbox.poll(on_new=announced)).new_messages == ()
    assert batches.full_listings == 1


@pytest.mark.parametrize("failure", ["raise", "defer"])
async def test_mail_whose_announcement_failed_is_found_again(
    dovecot: DovecotServer,
    mail_user: MailUser,
    state_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    await mailbox.poll()
    mail_user.deliver(make_message(1))

    async def cannot(result: PollResult) -> Announcement:
        if failure == "raise":
            raise RuntimeError("downstream is down")
        return Announcement.DEFERRED

    if failure == "raise":
        with pytest.raises(RuntimeError):
            await mailbox.poll(on_new=cannot)
    else:
        await mailbox.poll(on_new=cannot)
    batches = record_batches(monkeypatch)
    announced = Announcements()

    await mailbox.poll(on_new=announced)

    assert batches.full_listings == 1
    assert announced.subjects == ["message 1"]


async def test_version_1_state_is_read_and_migrated(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_user.deliver_many([make_message(1), make_message(2)])
    await dovecot_mailbox(dovecot, mail_user, state_path).poll()
    document = saved_state(state_path)
    assert document["version"] == 2
    old = {key: document[key] for key in document if key not in {"listing", "server"}}
    old.pop("quick_listing")
    state_path.write_text(json.dumps({**old, "version": 1}))  # as the previous release wrote it
    batches = record_batches(monkeypatch)
    mail_user.deliver(make_message(3))
    announced = Announcements()
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)

    await mailbox.poll(on_new=announced)
    await mailbox.poll(on_new=announced)

    assert announced.subjects == ["message 3"]  # no new baseline, nothing announced twice
    assert batches.full_listings == 1
    assert saved_state(state_path)["version"] == 2
    assert saved_state(state_path)["listing"]["octets"] > 0


async def test_a_restart_keeps_the_quick_poll(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_user.deliver(make_message(1))
    await dovecot_mailbox(dovecot, mail_user, state_path).poll()
    batches = record_batches(monkeypatch)

    result = await dovecot_mailbox(dovecot, mail_user, state_path).poll()

    assert batches.sent == [["CAPA", "STAT", "UIDL 1", "LIST 1"]]
    assert result.message_count == 1
    assert result.unread == 0


async def test_an_empty_maildrop_stays_quick(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path)
    await mailbox.poll()
    batches = record_batches(monkeypatch)

    empty = await mailbox.poll()
    mail_user.deliver(make_message(1))
    announced = Announcements()
    await mailbox.poll(on_new=announced)

    assert batches.sent[0] == ["CAPA", "STAT"]
    assert (empty.message_count, empty.total_size, empty.latest) == (0, 0, None)
    assert announced.subjects == ["message 1"]


async def test_the_listing_of_another_maildrop_is_not_stood_on(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same state after the account was reconfigured to another user (Home Assistant keeps
    # an entry's store across a reconfiguration).
    mail_user.deliver(make_message(1))
    await dovecot_mailbox(dovecot, mail_user, state_path).poll()
    other = dovecot.add_user()
    other.deliver(make_message(1))
    batches = record_batches(monkeypatch)

    await dovecot_mailbox(dovecot, other, state_path).poll()

    assert batches.full_listings == 1


async def test_a_long_listing_is_parsed_by_the_executor_runner(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maildrop, "INLINE_LISTING_MAX", 2)  # "long" from three lines on
    ran: list[str] = []

    def runner(func: Callable[..., Any], /, *args: Any) -> Awaitable[Any]:
        ran.append(getattr(func, "__name__", "?"))
        return asyncio.get_running_loop().run_in_executor(None, func, *args)

    mail_user.deliver_many([make_message(1), make_message(2)])
    settings = dovecot_settings(dovecot, mail_user)
    mailbox = Mailbox(settings, JsonFileStore(state_path), executor_runner=runner)

    result = await mailbox.poll()

    assert ran == ["sizes_from", "uids_from"]
    assert result.message_count == 2
    assert result.latest is not None
    assert result.latest.subject == "message 2"


class CountingStore(JsonFileStore):
    """A JSON file store that counts its writes."""

    saves = 0

    async def save(self, data: dict[str, Any]) -> None:
        self.saves += 1
        await super().save(data)


async def test_a_poll_that_changes_nothing_writes_nothing(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mail_user.deliver(make_message(1))
    settings = dovecot_settings(dovecot, mail_user)
    await Mailbox(settings, JsonFileStore(state_path)).poll()
    store = CountingStore(state_path)
    mailbox = Mailbox(settings, store)  # after a restart: the state as saved

    await mailbox.poll()
    await mailbox.poll()
    assert store.saves == 0
    mail_user.deliver(make_message(2))
    await mailbox.poll()
    assert store.saves == 1
    await mailbox.poll()
    assert store.saves == 1
