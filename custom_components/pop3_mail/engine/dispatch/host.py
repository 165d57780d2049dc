"""What the dispatcher needs from its host: a poll's new mail, and the mailbox's actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ..mail.model import MailSummary
from ..pop3 import RetrievedMessage


class NewMail(Protocol):
    """What ``Dispatcher.handle`` reads from a poll (``engine.mailbox.PollResult``)."""

    @property
    def new_messages(self) -> Sequence[MailSummary]:
        """New messages, oldest first."""
        ...

    @property
    def full_messages(self) -> Mapping[str, RetrievedMessage]:
        """Whole messages fetched because ``Dispatcher.wants_full`` asked, by UID."""
        ...


class MailboxActions(Protocol):
    """What the dispatcher asks of the mailbox (``engine.mailbox.Mailbox`` provides it)."""

    async def acknowledge(self, uid: str | None = None) -> int:
        """Mark a message as read; ``KeyError`` when the last poll did not list it."""
        ...

    async def request_deletion(self, uids: Sequence[str]) -> None:
        """Delete these messages from the server in the next session."""
        ...
