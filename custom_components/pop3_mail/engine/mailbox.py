"""One watched mailbox: a poll is one POP3 session that lists, tracks and summarises new mail.

This is the engine's main entry point for the Home Assistant integration and the daemon::

    mailbox = Mailbox(settings, JsonFileStore(path), PollOptions())
    result = await mailbox.poll(on_new=deliver)   # deliver() runs before state is committed
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from .errors import LoginDelayError
from .identity import message_identity
from .mail import summarize
from .mail.model import MailSummary
from .pop3 import Capabilities, Pop3Client, RetrievedMessage, SessionStats, open_session
from .settings import ServerSettings
from .state_store import StateStore
from .tracking import MailTracker, TrackingOptions, TrackingState

_LOGGER = logging.getLogger(__name__)

IDENTITY_BATCH = 50
"""Messages identified per ``TOP n 0`` batch on servers without ``UIDL`` (one pipelined batch)."""


class Announcement(Enum):
    """What a :data:`NewMailHandler` did with a poll's new mail."""

    DONE = "done"
    """The mail was announced: it is committed as seen (also what returning ``None`` means)."""
    DEFERRED = "deferred"
    """The host cannot announce yet (Home Assistant still starting): the mail stays new and is
    announced by the next poll; the poll itself succeeded."""


NewMailHandler = Callable[["PollResult"], Awaitable[Announcement | None]]
"""Called with the result of a poll that found new mail, after the session ended and before
the new UIDs are committed to the store.

If it raises, or returns :attr:`Announcement.DEFERRED`, the messages are announced again by
the next poll (at-least-once delivery).
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class PollOptions:
    """What one poll fetches and how it counts."""

    snippet_length: int = 200
    top_lines: int = 50
    """Body lines fetched with ``TOP`` for the snippet (headers are always fetched)."""
    max_new_per_poll: int = 20
    """At most this many new messages are summarised per poll (newest first); the rest wait."""
    full_message_max_bytes: int = 10 * 1024 * 1024
    """Cap for messages fetched whole with ``RETR`` (only when ``wants_full`` asks)."""
    tracking: TrackingOptions = field(default_factory=TrackingOptions)


@dataclass(frozen=True, slots=True, kw_only=True)
class PollTimings:
    """Where a poll spent its time (seconds) and what it cost on the wire."""

    connect: float
    listing: float
    fetch: float
    total: float
    bytes_sent: int
    bytes_received: int
    round_trips: int
    commands: int

    def as_dict(self) -> dict[str, float | int]:
        """JSON-ready form."""
        return {
            "connect": round(self.connect, 4),
            "listing": round(self.listing, 4),
            "fetch": round(self.fetch, 4),
            "total": round(self.total, 4),
            "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received,
            "round_trips": self.round_trips,
            "commands": self.commands,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PollResult:
    """What one poll found.

    ``new_messages`` are oldest first. ``full_messages`` holds whole messages fetched because
    ``wants_full`` asked for them (keyed by UID). ``remaining_new`` counts new messages left for
    the next poll by ``max_new_per_poll``.
    """

    account_key: str
    checked_at: datetime
    message_count: int
    total_size: int
    unread: int
    new_messages: tuple[MailSummary, ...]
    latest: MailSummary | None
    capabilities: Capabilities
    timings: PollTimings
    baseline: bool = False
    storm: bool = False
    remaining_new: int = 0
    deleted: tuple[str, ...] = ()
    full_messages: dict[str, RetrievedMessage] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (without full message bodies)."""
        return {
            "account": self.account_key,
            "checked_at": self.checked_at.isoformat(),
            "message_count": self.message_count,
            "total_size": self.total_size,
            "unread": self.unread,
            "new_messages": [summary.as_dict() for summary in self.new_messages],
            "latest": self.latest.as_dict() if self.latest else None,
            "capabilities": self.capabilities.as_list(),
            "timings": self.timings.as_dict(),
            "baseline": self.baseline,
            "storm": self.storm,
            "remaining_new": self.remaining_new,
            "deleted": list(self.deleted),
        }


