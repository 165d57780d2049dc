"""Cancelling a session and the session deadline: connection closed, nothing committed."""

from __future__ import annotations

import asyncio

import pytest

from pop3_mail.errors import Pop3TimeoutError
from pop3_mail.pop3 import Pop3Client, open_session
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.fault_server import FaultServer, FaultSession, Handler, Script, hang

from .helpers import StartFaultServer, dovecot_settings, make_message, wait_until

MESSAGES = [make_message(n) for n in range(1, 8)]


class _Run:
    """A session against ``server`` running in its own task, so the test can cancel it."""

    def __init__(self, server: FaultServer) -> None:
        self.server = server
        self.client: Pop3Client | None = None
        self.idle = asyncio.Event()
        """Set while the caller's own work runs between commands."""

    async def delete_then(self, work: str) -> None:
        async with open_session(self.server.settings()) as client:
            self.client = client
            await client.dele(1)
            if work == "retr":
                await client.retr(2, max_bytes=1 << 20)
            elif work == "top_batch":
                await client.top_many(list(range(2, 8)), 0)
            else:  # the caller's own slow work, between commands
                self.idle.set()
                await asyncio.sleep(3600)

    async def cancel_while(self, work: str, ready: asyncio.Event) -> None:
        task = asyncio.create_task(self.delete_then(work))
        await ready.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert self.client is not None
        assert not self.client.connected
        await wait_until(lambda: not self.server.sessions, "the server saw the connection end")


def _stall_on(command: str, ready: asyncio.Event) -> Handler:
    """Answer normally, except ``command``: start a multi-line answer and stall."""
    stall = hang(b"+OK\r\nSubject: partial\r\n")

    async def handler(session: FaultSession, line: str) -> None:
        if line != command:
            await session.default(line)
            return
        ready.set()
        await stall(session, line)

    return handler


async def test_cancel_in_the_middle_of_a_command(start_fault_server: StartFaultServer) -> None:
    ready = asyncio.Event()
    script = Script(messages=list(MESSAGES), handlers={"RETR": _stall_on("RETR 2", ready)})
    run = _Run(await start_fault_server(script))
    await run.cancel_while("retr", ready)
    # A command was in flight: no RSET/QUIT can be trusted, the connection is just dropped.
    assert "QUIT" not in run.server.received
    assert run.server.committed == []


async def test_cancel_in_the_middle_of_a_top_batch(start_fault_server: StartFaultServer) -> None:
    ready = asyncio.Event()
    script = Script(messages=list(MESSAGES), handlers={"TOP": _stall_on("TOP 4 0", ready)})
    run = _Run(await start_fault_server(script))
    await run.cancel_while("top_batch", ready)
    assert "QUIT" not in run.server.received
    assert run.server.committed == []


async def test_cancel_between_commands_rsets_then_quits(
    start_fault_server: StartFaultServer,
) -> None:
    run = _Run(await start_fault_server(Script(messages=list(MESSAGES))))
    await run.cancel_while("sleep", run.idle)
    assert run.server.received[-3:] == ["DELE 1", "RSET", "QUIT"]
    assert run.server.committed == [[]]


async def test_session_deadline_between_commands(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(messages=list(MESSAGES)))
    settings = server.settings(session_timeout=0.3)

    async def delete_then_dawdle() -> None:
        async with open_session(settings) as client:
            await client.dele(1)
            await asyncio.sleep(3600)

    with pytest.raises(Pop3TimeoutError, match="took longer"):
        await delete_then_dawdle()
    assert server.received[-2:] == ["RSET", "QUIT"]
    assert server.committed == [[]]


async def test_session_deadline_during_a_stalled_command(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(
        Script(messages=list(MESSAGES), handlers={"RETR": hang(b"+OK\r\n")})
    )
    settings = server.settings(session_timeout=0.3, command_timeout=30)

    async def delete_then_fetch() -> None:
        async with open_session(settings) as client:
            await client.dele(1)
            await client.retr(2, max_bytes=100)

    with pytest.raises(Pop3TimeoutError):
        await delete_then_fetch()
    assert "QUIT" not in server.received
    await wait_until(lambda: not server.sessions, "the server saw the connection end")
    assert server.committed == []


async def test_own_timeout_error_is_not_mistaken_for_the_deadline(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script(messages=list(MESSAGES)))
    with pytest.raises(TimeoutError) as caught:
        async with open_session(server.settings()):
            raise TimeoutError
    assert not isinstance(caught.value, Pop3TimeoutError)


async def test_cancelled_dovecot_session_keeps_the_mail(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    mail_user.deliver_many([make_message(1), make_message(2)])
    deleted = asyncio.Event()

    async def delete_and_wait() -> None:
        async with open_session(dovecot_settings(dovecot, mail_user)) as client:
            await client.dele(1)
            await client.dele(2)
            deleted.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(delete_and_wait())
    await deleted.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(mail_user.message_files()) == 2
