"""Whole messages with RETR, deletion on request, nothing deleted or read by default (Dovecot)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from pop3_mail.mail.model import Attachment, MailSummary
from pop3_mail.mailbox import Mailbox, PollOptions, PollResult
from pop3_mail.state_store import JsonFileStore
from tests.engine.pop3.helpers import dovecot_settings
from tests.support.dovecot import DovecotServer, MailUser

from .helpers import (
    Announcements,
    after_baseline,
    dovecot_mailbox,
    make_message,
    saved_state,
)

PDF = b"%PDF-1.4 pretend report\n" * 40


def with_attachment() -> bytes:
    message = EmailMessage()
    message["From"] = "Reports <reports@example.org>"
    message["To"] = "me@example.org"
    message["Subject"] = "with file"
    message["Message-ID"] = "<file@example.org>"
    message.set_content("See the attached report.\n")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="report.pdf")
    return bytes(message).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


async def test_polls_never_delete_and_never_mark_mail_read(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mail_user.deliver_many([make_message(n) for n in (1, 2)])
    mailbox = await after_baseline(dovecot, mail_user, state_path, 3)
    result = await mailbox.poll(on_new=Announcements())
    await mailbox.poll()

    assert len(result.new_messages) == 1
    assert mail_user.subjects() == ["message 1", "message 2", "message 3"]
    flags = mail_user.seen_flags()
    assert len(flags) == 3
    assert not any(flags.values())  # TOP only: Dovecot sets \Seen on RETR


async def test_requested_deletion_happens_in_the_next_session(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mailbox = await after_baseline(dovecot, mail_user, state_path, 1, 2, 3)
    announced = (await mailbox.poll()).new_messages
    doomed = announced[1].uid

    await mailbox.request_deletion([doomed])
    assert mail_user.subjects() == ["message 1", "message 2", "message 3"]
    assert saved_state(state_path)["pending_deletion"] == [doomed]

    result = await mailbox.poll()
    assert result.deleted == (doomed,)
    assert result.message_count == 2
    assert result.total_size == len(make_message(1)) + len(make_message(3))
    assert result.unread == 2
    assert mail_user.subjects() == ["message 1", "message 3"]
    assert saved_state(state_path)["pending_deletion"] == []

    later = await mailbox.poll()
    assert later.deleted == ()
    assert later.message_count == 2
    assert later.new_messages == ()


async def test_deletion_request_survives_a_restart(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mailbox = await after_baseline(dovecot, mail_user, state_path, 1, 2)
    first = (await mailbox.poll()).new_messages[0]
    await mailbox.request_deletion([first.uid])

    result = await dovecot_mailbox(dovecot, mail_user, state_path).poll()

    assert result.deleted == (first.uid,)
    assert mail_user.subjects() == ["message 2"]
    assert result.latest is not None
    assert result.latest.subject == "message 2"
    assert result.latest.number == 2  # numbers hold within the session that deleted
    later = await dovecot_mailbox(dovecot, mail_user, state_path).poll()
    assert later.latest is not None
    assert later.latest.subject == "message 2"
    assert later.latest.number == 1  # renumbered in the next session


async def test_deletion_of_a_message_already_gone_is_dropped(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mail_user.deliver(make_message(1))
    mailbox = await after_baseline(dovecot, mail_user, state_path)
    await mailbox.request_deletion(["no-such-uid"])

    result = await mailbox.poll()

    assert result.deleted == ()
    assert mail_user.subjects() == ["message 1"]
    assert saved_state(state_path)["pending_deletion"] == []


async def test_deletion_requested_from_the_handler(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mailbox = await after_baseline(dovecot, mail_user, state_path, 1, 2)
    requested: list[str] = []

    async def delete_the_first(result: PollResult) -> None:
        requested.append(result.new_messages[0].uid)
        await mailbox.request_deletion(requested)

    await mailbox.poll(on_new=delete_the_first)
    assert mail_user.subjects() == ["message 1", "message 2"]

    result = await mailbox.poll()
    assert result.deleted == tuple(requested)
    assert mail_user.subjects() == ["message 2"]
    assert result.unread == 1


async def test_wanted_messages_come_whole_with_their_attachments(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mailbox = await after_baseline(dovecot, mail_user, state_path)
    raw = with_attachment()
    mail_user.deliver(make_message(1))
    mail_user.deliver(raw)
    asked: list[str] = []

    def wants_full(summary: MailSummary) -> bool:
        asked.append(summary.subject)
        return summary.subject == "with file"

    result = await mailbox.poll(wants_full=wants_full)

    assert asked == ["message 1", "with file"]  # decided on the TOP summary
    plain, whole = result.new_messages
    assert not plain.complete
    assert whole.complete
    assert whole.subject == "with file"
    assert whole.attachments == (Attachment("report.pdf", "application/pdf", len(PDF)),)
    assert set(result.full_messages) == {whole.uid}
    fetched = result.full_messages[whole.uid]
    assert not fetched.truncated
    assert fetched.data == raw
    assert result.latest == whole
    # Dovecot marks exactly the RETR'd message \Seen.
    assert sorted(mail_user.seen_flags().values()) == [False, True]


async def test_message_over_the_retr_cap_is_an_incomplete_summary(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mailbox = dovecot_mailbox(
        dovecot, mail_user, state_path, PollOptions(full_message_max_bytes=300)
    )
    await mailbox.poll()
    raw = with_attachment()
    assert len(raw) > 300
    mail_user.deliver(raw)

    result = await mailbox.poll(wants_full=lambda summary: True)

    (summary,) = result.new_messages
    fetched = result.full_messages[summary.uid]
    assert fetched.truncated
    assert fetched.data == raw[:300]
    assert not summary.complete
    assert summary.subject == "with file"
    assert summary.size == len(raw)


async def test_large_mail_is_summarised_by_the_executor_runner(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    ran: list[str] = []

    def runner(func: Callable[..., Any], /, *args: Any) -> Awaitable[Any]:
        ran.append(getattr(func, "func", func).__name__)  # a partial of summarize
        return asyncio.get_running_loop().run_in_executor(None, func, *args)

    options = PollOptions(inline_summary_max_bytes=4096)
    settings = dovecot_settings(dovecot, mail_user)
    mailbox = Mailbox(settings, JsonFileStore(state_path), options, executor_runner=runner)
    await mailbox.poll()
    large = make_message(2, body=b"line of a long report\r\n" * 1000)
    mail_user.deliver_many([make_message(1), large])

    result = await mailbox.poll(wants_full=lambda summary: summary.subject == "message 2")

    # The TOP answers are small; the whole large message goes to the runner, once.
    assert ran == ["summarize"]
    assert [summary.subject for summary in result.new_messages] == ["message 1", "message 2"]
    assert result.new_messages[1].complete
    assert result.new_messages[1].size == len(large)
