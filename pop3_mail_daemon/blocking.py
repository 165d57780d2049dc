"""Blocking work (apprise, whole-message parsing) in daemon threads, so it cannot delay an exit.

A notification service that accepts the connection and never answers holds its thread until
apprise's read timeout, which a URL may set to minutes (``?rto=300``). In the event loop's
default executor such a thread keeps the process alive after shutdown: ``asyncio.run`` and the
interpreter both join executor threads. A daemon thread is abandoned at exit instead; the
delivery it was making was not confirmed, so the outbox (or the next poll) sends it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable
from typing import Any


def run_in_daemon_thread[T](func: Callable[..., T], /, *args: Any) -> asyncio.Future[T]:
    """Run ``func(*args)`` in a new daemon thread; the future gives its result or exception.

    Matches ``dispatch.executor.ExecutorRunner``. Cancelling the future does not stop the
    thread; its late result is dropped.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def report(outcome: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(outcome)

    def work() -> None:
        try:
            result = func(*args)
        except BaseException as err:  # handed on to the awaiting coroutine
            report(functools.partial(_set_exception, future, err))
        else:
            report(functools.partial(_set_result, future, result))

    name = getattr(func, "__qualname__", "job")
    threading.Thread(target=work, name=f"pop3_mail {name}", daemon=True).start()
    return future


def _set_result[T](future: asyncio.Future[T], result: T) -> None:
    if not future.done():
        future.set_result(result)


def _set_exception(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
