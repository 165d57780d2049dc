"""Poll scheduling with a scripted server: LOGIN-DELAY and checks requested during a poll."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pop3_mail_daemon.config.loader import build_config
from pop3_mail_daemon.runner import Daemon
from pop3_mail_daemon.web.app import CheckResult
from tests.daemon.helpers import eventually, scripted_account
from tests.support.fault_server import DEFAULT_CAPA, FaultServer, FaultSession, Script


@asynccontextmanager
async def daemon_for(tmp_path: Path, script: Script) -> AsyncIterator[tuple[Daemon, FaultServer]]:
    server = await FaultServer(script).start()
    config = build_config(
        {
            "accounts": [scripted_account("home", server, scan_interval=60)],
            "web": {"enabled": False},
            "state_dir": "state",
        },
        base_dir=tmp_path,
    )
    daemon = Daemon(config)
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    try:
        yield daemon, server
    finally:
        stop.set()
        assert await task == 0
        await server.stop()


async def test_login_delay_stretches_the_interval_and_defers_checks(tmp_path: Path) -> None:
    script = Script(
        messages=[b"Subject: hi\r\n\r\nbody\r\n"], capa=(*DEFAULT_CAPA, "LOGIN-DELAY 900")
    )
    async with daemon_for(tmp_path, script) as (daemon, server):
        worker = daemon.workers["home"]
        await eventually(lambda: worker.status.polls == 1 and not worker.status.polling)
        assert worker.status.health.value == "ok"
        assert worker.poll_interval == 900  # not the configured 60 s
        next_poll = worker.status.next_poll
        assert next_poll is not None
        assert next_poll >= datetime.now(UTC) + timedelta(seconds=850)

        outcome = daemon.request_check("home")
        assert outcome.result is CheckResult.SCHEDULED
        assert outcome.next_poll is not None
        assert outcome.next_poll >= datetime.now(UTC) + timedelta(seconds=850)
        await asyncio.sleep(0.3)
        assert server.connections == 1  # no login before the server allows it
        assert worker.status.polls == 1


async def test_check_during_a_poll_is_followed_by_another_poll(tmp_path: Path) -> None:
    gate = asyncio.Event()

    async def slow_uidl(session: FaultSession, line: str) -> None:
        await gate.wait()
        await session.default(line)

    script = Script(messages=[b"Subject: hi\r\n\r\nbody\r\n"], handlers={"UIDL": slow_uidl})
    async with daemon_for(tmp_path, script) as (daemon, server):
        worker = daemon.workers["home"]
        await eventually(lambda: worker.status.polling)
        assert daemon.request_check("home").result is CheckResult.QUEUED
        gate.set()
        await eventually(lambda: worker.status.polls == 2 and not worker.status.polling)
        assert server.connections == 2
        assert worker.status.messages == 1
