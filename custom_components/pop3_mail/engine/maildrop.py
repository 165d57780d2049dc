"""Listing the maildrop in one session: the quick check first, the full listing when needed.

The first batch after login carries the post-login ``CAPA`` (RFC 2449: ``LOGIN-DELAY`` and
``EXPIRE`` may be per user) together with either the quick check (``STAT``, ``UIDL n``,
``LIST n``: see :mod:`pop3.quick_listing`) or ``STAT``, ``UIDL`` and ``LIST``. With
``PIPELINING`` that is one round trip either way; a quick check that fails costs one more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .dispatch.executor import ExecutorRunner
from .identity import message_identity
from .listing_cache import ListingSnapshot, listing_source
from .pop3 import Pop3Client, Reply, Request
from .pop3.capabilities import MAX_CAPA_LINES
from .pop3.quick_listing import Verdict, check_requests, judge, read_stat, stat_matches

IDENTITY_BATCH = 50
"""Messages identified per ``TOP n 0`` batch on servers without ``UIDL`` (one pipelined batch)."""
UNPIPELINED_QUICK_MIN = 1_000
"""Without PIPELINING the quick check costs a round trip per command, one more than the whole
listing when nothing changed: worth it only where the listing is long (1,000 messages: 35 kB)."""
INLINE_LISTING_MAX = 10_000
"""Longer listings are parsed by the executor runner: 50,000 ``UIDL`` and ``LIST`` lines take
about 75 ms of CPU, too long to hold Home Assistant's event loop."""

_CAPA = Request("CAPA", multiline=True, max_lines=MAX_CAPA_LINES)
_STAT = Request("STAT")
_UIDL = Request("UIDL", multiline=True)
_LIST = Request("LIST", multiline=True)


@dataclass(slots=True)
class Listing:
    """The maildrop as listed in one session: numbers and UIDs in message-number order."""

    numbers: list[int]
    uids: list[str]
    sizes: dict[int, int]
    """By message number; after a quick check only the last message's size is known."""
    total_size: int
    quick: bool = False
    """Taken over from the last full listing after the quick check passed."""
    snapshot: ListingSnapshot | None = field(default=None, repr=False)
    """What the next poll may stand on (``None``: the next poll lists in full)."""
    quick_unsupported: bool = False
    """The server refused ``UIDL n``/``LIST n``: stop trying the quick check."""
    _numbers_by_uid: dict[str, int] | None = field(default=None, init=False, repr=False)

    def number_of(self, uid: str) -> int | None:
        """The message number of ``uid`` in this session, ``None`` when it is not listed.

        Of two identical copies sharing a UID, the first.
        """
        if self._numbers_by_uid is None:  # built once: a search per new message is quadratic
            self._numbers_by_uid = {}
            for number, listed in zip(self.numbers, self.uids, strict=True):
                self._numbers_by_uid.setdefault(listed, number)
        return self._numbers_by_uid.get(uid)

    def size_of(self, number: int) -> int:
        """The ``LIST`` size of message ``number`` (0 when not known)."""
        return self.sizes.get(number, 0)

    def remove(self, number: int) -> None:
        """Drop a message marked with ``DELE`` (it is no longer listed in this session)."""
        index = self.numbers.index(number)
        del self.numbers[index], self.uids[index]
        self.total_size -= self.sizes.pop(number, 0)
        self._numbers_by_uid = None
        self.snapshot = None  # numbers change at QUIT: the next poll lists in full


async def list_maildrop(
    client: Pop3Client,
    previous: ListingSnapshot | None,
    *,
    now: float,
    read_capabilities: bool,
    run_blocking: ExecutorRunner,
) -> Listing:
    """List the maildrop, standing on ``previous`` when the quick check says nothing changed.

    ``previous`` is only passed when it is usable (:meth:`ListingSnapshot.usable`).
    ``read_capabilities`` adds the post-login ``CAPA`` to the first batch. ``run_blocking``
    parses long listings off the event loop.
    """
    capa = [_CAPA] if read_capabilities else []
    if (
        previous is not None
        and not client.capabilities.pipelining
        and len(previous.uids) < UNPIPELINED_QUICK_MIN
    ):
        previous = None
    stat: tuple[int, int] | None = None
    unsupported = False
    if previous is not None:
        verdict = await _quick_check(client, previous, capa)
        if verdict.unchanged:
            return _standing_on(previous)
        capa, stat, unsupported = [], verdict.stat, verdict.unsupported
    # STAT costs nothing when pipelined; without PIPELINING the LIST sizes stand in for it.
    ask_stat = stat is None and client.capabilities.pipelining
    replies = await client.batch([*capa, *([_STAT] if ask_stat else []), _UIDL, _LIST])
    if capa:
        client.take_capabilities(replies.pop(0))
    if ask_stat:
        stat = read_stat(replies.pop(0))
    uidl, listed = replies
    listing, real_uids = await _full_listing(client, uidl, listed, run_blocking)
    listing.quick_unsupported = unsupported
    if real_uids:
        listing.snapshot = _snapshot(listing, listing_source(client.settings), stat, now)
    return listing


