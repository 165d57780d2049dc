"""Helpers for the Mailbox tests: mailboxes on Dovecot or a fault server, recorded announcements."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pop3_mail.mailbox import Mailbox, PollOptions, PollResult
from pop3_mail.pop3 import Pop3Client, Reply, Request
from pop3_mail.state_store import JsonFileStore
from pop3_mail.tracking import TrackingOptions
from tests.engine.pop3.helpers import dovecot_settings, make_message
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.fault_server import FaultServer

__all__ = [
    "Announcements",
    "Batches",
    "FakeClock",
    "after_baseline",
    "dovecot_mailbox",
    "fault_mailbox",
    "make_message",
    "record_batches",
    "saved_state",
    "tracking",
]


def dovecot_mailbox(
    dovecot: DovecotServer,
    user: MailUser,
    state_path: Path,
    options: PollOptions | None = None,
    *,
    clock: FakeClock | None = None,
    **settings: Any,
) -> Mailbox:
    """A Mailbox on the test Dovecot (implicit TLS) with its state in ``state_path``."""
    return Mailbox(
        dovecot_settings(dovecot, user, **settings),
        JsonFileStore(state_path),
        options,
        clock=clock or FakeClock(),
    )


async def after_baseline(
    dovecot: DovecotServer, user: MailUser, state_path: Path, *numbers: int
) -> Mailbox:
    """A Mailbox on Dovecot past its first (baseline) poll, then ``make_message(n)`` delivered."""
    mailbox = dovecot_mailbox(dovecot, user, state_path)
    await mailbox.poll()
    user.deliver_many([make_message(n) for n in numbers])
    return mailbox


def fault_mailbox(
    server: FaultServer,
    state_path: Path,
    options: PollOptions | None = None,
    *,
    clock: FakeClock | None = None,
) -> Mailbox:
    """A Mailbox on a scripted server (plain text on loopback)."""
    return Mailbox(
        server.settings(), JsonFileStore(state_path), options, clock=clock or FakeClock()
    )


def tracking(**changes: Any) -> PollOptions:
    """Poll options with these tracking options."""
    return PollOptions(tracking=TrackingOptions(**changes))


@dataclass
class FakeClock:
    """Wall clock the test moves by hand (seconds since the epoch)."""

    now: float = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Batches:
    """The command lines of every ``Pop3Client.batch`` (see :func:`record_batches`)."""

    sent: list[list[str]] = field(default_factory=list)

    @property
    def full_listings(self) -> int:
        """Batches that listed the whole maildrop."""
        return sum("UIDL" in batch for batch in self.sent)

    @property
    def quick_checks(self) -> int:
        """Batches that asked ``STAT`` without listing the whole maildrop."""
        return sum("STAT" in batch and "UIDL" not in batch for batch in self.sent)


def record_batches(monkeypatch: pytest.MonkeyPatch) -> Batches:
    """Record what every batch sends (the client still sends it to the real server)."""
    batches = Batches()
    real_batch = Pop3Client.batch

    async def recording(client: Pop3Client, requests: Sequence[Request]) -> list[Reply]:
        batches.sent.append([request.line for request in requests])
        return await real_batch(client, requests)

    monkeypatch.setattr(Pop3Client, "batch", recording)
    return batches


@dataclass
class Announcements:
    """An ``on_new`` handler that records every poll result it is given."""

    results: list[PollResult] = field(default_factory=list)

    async def __call__(self, result: PollResult) -> None:
        self.results.append(result)

    @property
    def subjects(self) -> list[str]:
        """Subjects of every announced message, in announcement order."""
        return [summary.subject for result in self.results for summary in result.new_messages]


def saved_state(state_path: Path) -> dict[str, Any]:
    """The state document the Mailbox saved."""
    data = json.loads(state_path.read_bytes())
    assert isinstance(data, dict)
    return data
