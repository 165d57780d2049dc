"""Local HTTP endpoints for tests: an aiohttp application served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web


@asynccontextmanager
async def serve_on_loopback(app: web.Application, **runner_options: Any) -> AsyncIterator[int]:
    """Serve ``app`` on 127.0.0.1 at a free port (yielded) until the block ends."""
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()