async def _quick_check(
    client: Pop3Client, previous: ListingSnapshot, capa: list[Request]
) -> Verdict:
    mark = previous.mark
    requests = check_requests(mark)
    if client.capabilities.pipelining:
        replies = await client.batch([*capa, *requests])
    else:
        # One round trip per command: stop after STAT when it already tells of a change.
        replies = await client.batch([*capa, requests[0]])
        if stat_matches(mark, replies[-1]) and len(requests) > 1:
            replies += await client.batch(requests[1:])
    if capa:
        client.take_capabilities(replies.pop(0))
    return judge(mark, replies)


def _standing_on(previous: ListingSnapshot) -> Listing:
    count = len(previous.uids)
    return Listing(
        numbers=list(range(1, count + 1)),
        uids=list(previous.uids),
        sizes={count: previous.last_size} if count else {},
        total_size=previous.octets,
        quick=True,
        snapshot=previous,  # its time stays: the hourly full listing counts from it
    )


async def _full_listing(
    client: Pop3Client, uidl: Reply, listed: Reply, run_blocking: ExecutorRunner
) -> tuple[Listing, bool]:
    """The listing, and whether every message has a UID from ``UIDL``."""
    if len(listed.lines) + len(uidl.lines) > INLINE_LISTING_MAX:
        # Parsing reads the answers only (each Reply is this function's own): safe in a thread.
        sizes = await run_blocking(client.sizes_from, listed)
        uids = await run_blocking(client.uids_from, uidl)
    else:
        sizes = client.sizes_from(listed)
        uids = client.uids_from(uidl)
    numbers = sorted(sizes)
    if uids is None:
        uid_list = await _identities(client, numbers, sizes)
    else:
        uid_list = [uids.get(number, f"nouid-{number}-{sizes[number]}") for number in numbers]
    listing = Listing(numbers=numbers, uids=uid_list, sizes=sizes, total_size=sum(sizes.values()))
    return listing, uids is not None and all(number in uids for number in numbers)


async def _identities(client: Pop3Client, numbers: list[int], sizes: dict[int, int]) -> list[str]:
    """Stand-in UIDs from ``TOP n 0`` headers, for servers without ``UIDL``."""
    uid_list = []
    # Answers are reduced to identities batch by batch: a broken server sends whole messages
    # for TOP n 0 (up to 1 MB is kept of each), too much for a whole maildrop.
    for start in range(0, len(numbers), IDENTITY_BATCH):
        batch = numbers[start : start + IDENTITY_BATCH]
        headers = await client.top_many(batch, 0)
        for number in batch:
            top = headers[number]
            if isinstance(top, bytes):
                uid_list.append(message_identity(top, sizes[number]))
            else:  # TOP refused for this message: the size is all we have
                uid_list.append(f"size-{number}-{sizes[number]}")
    return uid_list


def _snapshot(
    listing: Listing, source: str, stat: tuple[int, int] | None, now: float
) -> ListingSnapshot | None:
    """What the next quick check may compare with, if this listing (with real UIDs) can be one.

    Not when the numbers have gaps (``UIDL n`` would ask for the wrong message) and not when
    ``STAT`` counts otherwise than ``LIST``. Without a ``STAT`` (no PIPELINING) the sizes add
    up to the octets; a server whose ``STAT`` says otherwise fails one quick check, and the
    listing that follows records its ``STAT``.
    """
    count = len(listing.numbers)
    if listing.numbers != list(range(1, count + 1)) or (stat is not None and stat[0] != count):
        return None
    return ListingSnapshot(
        source=source,
        uids=tuple(listing.uids),
        octets=listing.total_size if stat is None else stat[1],
        last_size=listing.sizes[count] if count else 0,
        listed_at=now,
    )
