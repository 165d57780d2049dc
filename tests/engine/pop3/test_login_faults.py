"""Authentication against the scripted server: mechanisms, line limits, secrets, no retries."""

from __future__ import annotations

import base64

import pytest

from pop3_mail.errors import AuthError, ConfigError
from pop3_mail.pop3 import open_session
from pop3_mail.settings import AuthMethod
from tests.support.fault_server import FaultSession, Script, reply

from .helpers import StartFaultServer

TOKEN = "ya29." + "t" * 1500  # real access tokens are long: never fit into one AUTH line


def _auth_lines(received: list[str]) -> list[str]:
    return [line for line in received if line.upper().startswith(("AUTH", "USER", "PASS", "APOP"))]


async def test_xoauth2_two_step_success(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(token=TOKEN))
    settings = server.settings(auth_method=AuthMethod.AUTO, oauth_token=TOKEN)
    async with open_session(settings) as client:
        await client.noop()
    index = server.received.index("AUTH XOAUTH2")
    blob = base64.b64decode(server.received[index + 1])
    assert blob == f"user=alice\x01auth=Bearer {TOKEN}\x01\x01".encode()
    assert _auth_lines(server.received) == ["AUTH XOAUTH2"]
    assert all(len(line) + 2 <= 255 for line in server.received if line.startswith("AUTH"))


async def test_xoauth2_google_error_challenge(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(token="the-right-token"))
    settings = server.settings(auth_method=AuthMethod.XOAUTH2, oauth_token=TOKEN)
    with pytest.raises(AuthError) as caught:
        async with open_session(settings):
            pass
    message = str(caught.value)
    assert "status 401" in message
    assert "https://mail.google.com/" in message
    assert TOKEN not in message
    assert TOKEN not in repr(caught.value)
    index = server.received.index("AUTH XOAUTH2")
    assert server.received[index + 2] == ""  # the empty answer to the error challenge
    assert _auth_lines(server.received) == ["AUTH XOAUTH2"]  # nothing else tried


async def test_xoauth2_unreadable_error_challenge(start_fault_server: StartFaultServer) -> None:
    async def garbage_challenge(session: FaultSession, line: str) -> None:
        await session.send(b"+ \r\n")
        await session.read_line()
        await session.send(b"+ %%%not-base64%%%\r\n")
        await session.read_line()
        await session.err("[AUTH] Invalid credentials")

    server = await start_fault_server(Script(handlers={"AUTH": garbage_challenge}))
    settings = server.settings(auth_method=AuthMethod.XOAUTH2, oauth_token=TOKEN)
    with pytest.raises(AuthError, match="unreadable"):
        async with open_session(settings):
            pass


async def test_sasl_plain_with_initial_response(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script())
    async with open_session(server.settings()) as client:
        await client.noop()
    (auth,) = _auth_lines(server.received)
    assert auth.startswith("AUTH PLAIN ")
    assert base64.b64decode(auth.split()[2]) == b"\x00alice\x00wonder land"


async def test_sasl_plain_too_long_for_one_line_uses_two_steps(
    start_fault_server: StartFaultServer,
) -> None:
    password = "p" * 300
    server = await start_fault_server(Script(password=password))
    async with open_session(server.settings(password=password)) as client:
        await client.noop()
    assert _auth_lines(server.received) == ["AUTH PLAIN"]
    index = server.received.index("AUTH PLAIN")
    assert base64.b64decode(server.received[index + 1]) == b"\x00alice\x00" + password.encode()


async def test_rejected_plain_login_tries_nothing_else(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script())
    with pytest.raises(AuthError) as caught:
        async with open_session(server.settings(password="guess")):
            pass
    assert caught.value.response_code == "AUTH"
    assert len(_auth_lines(server.received)) == 1


async def test_user_pass_when_sasl_plain_is_not_offered(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script(capa=["TOP", "UIDL", "USER"]))
    async with open_session(server.settings()) as client:
        await client.noop()
    assert _auth_lines(server.received) == ["USER alice", "PASS wonder land"]


async def test_apop_only_on_request(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script())
    async with open_session(server.settings(auth_method=AuthMethod.APOP)) as client:
        await client.noop()
    (apop,) = _auth_lines(server.received)
    assert apop.startswith("APOP alice ")
    assert "wonder" not in apop


async def test_apop_without_timestamp_sends_nothing(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(greeting=b"+OK no timestamp here\r\n"))
    with pytest.raises(AuthError, match="APOP"):
        async with open_session(server.settings(auth_method=AuthMethod.APOP)):
            pass
    assert _auth_lines(server.received) == []


async def test_echoed_password_is_redacted(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(
        Script(
            capa=["USER"],
            handlers={"PASS": reply(b"-ERR [AUTH] 'wonder land' is not the password\r\n")},
        )
    )
    with pytest.raises(AuthError) as caught:
        async with open_session(server.settings()):
            pass
    assert "wonder land" not in str(caught.value)
    assert "****" in str(caught.value)


async def test_credentials_with_line_breaks_are_refused_before_sending(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script(capa=["USER"]))
    with pytest.raises(ConfigError):
        async with open_session(server.settings(username="alice\r\nDELE 1")):
            pass
    assert _auth_lines(server.received) == []
    assert "DELE 1" not in server.received


async def test_unexpected_challenge_is_cancelled(start_fault_server: StartFaultServer) -> None:
    async def challenge_then_refuse(session: FaultSession, line: str) -> None:
        await session.send(b"+ d2hvIGFyZSB5b3U/\r\n")
        assert await session.read_line() == "*"
        await session.err("[AUTH] cancelled")

    server = await start_fault_server(Script(handlers={"AUTH": challenge_then_refuse}))
    with pytest.raises(AuthError, match="unexpected challenge"):
        async with open_session(server.settings()):
            pass
    assert "*" in server.received
