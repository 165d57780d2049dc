"""One watched mailbox: a poll is one POP3 session that lists, tracks and summarises new mail.

This is the engine's main entry point for the Home Assistant integration and the daemon::

    mailbox = Mailbox(settings, JsonFileStore(path), PollOptions())
    result = await mailbox.poll(on_new=deliver)   # deliver() runs before state is committed

A poll that finds nothing new costs four round trips after the TLS handshake's two: login on
the capabilities remembered from the last session, the post-login ``CAPA`` pipelined with the
quick check that stands for the listing (``maildrop``), and a ``QUIT`` whose answer is not
awaited (``docs/performance.md`` says what each saves).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from .dispatch.executor import ExecutorRunner, default_executor_runner
from .errors import LoginDelayError
from .fetching import Summariser, fetch_new, latest_summary
from .listing_cache import ListingSnapshot, listing_source
from .mail.model import MailSummary
from .maildrop import IDENTITY_BATCH, Listing, list_maildrop
from .poll_result import (
    Announcement,
    NewMailHandler,
    PollOptions,
    PollResult,
    PollTimings,
    poll_timings,
)
from .poll_state import PollState
from .pop3 import Pop3Client, open_session
from .settings import ServerSettings
from .state_store import StateStore
from .tracking import MailTracker, TrackingState

__all__ = [
    "IDENTITY_BATCH",
    "Announcement",
    "Mailbox",
    "NewMailHandler",
    "PollOptions",
    "PollResult",
    "PollTimings",
]

_LOGGER = logging.getLogger(__name__)


class Mailbox:
    """Polls one maildrop and keeps its new/unread bookkeeping.

    Polls are serialised (one session per maildrop at a time), and never start sooner than the
    server's ``LOGIN-DELAY`` after the previous session.
    """

    def __init__(
        self,
        settings: ServerSettings,
        store: StateStore,
        options: PollOptions | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.time,
        executor_runner: ExecutorRunner | None = None,
    ) -> None:
        """Watch the mailbox described by ``settings``; state lives in ``store``.

        ``executor_runner`` summarises large mail off the event loop (Home Assistant passes
        ``hass.async_add_executor_job``; default: the loop's default executor).
        """
        self.settings = settings
        self.options = options or PollOptions()
        self._store = store
        self._ssl_context = ssl_context
        self._clock = clock
        self._run_blocking = executor_runner or default_executor_runner
        self._lock = asyncio.Lock()
        self._state: PollState | None = None
        self._saved: dict[str, Any] | None = None
        """The document last saved (an unchanged state is not written again)."""
        self._listing_uids: list[str] = []
        self._last_session_start: float | None = None
        self._login_delay: int | None = None
        self.last_result: PollResult | None = None

    @property
    def account_key(self) -> str:
        """``username@host:port``."""
        return self.settings.account_key

    @property
    def login_delay(self) -> int | None:
        """The server's minimum seconds between logins, once a session has told us."""
        return self._login_delay

    async def poll(
        self,
        *,
        on_new: NewMailHandler | None = None,
        wants_full: Callable[[MailSummary], bool] | None = None,
    ) -> PollResult:
        """Run one session: list, delete what was asked for, summarise new mail, commit.

        ``on_new`` gets the result when there is new mail, before it is committed as seen (see
        :data:`NewMailHandler`). ``wants_full`` selects new messages to fetch whole (``RETR``,
        e.g. to attach them to a notification); everything else comes from ``TOP``.

        Raises:
            LoginDelayError: the server's LOGIN-DELAY has not passed since the last session
                (raised before connecting; ``retry_after`` says when).
            Pop3Error: the session failed — one of its subclasses (:func:`.errors.classify`
                tells hosts what it means); the tracking state is left as it was.
            StateStoreError: the state could not be saved; the new mail is announced again.
            Exception: whatever ``on_new`` raised; its messages are announced again.

        """
        async with self._lock:
            self._check_login_delay()
            poll_state = await self._load_state()
            state = poll_state.tracking
            tracker = MailTracker(state, self.options.tracking)
            started = time.monotonic()
            now = self._last_session_start = self._clock()
            async with open_session(
                self.settings,
                ssl_context=self._ssl_context,
                profile=poll_state.server,
                read_capabilities=False,  # pipelined with the listing instead
            ) as client:
                connected = time.monotonic()
                previous = _usable_listing(poll_state, listing_source(self.settings), now)
                listing = await list_maildrop(
                    client,
                    previous,
                    now=now,
                    read_capabilities=True,
                    run_blocking=self._run_blocking,
                )
                self._login_delay = client.capabilities.login_delay
                deleted = await self._delete_pending(client, listing, state)
                listed = time.monotonic()
                # Listing, tracking and fetching each take milliseconds on a big maildrop and
                # none of them waits for the network on its own: let other tasks in between.
                await asyncio.sleep(0)
                reconciliation = tracker.reconcile(listing.uids, now)
                await asyncio.sleep(0)
                to_fetch = _newest(reconciliation.new_uids, self.options.max_new_per_poll)
                # Per poll: the daemon may move an account to a newly found server.
                summariser = Summariser(self.account_key, self.options, self._run_blocking)
                new_messages, full = await fetch_new(
                    client, listing, to_fetch, summariser, wants_full
                )
                latest = await latest_summary(
                    client, listing, state.latest, new_messages, summariser
                )
                stats = client.stats
                profile = client.profile
            finished = time.monotonic()
            if deleted:
                state.pending_deletion.difference_update(deleted)

            result = PollResult(
                account_key=self.account_key,
                checked_at=datetime.now(UTC),
                message_count=len(listing.uids),
                total_size=listing.total_size,
                unread=tracker.unread(listing.uids),
                new_messages=new_messages,
                latest=latest,
                capabilities=client.capabilities,
                timings=poll_timings(started, connected, listed, finished, stats),
                baseline=reconciliation.baseline,
                storm=reconciliation.storm,
                remaining_new=len(reconciliation.new_uids) - len(to_fetch),
                deleted=tuple(deleted),
                full_messages=full,
            )
            if reconciliation.storm:
                _LOGGER.warning(
                    "%s: most message IDs changed at once (server re-index?); treating the "
                    "mailbox as already seen instead of announcing %d messages",
                    self.account_key,
                    len(listing.uids),
                )
            self._listing_uids = listing.uids
            announced = [summary.uid for summary in new_messages]
            outcome = Announcement.DONE
            if new_messages and on_new is not None:
                # Marked announced only afterwards: a save the handler causes (acknowledge,
                # deletion request) must not persist messages it has not handled yet.
                try:
                    outcome = await on_new(result) or Announcement.DONE
                except BaseException:
                    tracker.forget(announced)  # also those it acknowledged: announce again
                    raise
            if outcome is Announcement.DEFERRED:
                tracker.forget(announced)
            else:
                tracker.mark_announced(announced)
            if new_messages and on_new is not None:
                result = replace(result, unread=tracker.unread(listing.uids))
            state.latest = latest.as_dict() if latest else None
            poll_state.listing, poll_state.server = listing.snapshot, profile
            poll_state.quick_listing = poll_state.quick_listing and not listing.quick_unsupported
            await self._save()
            self.last_result = result
            return result

    async def acknowledge(self, uid: str | None = None) -> int:
        """Mark one message (or, with ``None``, everything listed by the last poll) as read.

        Returns the new unread count. Nothing is sent to the server. Safe to call from an
        ``on_new`` handler.

        Raises:
            KeyError: ``uid`` was not listed by the last poll.
            StateStoreError: the state could not be saved.

        """
        if uid is not None and uid not in self._listing_uids:
            raise KeyError(uid)
        state = (await self._load_state()).tracking
        tracker = MailTracker(state, self.options.tracking)
        if tracker.acknowledge(self._listing_uids, uid):
            await self._save()
        return tracker.unread(self._listing_uids)

    async def request_deletion(self, uids: Sequence[str]) -> None:
        """Delete these messages from the server in the next session (persisted until done).

        Safe to call from an ``on_new`` handler.

        Raises:
            StateStoreError: the request could not be saved (nothing will be deleted).

        """
        (await self._load_state()).tracking.pending_deletion.update(uids)
        await self._save()

    @property
    def unread(self) -> int | None:
        """Unread count as of the last poll or acknowledgement, ``None`` before the first poll."""
        if self._state is None or self.last_result is None:
            return None
        tracker = MailTracker(self._state.tracking, self.options.tracking)
        return tracker.unread(self._listing_uids)

    def _check_login_delay(self) -> None:
        if self._login_delay is None or self._last_session_start is None:
            return
        wait = self._last_session_start + self._login_delay - self._clock()
        if wait > 0:
            raise LoginDelayError(
                f"the server allows one login every {self._login_delay} s; "
                f"next check possible in {int(wait) + 1} s",
                response_code="LOGIN-DELAY",
                retry_after=wait,
            )

    async def _load_state(self) -> PollState:
        if self._state is None:
            document = await self._store.load()
            self._state = PollState.from_json(document)
            # What the store holds, if it is what this state saves as (not an older version).
            self._saved = document if document == self._state.to_json() else None
        return self._state

    async def _save(self) -> None:
        assert self._state is not None
        document = self._state.to_json()
        # Most polls change nothing; writing (and fsyncing) the same document again would cost
        # a 2.5 MB write every few minutes for a 50,000-message maildrop.
        if document != self._saved:
            await self._store.save(document)
            self._saved = document

    async def _delete_pending(
        self, client: Pop3Client, listing: Listing, state: TrackingState
    ) -> list[str]:
        """DELE messages whose deletion was requested; they vanish from ``listing``."""
        if not state.pending_deletion:
            return []
        deleted = []
        for uid in sorted(state.pending_deletion):
            number = listing.number_of(uid)
            if number is None:
                state.pending_deletion.discard(uid)  # already gone
                continue
            await client.dele(number)
            deleted.append(uid)
            listing.remove(number)
        return deleted


def _usable_listing(state: PollState, source: str, now: float) -> ListingSnapshot | None:
    """The last full listing, if a quick check may stand for a new one (else list in full).

    Not while deletions are pending: ``DELE`` needs this session's numbers of those UIDs.
    """
    snapshot = state.listing
    if snapshot is None or not state.quick_listing or state.tracking.pending_deletion:
        return None
    return snapshot if snapshot.usable(source, now, state.tracking.seen) else None


def _newest(uids: Sequence[str], limit: int) -> tuple[str, ...]:
    """The ``limit`` newest UIDs, still in oldest-first order."""
    return tuple(uids[-limit:]) if limit > 0 else ()