@dataclass(slots=True)
class _Listing:
    """The maildrop as listed in one session: parallel lists in message-number order."""

    numbers: list[int]
    uids: list[str]
    sizes: list[int]

    def number_of(self, uid: str) -> int | None:
        try:
            return self.numbers[self.uids.index(uid)]
        except ValueError:
            return None


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
    ) -> None:
        """Watch the mailbox described by ``settings``; state lives in ``store``."""
        self.settings = settings
        self.options = options or PollOptions()
        self._store = store
        self._ssl_context = ssl_context
        self._clock = clock
        self._lock = asyncio.Lock()
        self._state: TrackingState | None = None
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
            state = await self._load_state()
            tracker = MailTracker(state, self.options.tracking)
            started = time.monotonic()
            self._last_session_start = self._clock()
            async with open_session(self.settings, ssl_context=self._ssl_context) as client:
                connected = time.monotonic()
                self._login_delay = client.capabilities.login_delay
                listing = await self._list(client)
                deleted = await self._delete_pending(client, listing, state)
                listed = time.monotonic()
                reconciliation = tracker.reconcile(listing.uids, self._clock())
                to_fetch = _newest(reconciliation.new_uids, self.options.max_new_per_poll)
                new_messages, full = await self._summarise(client, listing, to_fetch, wants_full)
                latest = await self._latest(client, listing, state, new_messages)
                stats = client.stats
            finished = time.monotonic()
            if deleted:
                state.pending_deletion.difference_update(deleted)

            result = PollResult(
                account_key=self.account_key,
                checked_at=datetime.now(UTC),
                message_count=len(listing.uids),
                total_size=sum(listing.sizes),
                unread=tracker.unread(listing.uids),
                new_messages=new_messages,
                latest=latest,
                capabilities=client.capabilities,
                timings=_timings(started, connected, listed, finished, stats),
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
            await self._store.save(state.to_json())
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
        state = await self._load_state()
        tracker = MailTracker(state, self.options.tracking)
        if tracker.acknowledge(self._listing_uids, uid):
            await self._store.save(state.to_json())
        return tracker.unread(self._listing_uids)

    async def request_deletion(self, uids: Sequence[str]) -> None:
        """Delete these messages from the server in the next session (persisted until done).

        Safe to call from an ``on_new`` handler.

        Raises:
            StateStoreError: the request could not be saved (nothing will be deleted).

        """
        state = await self._load_state()
        state.pending_deletion.update(uids)
        await self._store.save(state.to_json())

    @property
    def unread(self) -> int | None:
        """Unread count as of the last poll or acknowledgement, ``None`` before the first poll."""
        if self._state is None or self.last_result is None:
            return None
        return MailTracker(self._state, self.options.tracking).unread(self._listing_uids)

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

    async def _load_state(self) -> TrackingState:
        if self._state is None:
            self._state = TrackingState.from_json(await self._store.load())
        return self._state

    async def _list(self, client: Pop3Client) -> _Listing:
        sizes, uids = await client.list_and_uidl()
        numbers = sorted(sizes)
        if uids is None:
            uid_list = []
            # Answers are reduced to identities batch by batch: a broken server sends whole
            # messages for TOP n 0 (up to 1 MB is kept of each), too much for a whole maildrop.
            for start in range(0, len(numbers), IDENTITY_BATCH):
                batch = numbers[start : start + IDENTITY_BATCH]
                headers = await client.top_many(batch, 0)
                for number in batch:
                    top = headers[number]
                    if isinstance(top, bytes):
                        uid_list.append(message_identity(top, sizes[number]))
                    else:  # TOP refused for this message: the size is all we have
                        uid_list.append(f"size-{number}-{sizes[number]}")
        else:
            uid_list = [uids.get(number, f"nouid-{number}-{sizes[number]}") for number in numbers]
        return _Listing(numbers=numbers, uids=uid_list, sizes=[sizes[n] for n in numbers])

    async def _delete_pending(
        self, client: Pop3Client, listing: _Listing, state: TrackingState
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
            index = listing.numbers.index(number)
            del listing.numbers[index], listing.uids[index], listing.sizes[index]
        return deleted

    async def _summarise(
        self,
        client: Pop3Client,
        listing: _Listing,
        uids: Sequence[str],
        wants_full: Callable[[MailSummary], bool] | None,
    ) -> tuple[tuple[MailSummary, ...], dict[str, RetrievedMessage]]:
        """Summaries of ``uids`` (oldest first), plus whole messages ``wants_full`` selected."""
        if not uids:
            return (), {}
        numbered = [(listing.number_of(uid), uid) for uid in uids]
        by_number = {number: uid for number, uid in numbered if number is not None}
        tops = await client.top_many(sorted(by_number), self.options.top_lines)
        summaries: list[MailSummary] = []
        full: dict[str, RetrievedMessage] = {}
        for number in sorted(by_number):
            uid = by_number[number]
            size = listing.sizes[listing.numbers.index(number)]
            top = tops.get(number)
            summary = self._summary(top if isinstance(top, bytes) else b"", uid, number, size)
            if wants_full is not None and wants_full(summary):
                message = await client.retr(number, max_bytes=self.options.full_message_max_bytes)
                full[uid] = message
                summary = self._summary(
                    message.data, uid, number, size, complete=not message.truncated
                )
            summaries.append(summary)
        return tuple(summaries), full

    async def _latest(
        self,
        client: Pop3Client,
        listing: _Listing,
        state: TrackingState,
        fresh: Sequence[MailSummary],
    ) -> MailSummary | None:
        """Summary of the highest-numbered message, reusing what this poll or the state has."""
        if not listing.numbers:
            return None
        number, uid, size = listing.numbers[-1], listing.uids[-1], listing.sizes[-1]
        for summary in fresh:
            if summary.uid == uid:
                return summary
        if state.latest and state.latest.get("uid") == uid:
            cached = _cached_summary({**state.latest, "number": number})
            if cached is not None:
                return cached
        # Like new mail: a server that refuses TOP still gets a (header-less) summary.
        top = (await client.top_many([number], self.options.top_lines)).get(number)
        return self._summary(top if isinstance(top, bytes) else b"", uid, number, size)

    def _summary(
        self, raw: bytes, uid: str, number: int, size: int, *, complete: bool = False
    ) -> MailSummary:
        return summarize(
            raw,
            account_key=self.account_key,
            uid=uid,
            number=number,
            size=size,
            snippet_length=self.options.snippet_length,
            complete=complete,
        )


def _cached_summary(data: dict[str, Any]) -> MailSummary | None:
    """The summary kept in the state, or ``None`` when it is damaged or from another layout."""
    try:
        return MailSummary.from_dict(data)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def _newest(uids: Sequence[str], limit: int) -> tuple[str, ...]:
    """The ``limit`` newest UIDs, still in oldest-first order."""
    return tuple(uids[-limit:]) if limit > 0 else ()


def _timings(
    started: float, connected: float, listed: float, finished: float, stats: SessionStats
) -> PollTimings:
    return PollTimings(
        connect=connected - started,
        listing=listed - connected,
        fetch=finished - listed,
        total=finished - started,
        bytes_sent=stats.bytes_sent,
        bytes_received=stats.bytes_received,
        round_trips=stats.round_trips,
        commands=stats.commands,
    )
