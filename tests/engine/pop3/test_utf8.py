"""RFC 6856 against the scripted server: UTF8 sent when offered, before login; LANG tolerated."""

from __future__ import annotations

import logging

import pytest

from pop3_mail.errors import AuthError
from pop3_mail.mail import summarize
from pop3_mail.pop3 import open_session
from pop3_mail.settings import Security
from tests.support.certs import CertFiles
from tests.support.fault_server import DEFAULT_CAPA, Script, reply

from .helpers import StartFaultServer

UTF8_MESSAGE = "Subject: Grüße\r\nFrom: Jörg <joerg@example.de>\r\n\r\nHallo\r\n".encode()


async def test_utf8_is_sent_before_login_when_offered(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(
        Script(capa=(*DEFAULT_CAPA, "UTF8 USER"), messages=[UTF8_MESSAGE])
    )
    async with open_session(server.settings()) as client:
        assert client.utf8
        assert client.capabilities.utf8
        headers = await client.top(1, 0)
    assert server.received[:2] == ["CAPA", "UTF8"]
    assert server.received[2].startswith("AUTH PLAIN")
    summary = summarize(headers, account_key="a", uid="u", number=1, size=len(headers))
    assert (summary.subject, summary.from_name) == ("Grüße", "Jörg")
    assert summary.problems == ()


async def test_utf8_is_not_sent_when_not_offered(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script())
    async with open_session(server.settings()) as client:
        assert not client.utf8
    assert "UTF8" not in server.received


async def test_a_refused_utf8_is_logged_and_the_session_goes_on(
    start_fault_server: StartFaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_fault_server(
        Script(
            capa=(*DEFAULT_CAPA, "UTF8"),
            handlers={"UTF8": reply(b"-ERR [SYS/TEMP] not today\r\n")},
        )
    )
    with caplog.at_level(logging.INFO, logger="pop3_mail.pop3.utf8"):
        async with open_session(server.settings()) as client:
            assert not client.utf8
            assert await client.stat() == (0, 0)
    assert "refused UTF8 (not today)" in caplog.text


async def test_utf8_comes_after_starttls(
    start_fault_server: StartFaultServer, fault_certs: CertFiles
) -> None:
    server = await start_fault_server(Script(capa=(*DEFAULT_CAPA, "UTF8")), certs=fault_certs)
    settings = server.settings(
        security=Security.STARTTLS, allow_insecure=False, cafile=str(fault_certs.cafile)
    )
    async with open_session(settings) as client:
        assert client.utf8
    assert server.received[:4] == ["CAPA", "STLS", "CAPA", "UTF8"]


async def test_lang_and_utf8_reply_text_are_tolerated(
    start_fault_server: StartFaultServer,
) -> None:
    # A server in UTF-8 mode may answer in another language, with non-ASCII text (RFC 6856 §3).
    server = await start_fault_server(
        Script(
            capa=(*DEFAULT_CAPA, "UTF8", "LANG"),
            greeting="+OK Grüß Gott, POP3-Server bereit\r\n".encode(),
            handlers={
                "AUTH": reply("-ERR [AUTH] Anmeldung für »alice« fehlgeschlagen\r\n".encode())
            },
        )
    )
    with pytest.raises(AuthError, match="Anmeldung für »alice« fehlgeschlagen"):
        async with open_session(server.settings()):
            pass
    assert "LANG" not in " ".join(server.received[1:])  # never asked for another language
