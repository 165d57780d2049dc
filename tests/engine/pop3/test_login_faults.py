"""Authentication against the scripted server: mechanisms, line limits, secrets, no retries."""

from __future__ import annotations

import base64

import pytest

from pop3_mail.errors import (
    AuthError,
    ConfigError,
    Failure,
    TokenRefusedError,
    TokenUnavailableError,
    classify,
)
from pop3_mail.pop3 import open_session
from pop3_mail.pop3.batch import Request
from pop3_mail.pop3.capabilities import MAX_CAPA_LINES
from pop3_mail.settings import AuthMethod
from tests.support.fault_server import FaultSession, Script, reply

from .helpers import StartFaultServer

TOKEN = "ya29." + "t" * 1500  # real access tokens are long: never fit into one AUTH line
WITH_OAUTHBEARER = ["TOP", "UIDL", "USER", "RESP-CODES", "SASL PLAIN XOAUTH2 OAUTHBEARER"]


class Tokens:
    """A token provider that records what the client asks and reports."""

    def __init__(self, *tokens: str, error: Exception | None = None) -> None:
        self.tokens = list(tokens) or [TOKEN]
        self.error = error
        self.asked = 0
        self.refused: list[str] = []

    async def access_token(self) -> str:
        self.asked += 1
        if self.error is not None:
            raise self.error
        return self.tokens[min(self.asked, len(self.tokens)) - 1]

    def rejected(self, token: str) -> None:
        self.refused.append(token)


def _auth_lines(received: list[str]) -> list[str]:
    return [line for line in received if line.upper().startswith(("AUTH", "USER", "PASS", "APOP"))]


async def test_xoauth2_two_step_success(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(token=TOKEN))
    tokens = Tokens()
    async with open_session(server.settings(oauth=tokens)) as client:
        await client.noop()
    index = server.received.index("AUTH XOAUTH2")
    blob = base64.b64decode(server.received[index + 1])
    assert blob == f"user=alice\x01auth=Bearer {TOKEN}\x01\x01".encode()
    assert _auth_lines(server.received) == ["AUTH XOAUTH2"]
    assert all(len(line) + 2 <= 255 for line in server.received if line.startswith("AUTH"))
    assert (tokens.asked, tokens.refused) == (1, [])


async def test_oauthbearer_when_the_server_offers_it(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(token=TOKEN, capa=WITH_OAUTHBEARER))
    async with open_session(server.settings(oauth=Tokens())) as client:
        await client.noop()
    assert _auth_lines(server.received) == ["AUTH OAUTHBEARER"]
    index = server.received.index("AUTH OAUTHBEARER")
    blob = base64.b64decode(server.received[index + 1])
    expected = f"n,a=alice,\x01host=127.0.0.1\x01port={server.port}\x01auth=Bearer {TOKEN}\x01\x01"
    assert blob == expected.encode()


async def test_the_provider_is_asked_at_every_session(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(token="ya29.second"))
    tokens = Tokens("ya29.first", "ya29.second")
    with pytest.raises(AuthError):
        async with open_session(server.settings(oauth=tokens)):
            pass
    async with open_session(server.settings(oauth=tokens)) as client:
        await client.noop()
    assert tokens.asked == 2
    assert tokens.refused == ["ya29.first"]  # so that a refreshing provider drops it


async def test_xoauth2_google_error_challenge(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(token="the-right-token"))
    tokens = Tokens()
    with pytest.raises(AuthError) as caught:
        async with open_session(server.settings(auth_method=AuthMethod.XOAUTH2, oauth=tokens)):
            pass
    message = str(caught.value)
    assert "status 401" in message
    assert "https://mail.google.com/" in message
    assert TOKEN not in message
    assert TOKEN not in repr(caught.value)
    index = server.received.index("AUTH XOAUTH2")
    assert server.received[index + 2] == ""  # the empty answer to the error challenge
    assert _auth_lines(server.received) == ["AUTH XOAUTH2"]  # nothing else tried
    assert tokens.refused == [TOKEN]


async def test_oauthbearer_error_challenge_is_answered_with_control_a(
    start_fault_server: StartFaultServer,
) -> None:
    error = b'{"status":"invalid_token","scope":"https://mail.google.com/"}'
    script = Script(token="the-right-token", capa=WITH_OAUTHBEARER, xoauth2_error=error)
    server = await start_fault_server(script)
    with pytest.raises(AuthError, match="status invalid_token") as caught:
        async with open_session(server.settings(oauth=Tokens())):
            pass
    index = server.received.index("AUTH OAUTHBEARER")
    assert base64.b64decode(server.received[index + 2]) == b"\x01"  # RFC 7628 §3.2.3
    assert TOKEN not in str(caught.value)


