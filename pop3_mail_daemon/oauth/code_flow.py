"""Sign in in a browser: the authorization code grant with PKCE and a loopback redirect.

For providers whose device flow cannot ask for mail access (Google refuses every Gmail scope
there) and "desktop app" clients (RFC 8252): the user opens the sign-in link, the provider
redirects the browser to ``http://127.0.0.1:<port>/`` where this module listens for the code.
When the browser runs on another machine that redirect fails to load; the address it shows
(``http://127.0.0.1:<port>/?code=…&state=…``) can then be pasted instead.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from aiohttp import web

from .device_flow import SignInEnd, SignInEndedError
from .endpoint import ProviderError, TokenAnswer, TokenEndpoint

SIGN_IN_TIMEOUT = 600.0
"""Seconds the user has to finish the sign-in in the browser."""
_DONE_PAGE = "<!DOCTYPE html><title>POP3 Mail</title><p>Signed in. You can close this window."


@dataclass(frozen=True, slots=True)
class Redirect:
    """What came back to the redirect URI."""

    code: str = field(repr=False)
    state: str


def redirect_of(url: str) -> dict[str, str]:
    """The query of a redirect address (pasted or received), one value per name."""
    try:
        query = parse_qs(urlsplit(url.strip()).query)
    except ValueError:
        return {}
    return {key: values[0] for key, values in query.items() if values}


async def browser_login(
    endpoint: TokenEndpoint,
    *,
    announce: Callable[[str], None],
    pasted: Callable[[], Awaitable[str]] | None = None,
    max_wait: float = SIGN_IN_TIMEOUT,
) -> TokenAnswer:
    """Show the sign-in link (``announce``), wait for the code, exchange it for tokens.

    ``pasted`` returns a redirect address the user pasted (the command line reads it from
    standard input); whichever comes first, the browser's redirect or the paste, counts.

    Raises:
        SignInEndedError: the user declined, or did not finish in time.
        ProviderError: the provider refused the code.
        TokenUnavailableError: the provider could not be asked.

    """
    authorize_url = endpoint.config.endpoints.authorize_url
    if authorize_url is None:
        raise ProviderError("unsupported", "this provider has no browser sign-in")
    verifier = secrets.token_urlsafe(64)
    state = secrets.token_urlsafe(16)
    received: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()
    async with _listener(received) as redirect_uri:
        query = {
            "response_type": "code",
            "client_id": endpoint.config.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(endpoint.config.scopes),
            "state": state,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
            **dict(endpoint.config.extra_authorize_data),
        }
        announce(f"{authorize_url}?{urlencode(query)}")
        answer = await _first_answer(received, pasted, state, max_wait)
    if "error" in answer:
        if answer["error"] == "access_denied":
            raise SignInEndedError(SignInEnd.DENIED, "the sign-in was declined")
        raise ProviderError(answer["error"], answer.get("error_description", ""))
    return await endpoint.exchange_code(answer["code"], redirect_uri, verifier)


async def _first_answer(
    received: asyncio.Future[dict[str, str]],
    pasted: Callable[[], Awaitable[str]] | None,
    state: str,
    max_wait: float,
) -> dict[str, str]:
    """The first redirect (received or pasted) that belongs to this sign-in."""

    async def from_paste() -> dict[str, str]:
        assert pasted is not None
        while True:
            answer = redirect_of(await pasted())
            if answer.get("state") == state and ("code" in answer or "error" in answer):
                return answer

    waiters: list[asyncio.Future[dict[str, str]]] = [received]
    if pasted is not None:
        waiters.append(asyncio.ensure_future(from_paste()))
    try:
        done, _ = await asyncio.wait(waiters, timeout=max_wait, return_when="FIRST_COMPLETED")
    finally:
        for waiter in waiters[1:]:
            waiter.cancel()
    if not done:
        raise SignInEndedError(SignInEnd.EXPIRED, "the sign-in was not finished in time")
    answer = done.pop().result()
    if answer.get("state") != state:
        raise ProviderError("invalid_request", "the redirect belongs to another sign-in")
    return answer


@asynccontextmanager
async def _listener(received: asyncio.Future[dict[str, str]]) -> AsyncIterator[str]:
    """Listen on a free loopback port for the browser's redirect; yields the redirect URI."""

    async def redirected(request: web.Request) -> web.Response:
        answer = dict(request.query)
        if ("code" in answer or "error" in answer) and not received.done():
            received.set_result(answer)
        return web.Response(text=_DONE_PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", redirected)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}/"
    finally:
        with contextlib.suppress(Exception):
            await runner.cleanup()


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
