"""A local OAuth 2 provider for the tests: aiohttp on 127.0.0.1, in a thread of its own.

Endpoints (form-encoded POSTs answered with JSON, as real providers do)::

    POST /device      device authorization (RFC 8628)
    POST /token       tokens: device code, authorization code (PKCE), refresh (with rotation)
    POST /introspect  token introspection (RFC 7662), what Dovecot's oauth2 passdb calls
    POST /revoke      revocation (RFC 7009)
    GET  /authorize   the browser sign-in: redirects at once with a code (or an error)

It runs in its own thread and event loop so that one provider can serve a whole test session:
Dovecot (a separate process, configured once with the introspection URL), Home Assistant's
event loop and the daemon's processes all reach it the same way, over loopback. Tests script it
through :attr:`OAuthProvider.state` (see :mod:`.oauth_state`) and :meth:`OAuthProvider.down`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

from aiohttp import web
from yarl import URL

from .oauth_state import Answer, ProviderState
from .ports import free_port

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class OAuthProvider:
    """The provider; :meth:`start` it, :meth:`stop` it at the end."""

    def __init__(self) -> None:
        """A provider with an empty state on a free port (nothing listens before ``start``)."""
        self.state = ProviderState()
        self.port = free_port()
        self.host = "127.0.0.1"
        self._down = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """The URL of an endpoint (``/token``...)."""
        return self.base_url + path

    def reset(self) -> ProviderState:
        """Forget everything (a new test); returns the new state."""
        self.state = ProviderState()
        return self.state

    def start(self) -> OAuthProvider:
        """Serve until :meth:`stop`."""
        self._thread.start()
        self._call(self._start())
        return self

    def stop(self) -> None:
        """Stop serving and end the thread."""
        if self._runner is not None:
            self._call(self._runner.cleanup())
            self._runner = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    @contextmanager
    def down(self) -> Iterator[None]:
        """The provider is unreachable while the block runs: nothing listens, open connections
        are cut; afterwards it is back on the same port with the same state."""
        self._down = True
        self._call(self._stop_listening())
        try:
            yield
        finally:
            self._down = False
            self._call(self._listen())

    # -- serving -----------------------------------------------------------------------------

    def _call(self, coroutine: Awaitable[Any]) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(_as_coroutine(coroutine), self._loop)
        return future.result(timeout=10)

    async def _start(self) -> None:
        app = web.Application(middlewares=[self._outage])
        app.router.add_post("/device", self._form("device_authorization"))
        app.router.add_post("/token", self._form("token"))
        app.router.add_post("/introspect", self._form("introspect"))
        app.router.add_post("/revoke", self._form("revoke"))
        app.router.add_get("/authorize", self._authorize)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await self._site.start()

    async def _stop_listening(self) -> None:
        if self._site is not None:
            await self._site.stop()
            self._site = None

    @web.middleware
    async def _outage(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # A kept-alive connection survives the listener: cut it, as a dead provider would.
        if self._down and request.transport is not None:
            request.transport.abort()
            raise web.HTTPServiceUnavailable
        return await handler(request)

    def _form(self, endpoint: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        """A handler calling ``endpoint`` of the *current* state (tests may replace it)."""

        async def handle(request: web.Request) -> web.Response:
            form = {key: str(value) for key, value in (await request.post()).items()}
            method: Callable[..., Answer] = getattr(self.state, endpoint)
            if endpoint == "device_authorization":
                status, document = method(form, self.base_url)
            else:
                status, document = method(form)
            return web.json_response(document, status=status)

        return handle

    async def _authorize(self, request: web.Request) -> web.Response:
        target, parameters = self.state.authorize(dict(request.query))
        raise web.HTTPFound(str(URL(target).update_query(parameters)))


async def _as_coroutine(awaitable: Awaitable[Any]) -> Any:
    return await awaitable