async def test_xoauth2_unreadable_error_challenge(start_fault_server: StartFaultServer) -> None:
    async def garbage_challenge(session: FaultSession, line: str) -> None:
        await session.send(b"+ \r\n")
        await session.read_line()
        await session.send(b"+ %%%not-base64%%%\r\n")
        await session.read_line()
        await session.err("[AUTH] Invalid credentials")

    server = await start_fault_server(Script(handlers={"AUTH": garbage_challenge}))
    settings = server.settings(auth_method=AuthMethod.XOAUTH2, oauth=Tokens())
    with pytest.raises(AuthError, match="unreadable"):
        async with open_session(settings):
            pass


async def _accept_any_token(session: FaultSession, line: str) -> None:
    """Microsoft's quirk: ``+OK`` for a token of another user..."""
    await session.send(b"+ \r\n")
    await session.read_line()
    session.authenticated = True
    await session.ok("User successfully authenticated.")


async def _refuse_once_logged_in(session: FaultSession, line: str) -> None:
    """...and the next command is refused."""
    if session.authenticated:
        await session.err("Server Unavailable. 21")
    else:
        await session.default(line)


@pytest.mark.parametrize("capa", [True, False], ids=["after-capa", "after-noop"])
async def test_a_token_accepted_then_the_next_command_refused_is_an_auth_error(
    start_fault_server: StartFaultServer, capa: bool
) -> None:
    refused = "CAPA" if capa else "NOOP"
    script = Script(
        handlers={"AUTH": _accept_any_token, refused: _refuse_once_logged_in},
        capa=["TOP", "UIDL", "SASL XOAUTH2"] if capa else None,
    )
    server = await start_fault_server(script)
    tokens = Tokens("ya29.of-bob")
    with pytest.raises(AuthError, match="another user") as caught:
        async with open_session(server.settings(oauth=tokens)):
            pass
    assert classify(caught.value) is Failure.AUTH
    assert tokens.refused == ["ya29.of-bob"]
    assert ("NOOP" in server.received) is not capa  # NOOP only when CAPA cannot tell


async def test_the_pipelined_capa_after_login_confirms_it_too(
    start_fault_server: StartFaultServer,
) -> None:
    # Polls pipeline the post-login CAPA with the listing (read_capabilities=False).
    script = Script(
        handlers={"AUTH": _accept_any_token, "CAPA": _refuse_once_logged_in},
        capa=["TOP", "UIDL", "PIPELINING", "SASL XOAUTH2"],
    )
    server = await start_fault_server(script)
    tokens = Tokens("ya29.of-bob")
    capa = Request("CAPA", multiline=True, max_lines=MAX_CAPA_LINES)

    async def poll() -> None:
        async with open_session(server.settings(oauth=tokens), read_capabilities=False) as client:
            replies = await client.batch([capa, Request("STAT")])
            client.take_capabilities(replies[0])

    with pytest.raises(AuthError, match="another user"):
        await poll()
    assert tokens.refused == ["ya29.of-bob"]


async def test_without_capa_a_noop_confirms_the_login(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(token=TOKEN, capa=None))
    async with open_session(server.settings(auth_method=AuthMethod.XOAUTH2, oauth=Tokens())):
        pass
    index = server.received.index("AUTH XOAUTH2")
    assert server.received[index + 2 : index + 4] == ["NOOP", "CAPA"]


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (TokenUnavailableError("the token endpoint did not answer"), Failure.OAUTH_PROVIDER),
        (TokenRefusedError("invalid_grant", reason="invalid_grant"), Failure.AUTH),
    ],
)
async def test_provider_failures_pass_through_without_a_login_attempt(
    start_fault_server: StartFaultServer, error: Exception, failure: Failure
) -> None:
    server = await start_fault_server(Script(token=TOKEN))
    with pytest.raises(type(error)) as caught:
        async with open_session(server.settings(oauth=Tokens(error=error))):
            pass
    assert classify(caught.value) is failure
    assert failure.transient is (failure is Failure.OAUTH_PROVIDER)
    assert _auth_lines(server.received) == []


async def test_a_provider_handing_out_garbage_sends_nothing(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script(token=TOKEN))
    with pytest.raises(AuthError, match="not a bearer token"):
        async with open_session(server.settings(oauth=Tokens("ya29.x\r\nDELE 1"))):
            pass
    assert _auth_lines(server.received) == []
    assert not any("DELE" in line for line in server.received)


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
