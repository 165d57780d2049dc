"""Local HTTP endpoints for tests: an aiohttp application served on 127.0.0.1."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web


@asynccontextmanager
async def serve_on_loopback(
    app: web.Application, *, ssl_context: ssl.SSLContext | None = None, **runner_options: Any
) -> AsyncIterator[int]:
    """Serve ``app`` on 127.0.0.1 at a free port (yielded) until the block ends.

    With ``ssl_context`` it speaks HTTPS.
    """
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context).start()
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()
