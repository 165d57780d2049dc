"""The outbox's own schedule: a task that sleeps until the next delivery is due, then retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from .outbox import Outbox

_LOGGER = logging.getLogger(__name__)

_MAX_IDLE_WAIT = 60.0
_ERROR_PAUSE = 5.0


class Cancellable(Protocol):
    """A timer that can be called off (``asyncio.TimerHandle``)."""

    def cancel(self) -> None:
        """Do not run the callback."""


CallLater = Callable[[float, Callable[[], None]], Cancellable]
"""Runs a callback after some seconds, like ``loop.call_later``."""


class RetryLoop:
    """Calls ``retry_due`` whenever an entry of ``outbox`` is due, and at least every minute."""

    def __init__(
        self,
        *,
        account: str,
        outbox: Outbox,
        retry_due: Callable[[], Awaitable[object]],
        clock: Callable[[], float],
        call_later: CallLater | None = None,
    ) -> None:
        """A loop for ``account``'s ``outbox``; ``call_later`` is the event loop's by default."""
        self._account = account
        self._outbox = outbox
        self._retry_due = retry_due
        self._clock = clock
        self._call_later = call_later
        self._waiter: asyncio.Future[None] | None = None
        """What the idle retry loop awaits; its timer resolves it."""
        self._timer: Cancellable | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the loop (unless it runs already)."""
        if self._task is None:
            self._task = asyncio.create_task(
                self._run(), name=f"pop3_mail dispatch retries ({self._account})"
            )

    async def stop(self) -> None:
        """Stop the loop, and wait until it has."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def arm(self, delay: float | None = None) -> None:
        """(Re)set the idle loop's timer for the next due delivery (or ``delay`` seconds).

        Called whenever the outbox changed, so the timer always follows the schedule as it is
        now; a loop that is busy retrying sets it itself when it is done.
        """
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if delay is None:
            next_at = self._outbox.next_attempt()
            delay = _MAX_IDLE_WAIT if next_at is None else max(next_at - self._clock(), 0.0)
        if self._timer is not None:
            self._timer.cancel()

        def expire() -> None:
            if not waiter.done():
                waiter.set_result(None)

        # The timer resolves the future the loop awaits directly: no helper task in between,
        # so the loop resumes in the very next iteration of the event loop.
        call_later = self._call_later or asyncio.get_running_loop().call_later
        self._timer = call_later(min(delay, _MAX_IDLE_WAIT), expire)

    async def _run(self) -> None:
        pause: float | None = None
        while True:
            await self._sleep_until_due(pause)
            pause = None
            next_at = self._outbox.next_attempt()
            if next_at is None or next_at > self._clock():
                continue  # the idle timer, or a clock that jumped: look at the schedule again
            try:
                await self._retry_due()
            except Exception as err:  # the loop must outlive a full disk
                _LOGGER.warning(
                    "%s: outbox retry failed (%s); trying again shortly",
                    self._account,
                    type(err).__name__,
                )
                pause = _ERROR_PAUSE

    async def _sleep_until_due(self, pause: float | None) -> None:
        """Wait until the next delivery is due (or ``pause`` seconds), at most a minute."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        self.arm(pause)
        try:
            await waiter
        finally:
            self._waiter = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
