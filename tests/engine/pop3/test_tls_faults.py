"""TLS and STARTTLS against the scripted server: verification, stripping, injection."""

from __future__ import annotations

import pytest

from pop3_mail.errors import Pop3TimeoutError, TlsError
from pop3_mail.pop3 import Pop3Client, open_session
from pop3_mail.settings import Security
from tests.support.certs import CertFiles
from tests.support.fault_server import FaultSession, Script, hang, reply

from .helpers import StartFaultServer

_CREDENTIAL_COMMANDS = ("USER", "PASS", "AUTH", "APOP")


def _sent_credentials(received: list[str]) -> bool:
    return any(line.upper().startswith(_CREDENTIAL_COMMANDS) for line in received)


async def test_starttls_success(
    start_fault_server: StartFaultServer, fault_certs: CertFiles
) -> None:
    server = await start_fault_server(Script(), certs=fault_certs)
    settings = server.settings(
        security=Security.STARTTLS, allow_insecure=False, cafile=str(fault_certs.cafile)
    )
    client = Pop3Client(settings)
    try:
        await client.connect()
        assert client.encrypted
        assert not client.capabilities.stls  # CAPA was read again over TLS
        await client.login()
        assert await client.stat() == (0, 0)
        await client.quit()
    finally:
        await client.close()
    assert server.received[:3] == ["CAPA", "STLS", "CAPA"]


async def test_bytes_injected_before_the_handshake_are_discarded(
    start_fault_server: StartFaultServer, fault_certs: CertFiles
) -> None:
    async def stls_with_injection(session: FaultSession, line: str) -> None:
        # A man in the middle appends plaintext that must not be read as if it came over TLS.
        await session.send(b"+OK Begin TLS\r\n+OK injected\r\n-ERR injected\r\n")
        await session.start_tls()

    server = await start_fault_server(
        Script(handlers={"STLS": stls_with_injection}), certs=fault_certs
    )
    settings = server.settings(
        security=Security.STARTTLS, allow_insecure=False, cafile=str(fault_certs.cafile)
    )
    async with open_session(settings) as client:
        assert client.capabilities.implementation == "fault-server"
        assert await client.stat() == (0, 0)


async def test_stls_advertised_but_refused(
    start_fault_server: StartFaultServer, fault_certs: CertFiles
) -> None:
    server = await start_fault_server(
        Script(handlers={"STLS": reply(b"-ERR [SYS/TEMP] TLS not available now\r\n")}),
        certs=fault_certs,
    )
    settings = server.settings(security=Security.STARTTLS, cafile=str(fault_certs.cafile))
    with pytest.raises(TlsError, match="refused STARTTLS") as caught:
        async with open_session(settings):
            pass
    assert not caught.value.certificate_error
    assert not _sent_credentials(server.received)


async def test_stls_not_advertised_fails_without_trying(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script())  # no certificate: CAPA has no STLS
    with pytest.raises(TlsError, match="does not offer STARTTLS"):
        async with open_session(server.settings(security=Security.STARTTLS)):
            pass
    assert "STLS" not in server.received
    assert not _sent_credentials(server.received)


async def test_no_capa_and_stls_refused(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(capa=None))
    with pytest.raises(TlsError):
        async with open_session(server.settings(security=Security.STARTTLS)):
            pass
    assert "STLS" in server.received  # tried, since CAPA gave no answer either way
    assert not _sent_credentials(server.received)


async def test_implicit_tls_to_a_plaintext_server(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script())
    with pytest.raises(TlsError) as caught:
        async with open_session(server.settings(security=Security.SSL, allow_insecure=False)):
            pass
    assert not caught.value.certificate_error


async def test_server_closing_during_the_handshake(start_fault_server: StartFaultServer) -> None:
    async def close_at_once(session: FaultSession, line: str) -> None:
        session.writer.transport.abort()
        session.closed = True

    server = await start_fault_server(Script(handlers={"GREETING": close_at_once}))
    with pytest.raises(TlsError) as caught:
        async with open_session(server.settings(security=Security.SSL, allow_insecure=False)):
            pass
    assert not caught.value.certificate_error


