"""Whether a maildrop changed since its last full listing, from ``STAT``, ``UIDL n``, ``LIST n``.

No I/O: this module builds the commands and judges their answers; the engine's
``maildrop`` module sends them (pipelined with the post-login ``CAPA``).

Why three one-line answers can stand for a listing of thousands (RFC 1939):

- A UID is never reused in a maildrop (§7: "the server should never reuse an unique-id in a
  given maildrop"), and servers number messages in arrival order, new mail last.
- So if the message numbered ``n`` (the old count) still has the UID the last listing ended
  with, no message arrived after it; and if the count is still ``n``, none was deleted either
  (a deletion would need an arrival to keep the count). The listing is the old one.
- The total octets (``STAT``) and the last message's size (``LIST n``) must match as well: a
  second, independent witness, and the only one on servers whose UIDs are content hashes.

Where it can be fooled, and why that is tolerable:

- A server that inserts new mail *before* the last message (ordering by date, not by arrival)
  while another client deletes one of the same size: count, octets and the last UID all stay.
- A server that reuses the last message's UID for a different message of the same size.

Both break RFC 1939's intent and need a coincidence of exact sizes; the engine still takes a
full listing at least once an hour (``listing_cache.FULL_LISTING_INTERVAL``), so such a message
is announced late, never lost. Anything that fails the check (another count, other octets,
another last UID or size, ``-ERR`` to ``UIDL n`` or ``LIST n``, an answer that does not parse)
takes the full listing at once, in the same session.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ProtocolError
from .batch import Reply, Request
from .listing import parse_list, parse_stat, parse_uidl


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingMark:
    """How the last full listing ended: what the quick check compares with."""

    count: int
    octets: int
    """Total size as ``STAT`` gave it (not necessarily the sum of the ``LIST`` sizes)."""
    last_uid: str
    """UID of message ``count`` (unused when ``count`` is 0)."""
    last_size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What the quick check found."""

    unchanged: bool
    stat: tuple[int, int] | None
    """This session's ``STAT`` (``None`` if unreadable): reusable for the full listing."""
    unsupported: bool = False
    """The server refused ``UIDL n`` or ``LIST n`` for a message it has: do not ask again."""


def check_requests(mark: ListingMark) -> list[Request]:
    """``STAT``, then ``UIDL n`` and ``LIST n`` for the last message of the last listing."""
    if mark.count == 0:
        return [Request("STAT")]
    return [Request("STAT"), Request(f"UIDL {mark.count}"), Request(f"LIST {mark.count}")]


def judge(mark: ListingMark, replies: list[Reply]) -> Verdict:
    """Compare the answers to :func:`check_requests` (all or a leading part) with ``mark``.

    Fewer replies than requests mean the caller stopped after ``STAT`` (no PIPELINING: each
    answer costs a round trip) because the count or size already differed.
    """
    stat = read_stat(replies[0])
    if stat != (mark.count, mark.octets):
        return Verdict(unchanged=False, stat=stat)
    if mark.count == 0:
        return Verdict(unchanged=True, stat=stat)
    if len(replies) < 3:
        return Verdict(unchanged=False, stat=stat)
    uid_reply, size_reply = replies[1], replies[2]
    if not (uid_reply.status.ok and size_reply.status.ok):
        # The message exists (STAT says so): the server lacks the one-message forms.
        return Verdict(unchanged=False, stat=stat, unsupported=True)
    try:
        uids = parse_uidl([uid_reply.status.text.encode()]).uids
        sizes = parse_list([size_reply.status.text.encode()])
    except ProtocolError:
        return Verdict(unchanged=False, stat=stat, unsupported=True)
    unchanged = uids.get(mark.count) == mark.last_uid and sizes.get(mark.count) == mark.last_size
    return Verdict(unchanged=unchanged, stat=stat)


def stat_matches(mark: ListingMark, reply: Reply) -> bool:
    """Whether a ``STAT`` answer alone still agrees with ``mark`` (worth asking the rest)."""
    return read_stat(reply) == (mark.count, mark.octets)


def read_stat(reply: Reply) -> tuple[int, int] | None:
    """``(count, octets)`` from a ``STAT`` answer; ``None`` for ``-ERR`` or an unreadable one."""
    if not reply.status.ok:
        return None
    try:
        return parse_stat(reply.status.text)
    except ProtocolError:
        return None
