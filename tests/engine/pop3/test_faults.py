"""Hostile and broken servers (scripted): each fault gives its typed error, never a hang."""

from __future__ import annotations

import pytest

from pop3_mail.errors import (
    AuthError,
    CommandError,
    ConnectError,
    LoginDelayError,
    MailboxInUseError,
    PermanentServerError,
    Pop3TimeoutError,
    ProtocolError,
    TransientServerError,
)
from pop3_mail.pop3 import Pop3Client, open_session
from pop3_mail.settings import Security, ServerSettings
from tests.support.fault_server import (
    Script,
    after_default,
    hang,
    reply,
    reply_and_close,
)
from tests.support.ports import free_port

from .helpers import StartFaultServer, logged_in, make_message

MESSAGES = [make_message(n) for n in range(1, 4)]


def _script(**changes: object) -> Script:
    script = Script(messages=list(MESSAGES))
    for name, value in changes.items():
        setattr(script, name, value)
    return script


async def test_well_behaved_fault_server_baseline(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(_script())
    async with open_session(server.settings()) as client:
        assert client.capabilities.implementation == "fault-server"
        assert await client.stat() == (3, sum(map(len, MESSAGES)))
        assert await client.list_and_uidl() == (
            {n: len(MESSAGES[n - 1]) for n in (1, 2, 3)},
            {1: "uid-1", 2: "uid-2", 3: "uid-3"},
        )
        assert (await client.retr(3, max_bytes=1 << 20)).data == MESSAGES[2]
    assert "QUIT" in server.received


async def test_connection_dropped_in_a_multiline_answer(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(
        _script(handlers={"RETR": reply_and_close(b"+OK 100 octets\r\nSubject: x\r\n\r\nbody")})
    )
    with pytest.raises(ConnectError, match="closed the connection"):
        async with open_session(server.settings()) as client:
            await client.retr(1, max_bytes=1 << 20)
    assert "QUIT" not in server.received


async def test_connection_dropped_before_the_terminator(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(
        _script(handlers={"LIST": reply_and_close(b"+OK\r\n1 100\r\n2 200\r\n")})
    )
    with pytest.raises(ConnectError):
        async with open_session(server.settings()) as client:
            await client.list()


async def test_stalled_command_times_out(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(_script(handlers={"TOP": hang(b"+OK\r\nSubject: x\r\n")}))
    async with logged_in(server.settings(command_timeout=0.2)) as client:
        with pytest.raises(Pop3TimeoutError):
            await client.top(1, 0)
        assert not client.connected
        with pytest.raises(ConnectError):  # the stream is out of sync: no further commands
            await client.noop()
    assert "RSET" not in server.received
    assert "QUIT" not in server.received


async def test_stalled_greeting_times_out(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(_script(handlers={"GREETING": hang()}))
    with pytest.raises(Pop3TimeoutError):
        async with open_session(server.settings(connect_timeout=0.2)):
            pass


async def test_connection_refused() -> None:
    settings = ServerSettings(
        host="127.0.0.1",
        port=free_port(),
        username="alice",
        security=Security.PLAIN,
        allow_insecure=True,
    )
    with pytest.raises(ConnectError, match="cannot connect") as caught:
        async with open_session(settings):
            pass
    assert type(caught.value) is ConnectError


@pytest.mark.parametrize(
    "greeting",
    [b"HELLO there\r\n", b"\x00\xff\xfe garbage\r\n", b"+ challenge\r\n", b"+OKAY\r\n"],
)
async def test_garbage_greeting_is_a_protocol_error(
    start_fault_server: StartFaultServer, greeting: bytes
) -> None:
    server = await start_fault_server(_script(greeting=greeting))
    with pytest.raises(ProtocolError):
        async with open_session(server.settings()):
            pass


async def test_garbage_answer_is_a_protocol_error_and_cuts_the_stream(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(_script(handlers={"STAT": reply(b"what?\r\n")}))
    with pytest.raises(ProtocolError):
        async with open_session(server.settings()) as client:
            await client.stat()
    assert "QUIT" not in server.received


async def test_sasl_challenge_to_a_plain_command_is_a_protocol_error(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(_script(handlers={"NOOP": reply(b"+ Zm9v\r\n")}))
    with pytest.raises(ProtocolError):
        async with open_session(server.settings()) as client:
            await client.noop()


@pytest.mark.parametrize(
    ("greeting", "error"),
    [
        (b"-ERR [SYS/TEMP] too many connections\r\n", TransientServerError),
        (b"-ERR [IN-USE] busy\r\n", MailboxInUseError),
        (b"-ERR go away\r\n", ConnectError),
    ],
)
async def test_refusing_greeting(
    start_fault_server: StartFaultServer, greeting: bytes, error: type[Exception]
) -> None:
    server = await start_fault_server(_script(greeting=greeting))
    with pytest.raises(error):
        async with open_session(server.settings()):
            pass


async def test_long_lines_inside_messages(start_fault_server: StartFaultServer) -> None:
    long_line = b"x" * 100_000
    huge_line = b".y" + b"y" * (3 * 1024 * 1024)  # over 1 MiB, starts with a dot
    messages = [
        make_message(1, body=long_line + b"\r\nend\r\n"),
        make_message(2, body=huge_line + b"\r\n.\r\nend\r\n"),
        make_message(3),
    ]
    server = await start_fault_server(_script(messages=messages))
    async with open_session(server.settings()) as client:
        assert (await client.retr(1, max_bytes=1 << 30)).data == messages[0]
        assert (await client.retr(2, max_bytes=1 << 30)).data == messages[1]
        cut = await client.retr(2, max_bytes=2 * 1024 * 1024)
        assert cut.truncated
        assert cut.data == messages[1][: 2 * 1024 * 1024]
        pieces = [piece async for piece in client.retr_stream(2)]
        assert b"".join(pieces) == messages[1]
        assert max(map(len, pieces)) <= 1024 * 1024
        # still in sync after draining over-long lines
        assert (await client.retr(3, max_bytes=1 << 20)).data == messages[2]
        assert (await client.top(2, 0)).startswith(b"From: sender2")


async def test_over_long_status_line_is_a_protocol_error(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(
        _script(handlers={"STAT": reply(b"+OK " + b"9" * (2 * 1024 * 1024) + b"\r\n")})
    )
    with pytest.raises(ProtocolError, match="longer than"):
        async with open_session(server.settings()) as client:
            await client.stat()


async def test_over_long_list_line_is_a_protocol_error(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(
        _script(handlers={"LIST": reply(b"+OK\r\n1 " + b"1" * 5000 + b"\r\n.\r\n")})
    )
    with pytest.raises(ProtocolError):
        async with open_session(server.settings()) as client:
            await client.list()


async def test_endless_listing_is_cut_at_the_byte_bound(
    start_fault_server: StartFaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pop3_mail.pop3.client.MAX_LISTING_BYTES", 1000)
    lines = b"".join(b"%d uid-%d\r\n" % (n, n) for n in range(1, 200))
    server = await start_fault_server(
        _script(handlers={"UIDL": reply(b"+OK\r\n" + lines + b".\r\n")})
    )
    with pytest.raises(ProtocolError, match="UIDL answer is larger than 1000 bytes"):
        async with open_session(server.settings()) as client:
            await client.list_and_uidl()


async def test_server_without_capa(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(_script(capa=None))
    async with open_session(server.settings()) as client:
        assert not client.capabilities.supported
        assert client.capabilities.as_list() == ["(CAPA not supported)"]
        before = client.stats.round_trips
        sizes, uids = await client.list_and_uidl()
        assert client.stats.round_trips == before + 2  # no PIPELINING known: one at a time
        assert len(sizes) == 3
        assert uids == {1: "uid-1", 2: "uid-2", 3: "uid-3"}
        before = client.stats.round_trips
        tops = await client.top_many([1, 2, 3], 0)
        assert client.stats.round_trips == before + 3
        assert all(isinstance(top, bytes) for top in tops.values())
    assert "USER alice" in server.received  # no SASL known: USER/PASS


async def test_server_without_uidl(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(
        _script(handlers={"UIDL": reply(b"-ERR Command not understood\r\n")})
    )
    async with open_session(server.settings()) as client:
        assert await client.uidl() is None
        sizes, uids = await client.list_and_uidl()
        assert uids is None
        assert sorted(sizes) == [1, 2, 3]


async def test_uidl_refused_with_a_temporary_code_raises(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(
        _script(handlers={"UIDL": reply(b"-ERR [SYS/TEMP] index busy\r\n")})
    )
    with pytest.raises(TransientServerError):
        async with open_session(server.settings()) as client:
            await client.uidl()


@pytest.mark.parametrize(
    ("answer", "error", "code", "retry_after"),
    [
        (
            b"-ERR [IN-USE] Mailbox is locked by another POP3 session.",
            MailboxInUseError,
            "IN-USE",
            60,
        ),
        (b"-ERR [in-use] locked", MailboxInUseError, "IN-USE", 60),
        (b"-ERR [LOGIN-DELAY] wait", LoginDelayError, "LOGIN-DELAY", 900),
        (b"-ERR [SYS/TEMP] try later", TransientServerError, "SYS/TEMP", 60),
        (b"-ERR [Sys/Temp] try later", TransientServerError, "SYS/TEMP", 60),
        (b"-ERR [AUTH] Authentication failed.", AuthError, "AUTH", None),
        (b"-ERR nope", AuthError, None, None),
    ],
)
async def test_login_response_codes(
    start_fault_server: StartFaultServer,
    answer: bytes,
    error: type[Exception],
    code: str | None,
    retry_after: float | None,
) -> None:
    capa = ["USER", "RESP-CODES", "LOGIN-DELAY 900"]
    server = await start_fault_server(
        _script(capa=capa, handlers={"PASS": reply(answer + b"\r\n")})
    )
    with pytest.raises(error) as caught:
        async with open_session(server.settings()):
            pass
    assert type(caught.value) is error
    assert caught.value.response_code == code  # type: ignore[attr-defined]
    assert getattr(caught.value, "retry_after", None) == retry_after
    assert server.received.count("QUIT") == 1  # stream in sync: polite QUIT, nothing to commit


async def test_login_delay_without_capa_value_uses_a_default(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(
        _script(handlers={"PASS": reply(b"-ERR [LOGIN-DELAY] too soon\r\n")}, capa=["USER"])
    )
    with pytest.raises(LoginDelayError) as caught:
        async with open_session(server.settings()):
            pass
    assert caught.value.retry_after == 300


async def test_gmail_pop_disabled_asks_to_enable_pop(start_fault_server: StartFaultServer) -> None:
    answer = b"-ERR [SYS/PERM] Your account is not enabled for POP access.\r\n"
    server = await start_fault_server(_script(capa=["USER"], handlers={"PASS": reply(answer)}))
    with pytest.raises(PermanentServerError, match="enable POP") as caught:
        async with open_session(server.settings()):
            pass
    assert caught.value.response_code == "SYS/PERM"


async def test_login_delay_from_capa_is_exposed(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(
        _script(
            capa=["USER", "LOGIN-DELAY 900", "EXPIRE 31 USER"],
            capa_after_login=["TOP", "UIDL", "LOGIN-DELAY 300", "EXPIRE 0"],
        )
    )
    async with open_session(server.settings()) as client:
        # per-user values from the CAPA re-read after login
        assert client.capabilities.login_delay == 300
        assert client.capabilities.expire == "0"


async def test_lower_case_capabilities(start_fault_server: StartFaultServer) -> None:
    capa = ["top", "uidl", "user", "sasl plain xoauth2", "pipelining", "login-delay 120"]
    server = await start_fault_server(_script(capa=capa))
    client = Pop3Client(server.settings())
    try:
        await client.connect()
        caps = client.capabilities
        assert caps.top
        assert caps.uidl
        assert caps.pipelining
        assert caps.sasl == {"PLAIN", "XOAUTH2"}
        assert caps.login_delay == 120
        await client.login()
        await client.quit()
    finally:
        await client.close()
    assert any(line.startswith("AUTH PLAIN ") for line in server.received)


async def test_broken_dot_stuffing_ends_early_and_the_next_answer_is_garbage(
    start_fault_server: StartFaultServer,
) -> None:
    unstuffed = b"+OK\r\nSubject: x\r\n\r\nfirst\r\n.\r\nafter the lone dot\r\n.\r\n"
    server = await start_fault_server(_script(handlers={"RETR": reply(unstuffed)}))
    async with logged_in(server.settings()) as client:
        message = await client.retr(1, max_bytes=1 << 20)
        assert message.data == b"Subject: x\r\n\r\nfirst\r\n"
        with pytest.raises(ProtocolError):
            await client.noop()  # reads "after the lone dot" as its status line
    assert "QUIT" not in server.received


async def test_missing_terminator_then_stall_times_out(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(
        _script(handlers={"RETR": hang(b"+OK\r\nSubject: x\r\n\r\nbody\r\n")})
    )
    with pytest.raises(Pop3TimeoutError):
        async with open_session(server.settings(command_timeout=0.2)) as client:
            await client.retr(1, max_bytes=100)


async def test_doubled_ok_in_top_is_tolerated(start_fault_server: StartFaultServer) -> None:
    headers = MESSAGES[0].split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    doubled = b"+OK\r\n+OK 120 octets\r\n" + headers + b".\r\n"
    server = await start_fault_server(_script(handlers={"TOP": reply(doubled)}))
    async with open_session(server.settings()) as client:
        assert await client.top(1, 0) == headers


async def test_stray_ok_after_each_top_is_tolerated(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(_script(handlers={"TOP": after_default(b"+OK\r\n")}))
    async with open_session(server.settings()) as client:
        tops = await client.top_many([1, 2, 3], 0)
    assert tops == {n: MESSAGES[n - 1].split(b"\r\n\r\n")[0] + b"\r\n\r\n" for n in (1, 2, 3)}


async def test_lf_only_server(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(_script(newline=b"\n", greeting=b"+OK hi <1@x>\n"))
    async with open_session(server.settings()) as client:
        assert client.capabilities.pipelining
        sizes, uids = await client.list_and_uidl()
        assert uids == {1: "uid-1", 2: "uid-2", 3: "uid-3"}
        assert len(sizes) == 3
        assert (await client.retr(2, max_bytes=1 << 20)).data == MESSAGES[1]
        assert (await client.top(1, 0)).endswith(b"\r\n\r\n")


async def test_long_and_odd_uidls_are_kept_with_a_flag(
    start_fault_server: StartFaultServer,
) -> None:
    uidls = ["u" * 100, "plain-uid", "uid-\u00e9"]
    server = await start_fault_server(_script(uidls=uidls))
    async with open_session(server.settings()) as client:
        uids = await client.uidl()
        assert client.irregular_uidls == 2
    assert uids is not None
    assert uids[1] == "u" * 100
    assert uids[2] == "plain-uid"
    assert uids[3] == "uid-\\xc3\\xa9"  # escaped, so stable and printable


@pytest.mark.parametrize("length", [600, 10_000, 2 * 1024 * 1024])
async def test_absurd_uidl_is_rejected(start_fault_server: StartFaultServer, length: int) -> None:
    server = await start_fault_server(_script(uidls=["a" * length, "b", "c"]))
    with pytest.raises(ProtocolError):
        async with open_session(server.settings()) as client:
            await client.uidl()


async def test_duplicate_uidls_are_allowed(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(_script(uidls=["same", "same", "other"]))
    async with open_session(server.settings()) as client:
        assert await client.uidl() == {1: "same", 2: "same", 3: "other"}


async def test_top_refused_for_one_message(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(_script())
    async with open_session(server.settings()) as client:
        await client.dele(2)
        tops = await client.top_many([1, 2, 3], 0)
        assert isinstance(tops[2], CommandError)
        assert isinstance(tops[1], bytes)
        assert isinstance(tops[3], bytes)
        with pytest.raises(CommandError):
            await client.top(2, 0)
        await client.rset()


async def test_fatal_error_in_a_top_batch_raises_after_the_batch(
    start_fault_server: StartFaultServer,
) -> None:
    server = await start_fault_server(
        _script(handlers={"TOP": reply(b"-ERR [SYS/TEMP] disk trouble\r\n")})
    )
    with pytest.raises(TransientServerError):
        async with open_session(server.settings()) as client:
            await client.top_many([1, 2, 3], 0)
    assert server.received.count("QUIT") == 1  # batch fully read: still in sync


async def test_quit_commits_deletions(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(_script())
    async with open_session(server.settings()) as client:
        await client.dele(1)
        await client.dele(3)
    assert server.committed == [[1, 3]]


async def test_error_in_the_session_rsets_before_quit(start_fault_server: StartFaultServer) -> None:
    server = await start_fault_server(_script())

    async def delete_existing_then_missing() -> None:
        async with open_session(server.settings()) as client:
            await client.dele(1)
            await client.dele(7)

    with pytest.raises(CommandError):
        await delete_existing_then_missing()
    assert server.received[-3:] == ["DELE 7", "RSET", "QUIT"]
    assert server.committed == [[]]
