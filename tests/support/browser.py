"""Headless Chromium (Debian's) driven by Playwright, kept on this machine.

Playwright's own browser download is not used: Debian's ``/usr/bin/chromium`` is launched
with the flags that work as root here, and every request that is not for 127.0.0.1 or
localhost is aborted by a route handler (brand icons and map tiles would come from the
internet). Pages' console errors are collected, so that a test can fail on them.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, Route, async_playwright

from tests.support.binaries import IN_CI

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


def chromium_path() -> str:
    """Debian's Chromium; fails in CI when it is missing, skips elsewhere."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        if IN_CI:
            pytest.fail("chromium is missing (scripts/test installs it)")
        pytest.skip("chromium is not installed")
    return path


@dataclass
class BrowserLog:
    """What the pages said: console errors and requests that were refused."""

    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    """``status url`` of every answer with an error status."""


@asynccontextmanager
async def browser_page(
    *, locale: str = "en-US", viewport: tuple[int, int] = (1280, 900)
) -> AsyncIterator[tuple[Page, BrowserLog]]:
    """A fresh page in a fresh headless Chromium (its own new profile); yields ``(page, log)``."""
    log = BrowserLog()

    async def only_local(route: Route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            await route.continue_()
        else:
            log.blocked.append(route.request.url)
            await route.abort()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=list(CHROMIUM_FLAGS),
        )
        try:
            context = await browser.new_context(
                locale=locale, viewport={"width": viewport[0], "height": viewport[1]}
            )
            await context.route("**/*", only_local)
            page = await context.new_page()
            page.on(
                "console",
                lambda message: (
                    log.console_errors.append(message.text) if message.type == "error" else None
                ),
            )
            page.on("pageerror", lambda error: log.console_errors.append(str(error)))
            page.on(
                "response",
                lambda response: (
                    log.failed_responses.append(f"{response.status} {response.url}")
                    if response.status >= 400
                    else None
                ),
            )
            yield page, log
        finally:
            await browser.close()
