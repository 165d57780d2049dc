"""Client behaviour beyond single faults: secrets, misuse, streaming, trickled answers."""

from __future__ import annotations

import asyncio
import base64
import logging
from contextlib import aclosing

import pytest

from pop3_mail.errors import ConnectError
from pop3_mail.oauth import FixedToken
from pop3_mail.pop3 import Pop3Client, open_session
from pop3_mail.pop3.auth import oauthbearer_response, plain_response, xoauth2_response
from pop3_mail.settings import OAUTH_METHODS, AuthMethod
from tests.support.fault_server import FaultSession, Script, dot_stuff, hang, message_lines

from .helpers import StartFaultServer, logged_in, make_message, wait_until

MESSAGES = [make_message(n) for n in range(1, 6)]
TOKEN = "ya29.secret-token-value"


@pytest.mark.parametrize(
    "method",
    [
        AuthMethod.PLAIN,
        AuthMethod.USER,
        AuthMethod.APOP,
        AuthMethod.XOAUTH2,
        AuthMethod.OAUTHBEARER,
    ],
)
async def test_secrets_never_reach_logs_errors_or_reprs(
    start_fault_server: StartFaultServer, caplog: pytest.LogCaptureFixture, method: AuthMethod
) -> None:
    caplog.set_level(logging.DEBUG)
    capa = ["TOP", "UIDL", "USER", "SASL PLAIN XOAUTH2 OAUTHBEARER"]
    server = await start_fault_server(Script(messages=list(MESSAGES), token=TOKEN, capa=capa))
    oauth = method in OAUTH_METHODS
    token = FixedToken(TOKEN) if oauth else None
    async with open_session(server.settings(auth_method=method, oauth=token)) as client:
        await client.top_many([1, 2], 0)
        assert "wonder" not in repr(client)
        assert "wonder" not in repr(client.settings)
        assert TOKEN not in repr(client.settings)
    # and once more with a wrong secret, so the failure paths log too
    wrong = FixedToken("x" + TOKEN) if oauth else None
    with pytest.raises(Exception) as caught:
        async with open_session(
            server.settings(auth_method=method, password="x" + "wonder", oauth=wrong)
        ):
            pass
    port = server.port
    secrets = [
        "wonder land",
        "wonder",
        TOKEN,
        plain_response("alice", "wonder land"),
        xoauth2_response("alice", TOKEN),
        xoauth2_response("alice", "x" + TOKEN),
        oauthbearer_response("alice", TOKEN, "127.0.0.1", port),
        oauthbearer_response("alice", "x" + TOKEN, "127.0.0.1", port),
    ]
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in str(caught.value)
    assert "> CAPA" in caplog.text  # debug logging of commands is on


async def test_trickled_answers(start_fault_server: StartFaultServer) -> None:
    async def trickle(session: FaultSession, line: str) -> None:
        number = int(line.split()[1])
        data = b"+OK\r\n" + dot_stuff(message_lines(MESSAGES[number - 1]))
        for index in range(len(data)):
            await session.send(data[index : index + 1])

    server = await start_fault_server(Script(messages=list(MESSAGES), handlers={"RETR": trickle}))
    async with open_session(server.settings()) as client:
        for number in (1, 2):
            assert (await client.retr(number, max_bytes=1 << 20)).data == MESSAGES[number - 1]


async def test_cancel_during_a_stalled_greeting_closes_the_connection(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script(handlers={"GREETING": hang()}))

    async def session() -> None:
        async with open_session(server.settings()):
            pass

    task = asyncio.create_task(session())
    await wait_until(lambda: bool(server.sessions), "connected")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_until(lambda: not server.sessions, "the server saw the connection end")


async def test_misuse_is_refused(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(messages=list(MESSAGES)))
    client = Pop3Client(server.settings())
    with pytest.raises(ConnectError):
        await client.stat()
    try:
        await client.connect()
        with pytest.raises(RuntimeError):
            await client.connect()
        with pytest.raises(RuntimeError):
            await client.stat()  # not logged in
        await client.login()
        with pytest.raises(ValueError):
            await client.top(0, 0)
        with pytest.raises(ValueError):
            await client.retr(1, max_bytes=-1)
        first = asyncio.create_task(client.top_many([1, 2, 3, 4, 5], 0))
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="in progress"):
            await client.noop()
        assert len(await first) == 5
        await client.quit()
        with pytest.raises(ConnectError):
            await client.noop()
    finally:
        await client.close()


async def test_abandoned_stream_drops_the_connection_without_quit(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script(messages=list(MESSAGES)))
    async with logged_in(server.settings()) as client:
        await client.dele(1)
        async with aclosing(client.retr_stream(2)) as lines:
            async for _ in lines:
                break
        assert not client.connected
        with pytest.raises(ConnectError):
            await client.noop()
    assert "QUIT" not in server.received
    assert server.committed == []


async def test_pipeline_depth(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(messages=list(MESSAGES)))
    client = Pop3Client(server.settings(), pipeline_depth=2)
    try:
        await client.connect()
        await client.login()
        before = client.stats.round_trips
        tops = await client.top_many([1, 2, 3, 4, 5], 0)
        assert client.stats.round_trips == before + 3
        assert len(tops) == 5
        await client.quit()
    finally:
        await client.close()


async def test_stats_round_trips_for_sasl_exchange(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(token=TOKEN))
    client = Pop3Client(server.settings(auth_method=AuthMethod.XOAUTH2, oauth=FixedToken(TOKEN)))
    try:
        await client.connect()
        before = client.stats.round_trips, client.stats.commands
        await client.login()
        # AUTH XOAUTH2, the token line, then CAPA: three waits, two commands
        after = client.stats.round_trips, client.stats.commands
        assert (after[0] - before[0], after[1] - before[1]) == (3, 2)
        assert base64.b64decode(server.received[-2]).startswith(b"user=alice\x01")
        await client.quit()
    finally:
        await client.close()
