"""How blocking work (apprise, parsing whole messages) leaves the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol


class ExecutorRunner(Protocol):
    """Runs a blocking callable in a worker thread, like ``hass.async_add_executor_job``."""

    def __call__[T](self, func: Callable[..., T], /, *args: Any) -> Awaitable[T]:
        """Schedule ``func(*args)`` off the event loop; the awaitable gives its result."""
        ...


def default_executor_runner[T](func: Callable[..., T], /, *args: Any) -> Awaitable[T]:
    """Run ``func(*args)`` in the event loop's default executor."""
    return asyncio.get_running_loop().run_in_executor(None, func, *args)