async def test_stalled_handshake_times_out(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(Script(handlers={"GREETING": hang()}))
    settings = server.settings(security=Security.SSL, allow_insecure=False, connect_timeout=0.2)
    with pytest.raises(Pop3TimeoutError):
        async with open_session(settings):
            pass


async def test_certificate_name_mismatch(
    start_fault_server: StartFaultServer, wrong_name_certs: CertFiles
) -> None:
    server = await start_fault_server(Script(), certs=wrong_name_certs, implicit_tls=True)
    with pytest.raises(TlsError, match=r"(?i)mismatch") as caught:
        async with open_session(server.settings(cafile=str(wrong_name_certs.cafile))):
            pass
    assert caught.value.certificate_error
    assert not _sent_credentials(server.received)


async def test_certificate_name_mismatch_over_starttls(
    start_fault_server: StartFaultServer, wrong_name_certs: CertFiles
) -> None:
    server = await start_fault_server(Script(), certs=wrong_name_certs)
    settings = server.settings(security=Security.STARTTLS, cafile=str(wrong_name_certs.cafile))
    with pytest.raises(TlsError) as caught:
        async with open_session(settings):
            pass
    assert caught.value.certificate_error
    assert not _sent_credentials(server.received)


async def test_unknown_ca_is_rejected_by_default(
    start_fault_server: StartFaultServer, fault_certs: CertFiles
) -> None:
    server = await start_fault_server(Script(), certs=fault_certs, implicit_tls=True)
    with pytest.raises(TlsError) as caught:
        async with open_session(server.settings()):
            pass
    assert caught.value.certificate_error


async def test_verification_disabled_accepts_a_wrong_name(
    start_fault_server: StartFaultServer, wrong_name_certs: CertFiles
) -> None:
    server = await start_fault_server(Script(), certs=wrong_name_certs, implicit_tls=True)
    async with open_session(server.settings(verify_tls=False)) as client:
        assert client.encrypted
        assert await client.stat() == (0, 0)


async def test_caller_supplied_context_is_used(
    start_fault_server: StartFaultServer, fault_certs: CertFiles
) -> None:
    import ssl  # noqa: PLC0415

    server = await start_fault_server(Script(), certs=fault_certs, implicit_tls=True)
    context = ssl.create_default_context(cafile=str(fault_certs.cafile))
    async with open_session(server.settings(), ssl_context=context) as client:
        assert client.encrypted


async def _agree_then_fail(session: FaultSession, reason: bytes) -> None:
    # Courier when it cannot start couriertls: "+OK", then, while the client's ClientHello is
    # on its way, a plain-text -ERR.
    await session.send(b"+OK Begin SSL/TLS negotiation now.\r\n")
    await session.reader.read(1)
    await session.send(b"-ERR" + reason + b"\r\n")


@pytest.mark.parametrize(
    ("reason", "shown"),
    [
        (b" STARTTLS failed: Permission denied", "the server said, unencrypted: STARTTLS failed:"),
        (b"", "the server said, unencrypted: -ERR"),
    ],
)
async def test_starttls_failing_after_ok_shows_the_server_words(
    start_fault_server: StartFaultServer, fault_certs: CertFiles, reason: bytes, shown: str
) -> None:
    async def stls(session: FaultSession, line: str) -> None:
        await _agree_then_fail(session, reason)

    server = await start_fault_server(Script(handlers={"STLS": stls}), certs=fault_certs)
    settings = server.settings(
        security=Security.STARTTLS, allow_insecure=False, cafile=str(fault_certs.cafile)
    )
    with pytest.raises(TlsError, match=r"TLS handshake with .* failed") as caught:
        async with open_session(settings):
            pass
    assert shown in str(caught.value)
    assert not caught.value.certificate_error
    assert not _sent_credentials(server.received)


async def test_stls_refused_without_text_leaves_no_empty_slot(
    start_fault_server: StartFaultServer, fault_certs: CertFiles
) -> None:
    server = await start_fault_server(
        Script(handlers={"STLS": reply(b"-ERR\r\n")}), certs=fault_certs
    )
    settings = server.settings(security=Security.STARTTLS, cafile=str(fault_certs.cafile))
    with pytest.raises(TlsError) as caught:
        async with open_session(settings):
            pass
    assert str(caught.value).endswith("refused STARTTLS (STLS); not continuing unencrypted")


async def test_implicit_tls_to_a_plaintext_port_shows_its_greeting(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(Script())
    with pytest.raises(TlsError, match=r"unencrypted: \+OK fault POP3 server ready"):
        async with open_session(server.settings(security=Security.SSL, allow_insecure=False)):
            pass


async def test_a_working_tls_session_keeps_no_capture_in_its_data_path(
    start_fault_server: StartFaultServer, fault_certs: CertFiles
) -> None:
    server = await start_fault_server(Script(), certs=fault_certs, implicit_tls=True)
    async with open_session(server.settings(cafile=str(fault_certs.cafile))) as client:
        # Under the TLS transport, the socket transport talks to asyncio's TLS protocol again.
        raw = client._require_conn()._writer.transport._ssl_protocol._transport  # type: ignore[attr-defined]
        assert type(raw.get_protocol()).__name__ == "SSLProtocol"
        assert "set_protocol" not in vars(raw)
        assert await client.stat() == (0, 0)
