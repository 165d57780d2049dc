"""Fetching and summarising a poll's new mail without holding up the event loop.

In Home Assistant a poll runs on the event loop, where nothing may run long at a stretch.
Parsing is the one CPU-heavy step: a summary of a ``TOP`` answer takes well under a millisecond,
one of a 10 MB message fetched whole tens of milliseconds. So mail larger than
``PollOptions.inline_summary_max_bytes`` is summarised by the host's executor runner (Home
Assistant: ``hass.async_add_executor_job``), smaller mail on the loop one message at a time,
yielding to other tasks in between (``bench/loop_stall.py`` measures the longest stall).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from .dispatch.executor import ExecutorRunner
from .mail import summarize
from .mail.model import MailSummary
from .maildrop import Listing
from .poll_result import PollOptions
from .pop3 import Pop3Client, RetrievedMessage


class Summariser:
    """Summaries for one account: small mail on the loop, large mail in the executor."""

    def __init__(
        self, account_key: str, options: PollOptions, run_blocking: ExecutorRunner
    ) -> None:
        """Summarise with ``options``; ``run_blocking`` takes the large messages."""
        self.account_key = account_key
        self.options = options
        self._run_blocking = run_blocking

    async def summary(
        self, raw: bytes, uid: str, number: int, size: int, *, complete: bool = False
    ) -> MailSummary:
        """The summary of ``raw`` (a ``TOP`` answer, or the whole message when ``complete``)."""
        summarise = partial(
            summarize,
            raw,
            account_key=self.account_key,
            uid=uid,
            number=number,
            size=size,
            snippet_length=self.options.snippet_length,
            complete=complete,
        )
        if len(raw) > self.options.inline_summary_max_bytes:
            return await self._run_blocking(summarise)
        summary = summarise()
        await asyncio.sleep(0)  # one message per stretch: let other tasks run in between
        return summary


async def fetch_new(
    client: Pop3Client,
    listing: Listing,
    uids: Sequence[str],
    summariser: Summariser,
    wants_full: Callable[[MailSummary], bool] | None,
) -> tuple[tuple[MailSummary, ...], dict[str, RetrievedMessage]]:
    """Summaries of ``uids`` (oldest first), plus whole messages ``wants_full`` selected."""
    if not uids:
        return (), {}
    options = summariser.options
    numbered = [(listing.number_of(uid), uid) for uid in uids]
    by_number = {number: uid for number, uid in numbered if number is not None}
    tops = await client.top_many(sorted(by_number), options.top_lines)
    summaries: list[MailSummary] = []
    full: dict[str, RetrievedMessage] = {}
    for number in sorted(by_number):
        uid, size = by_number[number], listing.size_of(number)
        top = tops.get(number)
        summary = await summariser.summary(
            top if isinstance(top, bytes) else b"", uid, number, size
        )
        if wants_full is not None and wants_full(summary):
            message = await client.retr(number, max_bytes=options.full_message_max_bytes)
            full[uid] = message
            summary = await summariser.summary(
                message.data, uid, number, size, complete=not message.truncated
            )
        summaries.append(summary)
    return tuple(summaries), full


async def latest_summary(
    client: Pop3Client,
    listing: Listing,
    cached: dict[str, Any] | None,
    fresh: Sequence[MailSummary],
    summariser: Summariser,
) -> MailSummary | None:
    """Summary of the highest-numbered message, reusing this poll's or the ``cached`` one."""
    if not listing.numbers:
        return None
    number, uid = listing.numbers[-1], listing.uids[-1]
    for summary in fresh:
        if summary.uid == uid:
            return summary
    if cached and cached.get("uid") == uid:
        kept = _cached_summary({**cached, "number": number})
        if kept is not None:
            return kept
    # Like new mail: a server that refuses TOP still gets a (header-less) summary.
    top = (await client.top_many([number], summariser.options.top_lines)).get(number)
    raw = top if isinstance(top, bytes) else b""
    return await summariser.summary(raw, uid, number, listing.size_of(number))


def _cached_summary(data: dict[str, Any]) -> MailSummary | None:
    """The summary kept in the state, or ``None`` when it is damaged or from another layout."""
    try:
        return MailSummary.from_dict(data)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
