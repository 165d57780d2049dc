"""Deleting messages from the server, only once every other action for them succeeded."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ..mail.model import MailSummary
from .deliveries import OutboxEntry
from .host import MailboxActions
from .outbox import Outbox

_LOGGER = logging.getLogger(__name__)


class Deletions:
    """Asks the mailbox to delete messages whose deliveries are all done."""

    def __init__(self, *, account: str, outbox: Outbox, mailbox: MailboxActions) -> None:
        """Deletions from ``mailbox``, waiting for the deliveries in ``outbox``."""
        self._account = account
        self._outbox = outbox
        self._mailbox = mailbox

    async def after_actions(
        self, summary: MailSummary, waiting: Sequence[str], incomplete: Sequence[str]
    ) -> None:
        """Delete a message now, once the deliveries ``waiting`` succeeded, or never.

        ``incomplete`` names the rules whose notify actions have services that cannot be
        used: the message is kept on the server then.

        Raises:
            StateStoreError: the mailbox cannot save the deletion request.
        """
        if incomplete:
            _LOGGER.warning(
                "%s: message %s is kept on the server: a notify action of rule '%s' has "
                "services that cannot be used",
                self._account,
                summary.uid,
                incomplete[0],
            )
        elif waiting:
            self._outbox.wait_for(summary.id, summary.uid, waiting)
            _LOGGER.info(
                "%s: message %s stays on the server until its deliveries succeed",
                self._account,
                summary.uid,
            )
        else:
            await self._mailbox.request_deletion([summary.uid])

    async def request_ready(self) -> bool:
        """Ask for the deletions whose deliveries all succeeded; true when there were any."""
        ready = self._outbox.ready_deletions()
        for summary_id, uid in ready.items():
            try:
                await self._mailbox.request_deletion([uid])
            except Exception as err:  # keep it for the next pass
                _LOGGER.warning(
                    "%s: cannot schedule message %s for deletion yet (%s)",
                    self._account,
                    uid,
                    type(err).__name__,
                )
                continue
            del self._outbox.deletions[summary_id]
            _LOGGER.info("%s: message %s will be deleted from the server", self._account, uid)
        return bool(ready)

    def cancel_for(self, entry: OutboxEntry) -> None:
        """``entry`` was given up: the messages waiting for it stay on the server."""
        for uid in self._outbox.abandon(entry.key):
            _LOGGER.warning(
                "%s: message %s is kept on the server: one of its deliveries was given up",
                self._account,
                uid,
            )
