"""Routes of the web sign-in (device flow) for OAuth 2 accounts; behind ingress only.

::

    GET  /accounts/<name>/sign-in      the sign-in page
    GET  /api/accounts/<name>/sign-in  where the sign-in stands (JSON)
    POST /api/accounts/<name>/sign-in  get a new code (JSON, the page's X-Requested-With)

A sign-in grants mail access to whoever finishes it, so these routes answer only requests that
came through Home Assistant's ingress (a valid ``X-Ingress-Path``; in the add-on only the
Supervisor may connect at all). Without ingress, ``pop3-mail login`` signs accounts in.
Starting a sign-in changes state, so it must be a JSON ``POST`` with the custom header: a form
on another site can send neither.
"""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from ..oauth.accounts import BrowserSignInOnlyError, SignInStatus
from .app import ingress_path
from .sign_in_page import PAGE_POLICY, render_outside_ingress, render_sign_in_page
from .status_page import CHECK_HEADER as REQUEST_HEADER
from .status_page import CHECK_HEADER_VALUE as REQUEST_VALUE


class SignInView(Protocol):
    """What the routes need from the daemon's OAuth 2 accounts."""

    def sign_in_status(self, account: str) -> SignInStatus:
        """Where it stands (``KeyError``: no OAuth 2 account of that name)."""
        ...

    async def start_sign_in(self, account: str) -> SignInStatus:
        """Ask for a new code (``KeyError``, ``BrowserSignInOnlyError``)."""
        ...


def add_sign_in_routes(app: web.Application, view: SignInView) -> None:
    """Add the routes to the daemon's application."""
    handlers = _Handlers(view)
    app.router.add_get("/accounts/{name}/sign-in", handlers.page)
    app.router.add_get("/api/accounts/{name}/sign-in", handlers.status)
    app.router.add_post("/api/accounts/{name}/sign-in", handlers.start)


def _refusal(request: web.Request) -> web.Response | None:
    if not ingress_path(request):
        return web.json_response(
            {
                "error": "sign-in is offered behind Home Assistant ingress only; "
                "run `pop3-mail login --account NAME` instead"
            },
            status=403,
        )
    return None


class _Handlers:
    def __init__(self, view: SignInView) -> None:
        self.view = view

    async def page(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if not ingress_path(request):
            # A browser followed the status page's link outside the add-on: say what to do.
            return web.Response(
                text=render_outside_ingress(name), content_type="text/html", status=403
            )
        try:
            self.view.sign_in_status(name)
        except KeyError:
            return web.json_response({"error": "no OAuth 2 account of that name"}, status=404)
        html = render_sign_in_page(name, ingress_path(request) + "/")
        response = web.Response(text=html, content_type="text/html")
        response.headers["Content-Security-Policy"] = PAGE_POLICY
        return response

    async def status(self, request: web.Request) -> web.Response:
        if (refusal := _refusal(request)) is not None:
            return refusal
        try:
            status = self.view.sign_in_status(request.match_info["name"])
        except KeyError:
            return web.json_response({"error": "no OAuth 2 account of that name"}, status=404)
        return web.json_response(status.as_dict())

    async def start(self, request: web.Request) -> web.Response:
        if (refusal := _refusal(request)) is not None:
            return refusal
        if (
            request.headers.get(REQUEST_HEADER) != REQUEST_VALUE
            or request.content_type != "application/json"
        ):
            return web.json_response(
                {"error": f"send JSON with the header {REQUEST_HEADER}: {REQUEST_VALUE}"},
                status=403,
            )
        try:
            status = await self.view.start_sign_in(request.match_info["name"])
        except KeyError:
            return web.json_response({"error": "no OAuth 2 account of that name"}, status=404)
        except BrowserSignInOnlyError:
            return web.json_response(
                {
                    "error": "this provider signs in only in a browser: run `pop3-mail login` "
                    "on a machine with one, or use an app password (docs/oauth2.md)"
                },
                status=409,
            )
        return web.json_response(status.as_dict(), status=202)
