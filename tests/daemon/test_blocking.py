"""Blocking work in daemon threads (pop3_mail_daemon.blocking)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from pop3_mail_daemon.blocking import run_in_daemon_thread
from tests.daemon.helpers import eventually


def _fail(message: str) -> None:
    raise ValueError(message)


def _ours() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("pop3_mail ")]


async def test_result_exception_and_daemon_thread() -> None:
    assert await run_in_daemon_thread(sum, [1, 2, 3]) == 6
    with pytest.raises(ValueError, match="boom"):
        await run_in_daemon_thread(_fail, "boom")
    assert await run_in_daemon_thread(lambda: threading.current_thread().daemon) is True
    await eventually(lambda: not _ours())


async def test_a_result_after_cancellation_is_dropped_quietly() -> None:
    loop = asyncio.get_running_loop()
    problems: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: problems.append(context))
    try:
        release = threading.Event()
        future = run_in_daemon_thread(release.wait, 30)
        future.cancel()
        release.set()
        await eventually(lambda: not _ours())
        await asyncio.sleep(0)  # the thread's report runs on the loop
        assert problems == []
        assert future.cancelled()
    finally:
        loop.set_exception_handler(None)
