"""HTTP interface of the daemon (aiohttp): status page, JSON status, instant checks, health.

Routes::

    GET  /                          status page (HTML)
    GET  /api/status                the same as JSON
    POST /api/accounts/<name>/check poll that account now (202; 404 for an unknown account)
    GET  /healthz                   200 "ok" while every account worker runs, else 503

Behind Home Assistant ingress the page is served below ``X-Ingress-Path``; all links are relative
and a ``<base>`` from that header makes them work even without a trailing slash.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from aiohttp import web

from ..config.loader import IpNetwork
from .status_page import SCRIPT_POLICY, render_status_page

_LOGGER = logging.getLogger(__name__)

INGRESS_HEADER = "X-Ingress-Path"
# Today /api/hassio_ingress/<token>; any path of plain segments is accepted, so that a renamed
# route keeps working, while nothing that could leave the path (quotes, //, ..) gets through.
_INGRESS_PATH = re.compile(r"^(?:/[A-Za-z0-9_-]+)+$")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'self'; "
    + SCRIPT_POLICY
)


class CheckResult(StrEnum):
    """What a check request did."""

    STARTED = "started"
    """A poll starts now."""
    QUEUED = "queued"
    """A poll is running; another one follows as soon as it ends (and the server allows)."""
    SCHEDULED = "scheduled"
    """The server's LOGIN-DELAY does not allow a login yet; the poll runs at ``next_poll``."""


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """Answer to ``POST /api/accounts/<name>/check``."""

    result: CheckResult
    next_poll: datetime | None = None


class DaemonView(Protocol):
    """What the web layer needs from the running daemon."""

    def status(self) -> dict[str, Any]:
        """The JSON status document (no secrets)."""

    def request_check(self, account: str) -> CheckOutcome:
        """Poll ``account`` as soon as allowed; ``KeyError`` when there is no such account."""

    @property
    def healthy(self) -> bool:
        """Whether every part of the daemon is running."""


def create_app(view: DaemonView, *, allowed_clients: Sequence[IpNetwork] = ()) -> web.Application:
    """The aiohttp application; ``allowed_clients`` (when not empty) limits who may connect."""
    app = web.Application(middlewares=[_client_filter(tuple(allowed_clients)), _headers])
    handlers = _Handlers(view)
    app.router.add_get("/", handlers.page)
    app.router.add_get("/api/status", handlers.status)
    app.router.add_post("/api/accounts/{name}/check", handlers.check)
    app.router.add_get("/healthz", handlers.health)
    return app


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve ``app`` on ``host:port``; raises ``OSError`` when the address cannot be bound."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _client_filter(allowed: tuple[IpNetwork, ...]) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if allowed and not _is_allowed(request.remote, allowed):
            _LOGGER.warning(
                "Refused a web request from %s (not in allowed_clients)", request.remote
            )
            return web.json_response({"error": "forbidden"}, status=403)
        return await handler(request)

    return middleware


def _is_allowed(remote: str | None, allowed: tuple[IpNetwork, ...]) -> bool:
    if remote is None:
        return False
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in allowed)


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.update(_SECURITY_HEADERS)
    return response


def ingress_path(request: web.Request) -> str:
    """The ingress prefix from Home Assistant (validated), or ``""`` outside ingress."""
    value = request.headers.get(INGRESS_HEADER, "")
    return value if _INGRESS_PATH.match(value) else ""


class _Handlers:
    def __init__(self, view: DaemonView) -> None:
        self.view = view

    async def page(self, request: web.Request) -> web.Response:
        html = render_status_page(self.view.status())
        prefix = ingress_path(request)
        if prefix:
            html = html.replace("<head>", f'<head><base href="{prefix}/">', 1)
        response = web.Response(text=html, content_type="text/html")
        response.headers["Content-Security-Policy"] = _PAGE_POLICY
        return response

    async def status(self, request: web.Request) -> web.Response:
        return web.json_response(self.view.status())

    async def check(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            outcome = self.view.request_check(name)
        except KeyError:
            return web.json_response({"error": "unknown account"}, status=404)
        if request.content_type in _FORM_TYPES:
            # A browser submitted the page's form: back to the page.
            target = ingress_path(request) + "/" if ingress_path(request) else "../../../"
            raise web.HTTPSeeOther(location=target)
        return web.json_response(
            {
                "account": name,
                "result": outcome.result.value,
                "next_poll": outcome.next_poll.isoformat(timespec="seconds")
                if outcome.next_poll
                else None,
            },
            status=202,
        )

    async def health(self, request: web.Request) -> web.Response:
        if self.view.healthy:
            return web.Response(text="ok\n")
        return web.Response(text="unhealthy\n", status=503)
