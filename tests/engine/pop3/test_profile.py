"""Capabilities remembered between sessions, and a QUIT that is not waited for (fault server)."""

from __future__ import annotations

import pytest

from pop3_mail.errors import AuthError, TlsError
from pop3_mail.pop3 import Pop3Client, ServerProfile, open_session
from pop3_mail.pop3.profile import greeting_fingerprint
from pop3_mail.settings import Security
from tests.support.certs import CertFiles
from tests.support.fault_server import (
    APOP_TIMESTAMP,
    DEFAULT_CAPA,
    FaultServer,
    Script,
    hang,
    reply,
)

from .helpers import StartFaultServer, wait_until

NO_PLAIN_CAPA = (*(name for name in DEFAULT_CAPA if not name.startswith("SASL")), "SASL XOAUTH2")


async def learned(server: FaultServer, **settings: object) -> ServerProfile:
    """The profile a first, ordinary session leaves behind."""
    async with open_session(server.settings(**settings)) as client:
        profile = client.profile
    # QUIT's answer is not awaited: let the server finish the session before counting.
    await wait_until(lambda: not server.sessions, "the first session ended")
    return profile


def before_login(server: FaultServer, start: int = 0) -> list[str]:
    """Command words a session sent up to its login."""
    words = []
    for line in server.received[start:]:
        words.append(line.split(" ", 1)[0])
        if words[-1] in {"AUTH", "PASS", "APOP"}:
            break
    return words


async def test_remembered_capabilities_skip_the_capa_before_login(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script())
    profile = await learned(server)
    start = len(server.received)

    async with open_session(server.settings(), profile=profile) as client:
        assert client.capabilities.pipelining  # the post-login CAPA
        assert client.profile == profile

    assert before_login(server) == ["CAPA", "AUTH"]
    assert before_login(server, start) == ["AUTH"]


def test_greeting_fingerprint_ignores_what_changes_every_session() -> None:
    assert greeting_fingerprint("POP3 ready <1896.697170952@dbc.mtview.ca.us>") == (
        greeting_fingerprint("POP3 ready <1901.697171122@dbc.mtview.ca.us>")
    )
    gmail = "Gpop ready for requests from 203.0.113.5 a1si123456wmc.12"
    assert greeting_fingerprint(gmail) == greeting_fingerprint(
        "Gpop ready for requests from 198.51.100.7 b7si654321wmc.34"
    )
    assert greeting_fingerprint("Dovecot ready.") != greeting_fingerprint("Cyrus POP3 ready")


async def test_another_greeting_or_server_reads_capa_again(
    start_fault_server: StartFaultServer,
) -> None:
    script = Script()
    server = await start_fault_server(script)
    profile = await learned(server)
    script.greeting = b"+OK other server software ready " + APOP_TIMESTAMP + b"\r\n"
    start = len(server.received)
    async with open_session(server.settings(), profile=profile):
        pass
    assert before_login(server, start) == ["CAPA", "AUTH"]

    other = await start_fault_server(Script())  # same software, another port
    async with open_session(other.settings(), profile=profile):
        pass
    assert before_login(other) == ["CAPA", "AUTH"]


async def test_server_that_refuses_capa_is_remembered_as_such(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script(capa=None))
    profile = await learned(server)
    assert profile.capabilities is None
    start = len(server.received)

    async with open_session(server.settings(), profile=profile) as client:
        assert not client.capabilities.supported

    assert before_login(server, start) == ["USER", "PASS"]


async def test_a_mechanism_gone_since_last_time_is_found_by_reading_capa(
    start_fault_server: StartFaultServer,
) -> None:
    script = Script()
    server = await start_fault_server(script)
    profile = await learned(server)  # AUTH PLAIN was offered
    script.capa = NO_PLAIN_CAPA
    script.handlers["AUTH"] = reply(b"-ERR unsupported mechanism\r\n")
    start = len(server.received)

    async with open_session(server.settings(), profile=profile) as client:
        assert client.profile.capabilities is not None
        assert "SASL XOAUTH2" in client.profile.capabilities  # the next session knows

    assert [line.split(" ", 1)[0] for line in server.received[start:]][:5] == [
        "AUTH",
        "CAPA",
        "USER",
        "PASS",
        "CAPA",
    ]


async def test_a_refused_password_is_not_tried_twice(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script())
    profile = await learned(server)
    start = len(server.received)

    with pytest.raises(AuthError):
        async with open_session(server.settings(password="wrong"), profile=profile):
            pass

    # CAPA is read again (the capabilities might have changed), but names the same mechanism.
    assert [line.split(" ", 1)[0] for line in server.received[start:]] == ["AUTH", "CAPA", "QUIT"]


async def test_starttls_stays_mandatory_and_capa_is_read_inside_tls(
    start_fault_server: StartFaultServer, fault_certs: CertFiles
) -> None:
    script = Script()
    server = await start_fault_server(script, certs=fault_certs)
    settings = {"security": Security.STARTTLS, "cafile": str(fault_certs.cafile)}
    profile = await learned(server, **settings)
    start = len(server.received)

    async with open_session(server.settings(**settings), profile=profile) as client:
        assert client.encrypted
        assert not client.capabilities.stls  # read again over TLS
    assert before_login(server, start) == ["STLS", "CAPA", "AUTH"]

    await wait_until(lambda: not server.sessions, "the session ended")
    script.handlers["STLS"] = reply(b"-ERR not now\r\n")
    start = len(server.received)
    with pytest.raises(TlsError, match="refused STARTTLS"):
        async with open_session(server.settings(**settings), profile=profile):
            pass
    assert before_login(server, start) == ["STLS"]  # and no credentials


async def test_a_session_that_changed_nothing_does_not_wait_for_quit(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script(handlers={"QUIT": hang()}))

    # Waiting for the answer would time out after one second.
    async with open_session(server.settings(command_timeout=1.0)) as client:
        await client.stat()

    await wait_until(lambda: server.received[-1] == "QUIT", "QUIT was sent")


async def test_after_dele_the_answer_to_quit_is_awaited(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(
        Script(
            messages=[b"Subject: x\r\n\r\nbody\r\n"],
            handlers={"QUIT": reply(b"-ERR [SYS/TEMP] could not delete\r\n")},
        )
    )
    client = Pop3Client(server.settings())
    await client.connect()
    await client.login()
    await client.dele(1)
    with pytest.raises(Exception, match="could not delete"):
        await client.quit(wait=False)
    await client.close()
