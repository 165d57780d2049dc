"""SIGTERM while work is in flight: ``pop3-mail run`` as a subprocess against real parts.

A poll in progress finishes (its session ends with QUIT, its deliveries are made); work that
cannot finish in time is abandoned without holding the process, and is done after a restart.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.daemon.conftest import Launch
from tests.daemon.helpers import DaemonProcess, account, eventually, mail, scripted_account
from tests.engine.dispatch.helpers import Subscriber
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.fault_server import FaultServer, FaultSession, Script
from tests.support.http import serve_on_loopback
from tests.support.mosquitto import MosquittoBroker

pytestmark = [pytest.mark.dovecot, pytest.mark.mosquitto]

SHUTDOWN_BOUND = 10.0
"""Seconds within which the daemon exits after SIGTERM (documented in docs/daemon.md)."""


@dataclass
class Hook:
    """A notification endpoint (apprise ``json://``) that answers when ``release`` is set."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    titles: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook?rto=120"

    async def handle(self, request: web.Request) -> web.Response:
        self.titles.append((await request.json())["title"])
        await self.release.wait()
        return web.json_response({"ok": True})


@asynccontextmanager
async def hook_endpoint() -> AsyncIterator[Hook]:
    hook = Hook()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    async with serve_on_loopback(app, access_log=None, shutdown_timeout=0.5) as port:
        hook.port = port
        try:
            yield hook
        finally:
            hook.release.set()  # before the server shuts down: no handler left waiting


@pytest.fixture
def subscriber(mosquitto: MosquittoBroker) -> Iterator[Subscriber]:
    probe = Subscriber(mosquitto.port, ["pop3_mail/+/message"]).start()
    yield probe
    probe.stop()


async def trigger(daemon: DaemonProcess, name: str) -> None:
    """Ask for a poll without waiting for it to end."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{daemon.url}/api/accounts/{name}/check") as response,
    ):
        assert response.status == 202


async def terminate(daemon: DaemonProcess) -> int:
    """SIGTERM, then the exit code (the test's servers keep answering meanwhile)."""
    daemon.signal(signal.SIGTERM)
    return await asyncio.to_thread(daemon.wait, SHUTDOWN_BOUND)


async def test_a_poll_in_progress_finishes_with_quit_and_its_deliveries(
    tmp_path: Path, mosquitto: MosquittoBroker, subscriber: Subscriber, launch: Launch
) -> None:
    gate = asyncio.Event()

    async def gated_top(session: FaultSession, line: str) -> None:
        await gate.wait()
        await session.default(line)

    script = Script(handlers={"TOP": gated_top, "RETR": gated_top})
    server = await FaultServer(script).start()
    scripted = scripted_account("home", server)
    try:
        async with hook_endpoint() as hook:
            rules = [{"name": "hook", "actions": [{"notify": {"urls": [hook.url]}}]}]
            daemon = await launch([scripted], rules=rules)
            await daemon.polled("home")  # the baseline: an empty maildrop
            script.messages.append(mail("In flight"))
            await trigger(daemon, "home")
            await eventually(
                lambda: any(line.startswith(("TOP", "RETR")) for line in server.received)
            )

            daemon.signal(signal.SIGTERM)
            await asyncio.sleep(0.5)  # the signal is handled while the server still thinks
            gate.set()
            await eventually(lambda: bool(hook.titles))
            hook.release.set()
            assert await asyncio.to_thread(daemon.wait, SHUTDOWN_BOUND) == 0

            assert server.received[-1] == "QUIT"
            assert len(server.committed) == 2  # both sessions ended cleanly
            assert hook.titles == ["New mail from Alice Example"]
            await eventually(lambda: len(subscriber.on("pop3_mail/home/message")) == 1)
            assert "poll still running at shutdown" not in daemon.output()

            # Nothing was left undone: a restart delivers nothing again.
            restarted = await launch([scripted], rules=rules, log="restart.log")
            await restarted.polled("home")
            await restarted.check("home")
            assert hook.titles == ["New mail from Alice Example"]
            assert len(subscriber.on("pop3_mail/home/message")) == 1
            assert await terminate(restarted) == 0
    finally:
        gate.set()
        await server.stop()


async def test_a_hanging_notification_does_not_hold_the_exit(
    tmp_path: Path,
    dovecot: DovecotServer,
    mail_user: MailUser,
    subscriber: Subscriber,
    launch: Launch,
) -> None:
    """The service takes the request and never answers (a read timeout of two minutes)."""
    async with hook_endpoint() as hook:
        rules = [{"name": "hook", "actions": [{"notify": {"urls": [hook.url]}}]}]
        daemon = await launch([account("home", dovecot, mail_user)], rules=rules)
        await daemon.polled("home")
        mail_user.deliver(mail("Parcel delivered"))
        await trigger(daemon, "home")
        await eventually(lambda: bool(hook.titles))

        assert await terminate(daemon) == 0
        assert "poll still running at shutdown" in daemon.output()

        # The notification was not confirmed: after a restart it is made (once more).
        hook.release.set()
        restarted = await launch([account("home", dovecot, mail_user)], rules=rules, log="2.log")
        await restarted.polled("home")
        await eventually(lambda: len(hook.titles) == 2, timeout=30)
        await eventually(lambda: len(subscriber.on("pop3_mail/home/message")) == 1)
        assert await terminate(restarted) == 0
        assert hook.titles[1] == hook.titles[0]
