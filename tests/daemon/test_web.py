"""The status page and HTTP API of a real daemon (in-process) watching the test Dovecot."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from pop3_mail_daemon.config.loader import DaemonConfig, build_config
from pop3_mail_daemon.runner import Daemon
from pop3_mail_daemon.status import Health
from pop3_mail_daemon.web.status_page import CHECK_HEADER, STATUS_WORDS, render_status_page
from tests.daemon.helpers import account, mail, new_web_port
from tests.engine.dispatch.helpers import eventually
from tests.support.browser import browser_page, chromium_path
from tests.support.dovecot import DovecotServer, MailUser

pytestmark = pytest.mark.dovecot

HOSTILE_SUBJECT = '<script>alert("x")</script> & <b>bold</b>'
INGRESS = "/api/hassio_ingress/Zx9_ab-C"
INGRESS_HEADER = "X-Ingress-Path"


def config_for(tmp_path: Path, accounts: list[dict[str, Any]], **web: Any) -> DaemonConfig:
    return build_config(
        {
            "accounts": accounts,
            "web": {"host": "127.0.0.1", "port": new_web_port(), **web},
            "state_dir": "state",
        },
        base_dir=tmp_path,
    )


@asynccontextmanager
async def running(config: DaemonConfig) -> AsyncIterator[tuple[Daemon, str]]:
    """The daemon, started and polled once; stopped at the end."""
    daemon = Daemon(config)
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    try:
        await eventually(lambda: daemon.healthy or task.done())
        assert not task.done(), "the daemon stopped"
        await eventually(lambda: all(w.status.polls for w in daemon.workers.values()))
        yield daemon, f"http://127.0.0.1:{config.web.port}"
    finally:
        stop.set()
        assert await task == 0


@pytest.fixture
async def served(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser
) -> AsyncIterator[tuple[Daemon, str]]:
    mail_user.deliver(mail("First"))
    mail_user.deliver(mail(HOSTILE_SUBJECT, sender='"Eve <evil>" <eve@example.com>'))
    other = dovecot.add_user()
    config = config_for(
        tmp_path, [account("home", dovecot, mail_user), account("work_box", dovecot, other)]
    )
    async with running(config) as served:
        yield served


async def fetch(url: str, method: str = "GET", **kwargs: Any) -> tuple[int, dict[str, str], str]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, allow_redirects=False, **kwargs) as response,
    ):
        return response.status, dict(response.headers), await response.text()


async def test_page_shows_accounts_and_escapes_mail(served: tuple[Daemon, str]) -> None:
    _daemon, url = served
    status, headers, html = await fetch(url + "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert 'id="account-home"' in html
    assert 'id="account-work_box"' in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert html.count("<script") == 1  # the page's own, after every account
    assert "<script>alert" not in html
    assert "<b>bold" not in html
    assert "Eve &lt;evil&gt;" in html
    assert "Unread</dt><dd>0</dd>" in html
    assert "Messages</dt><dd>2</dd>" in html
    assert "Outbox</dt><dd>0</dd>" in html
    # Relative links only, so the page works below any prefix (ingress).
    assert not re.search(r'(href|action|src)="/', html)
    assert 'fetch("api/accounts/" + encodeURIComponent(name) + "/check"' in html
    assert "<base" not in html
    assert headers["X-Content-Type-Options"] == "nosniff"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'sha256-" in policy  # the page's own script, nothing else
    assert "unsafe-inline" not in policy.partition("script-src")[2]


async def test_status_api(served: tuple[Daemon, str], mail_user: MailUser) -> None:
    _daemon, url = served
    status, _headers, body = await fetch(url + "/api/status")
    assert status == 200
    assert mail_user.password not in body
    assert mail_user.username not in body  # the page does not show who logs in
    data = json.loads(body)
    assert data["mqtt"] is None
    home = data["accounts"][0]
    assert home["name"] == "home"
    assert home["status"] == "ok"
    assert home["messages"] == 2
    assert home["unread"] == 0
    assert home["last_error"] is None
    assert home["outbox_size"] == 0
    assert home["newest"][0]["subject"] == HOSTILE_SUBJECT  # JSON: data as it is


async def test_check_endpoint(served: tuple[Daemon, str], mail_user: MailUser) -> None:
    daemon, url = served
    mail_user.deliver(mail("Fresh"))
    before = daemon.workers["home"].status.polls
    status, _headers, body = await fetch(url + "/api/accounts/home/check", "POST")
    assert status == 202
    assert '"account": "home"' in body
    await eventually(lambda: daemon.workers["home"].status.polls > before)
    assert daemon.workers["home"].status.messages == 3
    assert daemon.workers["home"].status.unread == 1

    status, _headers, body = await fetch(url + "/api/accounts/nobody/check", "POST")
    assert status == 404
    assert "nobody" not in body
    status, _headers, _body = await fetch(url + "/api/accounts/home/check")  # GET
    assert status == 405


async def test_form_post_redirects_back_to_the_page(served: tuple[Daemon, str]) -> None:
    _daemon, url = served
    form = {"data": {}, "headers": {"Content-Type": "application/x-www-form-urlencoded"}}
    status, headers, _body = await fetch(url + "/api/accounts/home/check", "POST", **form)
    assert status == 303
    assert headers["Location"] == "../../../"
    form["headers"][INGRESS_HEADER] = INGRESS
    status, headers, _body = await fetch(url + "/api/accounts/home/check", "POST", **form)
    assert status == 303
    assert headers["Location"] == INGRESS + "/"


async def test_ingress_path(served: tuple[Daemon, str]) -> None:
    _daemon, url = served
    for prefix in (INGRESS, "/api/app_ingress/Zx9_ab-C"):
        _status, _headers, html = await fetch(url + "/", headers={INGRESS_HEADER: prefix})
        assert f'<base href="{prefix}/">' in html
    # A header that is not an ingress path is ignored, never echoed.
    for bad in ('/x"><script>', "//evil.example/", "/api/hassio_ingress/a/../b", "/a/", "a/b"):
        _status, _headers, html = await fetch(url + "/", headers={INGRESS_HEADER: bad})
        assert "<base" not in html
        assert "evil.example" not in html
        assert "/x&quot;" not in html


async def test_health(served: tuple[Daemon, str]) -> None:
    daemon, url = served
    status, _headers, body = await fetch(url + "/healthz")
    assert (status, body) == (200, "ok\n")
    # A dead poll loop makes the daemon unhealthy (the add-on's HEALTHCHECK restarts it).
    task = daemon._tasks["home"]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    status, _headers, body = await fetch(url + "/healthz")
    assert (status, body) == (503, "unhealthy\n")


async def test_allowed_clients(tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser) -> None:
    config = config_for(
        tmp_path, [account("home", dovecot, mail_user)], allowed_clients=["172.30.32.2"]
    )
    async with running(config) as (_daemon, url):
        status, _headers, _body = await fetch(url + "/")
        assert status == 403
        status, _headers, _body = await fetch(url + "/api/accounts/home/check", "POST")
        assert status == 403
    config = config_for(
        tmp_path,
        [account("home", dovecot, mail_user)],
        allowed_clients=["172.30.32.2", "127.0.0.1"],
    )
    async with running(config) as (_daemon, url):
        status, _headers, _body = await fetch(url + "/")
        assert status == 200


async def test_web_port_in_use_is_a_config_error(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    config = config_for(tmp_path, [account("home", dovecot, mail_user)])
    blocker = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", config.web.port)
    try:
        assert await Daemon(config).run(asyncio.Event()) == 2
    finally:
        blocker.close()
        await blocker.wait_closed()


def test_statuses_are_shown_in_words() -> None:
    for health in Health:
        html = render_status_page({"accounts": [{"name": "home", "status": health.value}]})
        chip = re.search(r'<span class="status [^"]*" title="[^"]*">([^<]*)</span>', html)
        assert chip is not None
        assert chip.group(1) == STATUS_WORDS[health.value]
        assert "_" not in chip.group(1)


def test_one_time_format() -> None:
    html = render_status_page(
        {
            "accounts": [
                {
                    "name": "home",
                    "status": "ok",
                    "last_poll": "2026-12-04T10:00:00+00:00",
                    "next_poll": "2026-12-04T10:05:00+00:00",
                    "newest": [{"subject": "Hi", "date": "2023-11-14T10:00:00+01:00"}],
                }
            ]
        }
    )
    shown = re.findall(r"\d{4}-\d\d-\d\d[T ][^<·]*", html)
    assert len(shown) == 3
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+", t.strip()) for t in shown), shown


def chromium() -> str:
    return chromium_path()


@pytest.mark.chromium
async def test_page_in_headless_chromium(served: tuple[Daemon, str], tmp_path: Path) -> None:
    _daemon, url = served
    process = await asyncio.create_subprocess_exec(
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--dump-dom",
        url + "/",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), 90)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    dom = stdout.decode()
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert 'id="account-home"' in dom
    assert 'id="account-work_box"' in dom
    assert "Check now" in dom
    # The browser shows the hostile subject as text: no element was created from it.
    assert "<script>alert" not in dom
    assert "&lt;script&gt;alert" in dom


@pytest.mark.chromium
async def test_check_now_updates_the_page(
    served: tuple[Daemon, str], mail_user: MailUser, tmp_path: Path
) -> None:
    """The button checks, and the page then shows the new values by itself (no reload by hand,
    no stale "(checking now)"); the request is JSON with the page's custom header."""
    daemon, url = served
    mail_user.deliver(mail("Arrived after the page was opened"))
    async with browser_page() as (page, log):
        requests: list[dict[str, str]] = []
        page.on(
            "request",
            lambda request: requests.append(request.headers) if "/check" in request.url else None,
        )
        await page.goto(url + "/")
        home = page.locator("#account-home")
        await home.get_by_text("Messages", exact=True).wait_for()
        assert await home.locator("dd").nth(3).inner_text() == "0"  # Unread
        async with page.expect_navigation():
            await home.get_by_role("button", name="Check now").click()
        await home.get_by_text("Arrived after the page was opened").wait_for()
        assert await home.locator("dd").nth(3).inner_text() == "1"
        assert "(checking now)" not in await home.inner_text()
        await page.screenshot(path=tmp_path / "status-page.png")
        assert log.console_errors == []
    assert daemon.workers["home"].status.unread == 1
    (headers,) = requests
    assert headers["content-type"] == "application/json"
    assert headers[CHECK_HEADER.lower()] == "pop3-mail-status-page"
