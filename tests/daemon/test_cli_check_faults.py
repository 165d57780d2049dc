"""``pop3-mail check`` against scripted servers: stalls, garbage, TLS faults, what is sent."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from tests.daemon.cli_check_helpers import (
    PASSWORD_VAR,
    Outcome,
    assert_error,
    check_args,
    run_process_async,
)
from tests.engine.pop3.helpers import StartFaultServer
from tests.support.certs import CertFiles
from tests.support.fault_server import (
    FaultServer,
    FaultSession,
    Handler,
    Script,
    hang,
    reply,
    reply_and_close,
)

PASSWORD = "F4ult-Server pw!"
TOKEN = "ya29.cli-test-token-Zq"
READ_ONLY_COMMANDS = {"CAPA", "AUTH", "USER", "PASS", "STLS", "LIST", "UIDL", "TOP", "STAT", "QUIT"}


def _message(number: int) -> bytes:
    return (
        f"From: Sender {number} <s{number}@example.org>\r\n"
        f"To: rcpt@example.org\r\nSubject: fault message {number}\r\n"
        f"Message-ID: <f{number}@example.org>\r\n\r\nbody {number}\r\n"
    ).encode()


MESSAGES = [_message(number) for number in (1, 2, 3)]

StartServer = Callable[..., Awaitable[FaultServer]]


@pytest.fixture
def start_server(start_fault_server: StartFaultServer) -> StartServer:
    """``await start_server(handlers=..., certs=None, implicit_tls=False, **script fields)``."""

    async def start(
        *,
        handlers: dict[str, Handler] | None = None,
        certs: CertFiles | None = None,
        implicit_tls: bool = False,
        **script_fields: object,
    ) -> FaultServer:
        script = Script(messages=list(MESSAGES), password=PASSWORD, handlers=handlers or {})
        for name, value in script_fields.items():
            setattr(script, name, value)
        return await start_fault_server(script, certs=certs, implicit_tls=implicit_tls)

    return start


def fault_args(server: FaultServer, *extra: str, timeout: str = "10") -> list[str]:
    """``check`` for the scripted server; plaintext unless ``extra`` says otherwise."""
    security = [] if "--security" in extra else ["--security", "plain", "--allow-insecure"]
    return check_args(
        server.host, server.port, server.script.username, *security, "--timeout", timeout, *extra
    )


def commands(server: FaultServer) -> list[str]:
    """The command names the server received, in order."""
    return [line.split(" ", 1)[0].upper() for line in server.received]


def assert_secrets_absent(outcome: Outcome, *secrets: str) -> None:
    """None of ``secrets`` (the script's password and token included) was printed."""
    for secret in (*secrets, PASSWORD, TOKEN):
        assert secret not in outcome.output


# --- what a check sends ----------------------------------------------------------------------


async def test_check_reads_with_top_only_and_commits_nothing(start_server: StartServer) -> None:
    server = await start_server()
    outcome = await run_process_async(
        fault_args(server, "--json", "--list", "2"), password=PASSWORD
    )
    assert outcome.code == 0, outcome
    document = json.loads(outcome.stdout)
    assert document["capabilities"] == [
        "AUTH-RESP-CODE",
        "IMPLEMENTATION fault-server",
        "PIPELINING",
        "RESP-CODES",
        "SASL PLAIN XOAUTH2",
        "TOP",
        "UIDL",
        "USER",
    ]
    assert (document["message_count"], document["total_size"]) == (3, sum(map(len, MESSAGES)))
    assert [(m["number"], m["uid"], m["size"]) for m in document["messages"]] == [
        (3, "uid-3", len(MESSAGES[2])),
        (2, "uid-2", len(MESSAGES[1])),
    ]
    assert [m["subject"] for m in document["messages"]] == ["fault message 3", "fault message 2"]
    sent = commands(server)
    assert set(sent) <= READ_ONLY_COMMANDS, sent
    assert sorted(line for line in server.received if line.startswith("TOP")) == [
        "TOP 2 50",
        "TOP 3 50",
    ]
    assert sent[-1] == "QUIT"
    assert server.committed == [[]]  # one clean QUIT, nothing deleted
    assert_secrets_absent(outcome)


async def test_server_without_uidl_and_a_refused_top(start_server: StartServer) -> None:
    async def refuse_top_2(session: FaultSession, line: str) -> None:
        if line.split()[1] == "2":
            await session.err("no such message")
        else:
            await session.default(line)

    server = await start_server(
        handlers={"UIDL": reply(b"-ERR unknown command\r\n"), "TOP": refuse_top_2},
        capa=("TOP", "USER"),
    )
    json_run = await run_process_async(fault_args(server, "--json"), password=PASSWORD)
    assert json_run.code == 0, json_run
    messages = json.loads(json_run.stdout)["messages"]
    assert [(m["number"], m["uid"], m["subject"]) for m in messages] == [
        (3, "3", "fault message 3"),
        (2, "2", ""),
        (1, "1", "fault message 1"),
    ]
    human = await run_process_async(fault_args(server), password=PASSWORD)
    assert human.code == 0, human
    lines = human.stdout.splitlines()
    assert lines[1] == "capabilities: TOP, USER"
    assert lines[3:] == [
        "#3 (no date)  Sender 3 <s3@example.org>",
        "    fault message 3",
        "#2 (no date)  (unknown sender)",
        "    (no subject)",
        "#1 (no date)  Sender 1 <s1@example.org>",
        "    fault message 1",
    ]


# --- stalls and broken servers ---------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """A scripted misbehaviour and a fragment of the error it must produce."""

    handlers: dict[str, Handler]
    fragment: str


FAULTS = {
    "greeting-stall": Fault({"GREETING": hang()}, "sent nothing for 1 s"),
    "partial-greeting-stall": Fault({"GREETING": hang(b"+OK hel")}, "sent nothing for 1 s"),
    "capa-stall": Fault({"CAPA": hang()}, "sent nothing for 1 s"),
    "login-stall": Fault({"AUTH": hang()}, "sent nothing for 1 s"),
    "list-stall": Fault({"LIST": hang(b"+OK 3 messages\r\n1 10\r\n")}, "sent nothing for 1 s"),
    "top-stall": Fault({"TOP": hang(b"+OK\r\nSubject: x\r\n")}, "sent nothing for 1 s"),
    "closed-before-greeting": Fault({"GREETING": reply_and_close(b"")}, "closed"),
    "closed-in-listing": Fault({"LIST": reply_and_close(b"+OK\r\n1 10\r\n")}, "closed"),
    "closed-in-top": Fault({"TOP": reply_and_close(b"+OK\r\nSubject: half")}, "closed"),
    "http-greeting": Fault({"GREETING": reply(b"HTTP/1.1 400 Bad Request\r\n\r\n")}, "+OK"),
    "binary-greeting": Fault({"GREETING": reply(b"\x16\x03\x01\x02\x00\x01\xff\xfe\r\n")}, "+OK"),
    "endless-greeting": Fault({"GREETING": reply(b"+OK " + b"x" * 200_000)}, "longer than"),
    "err-greeting": Fault({"GREETING": reply(b"-ERR go away\r\n")}, "refused the session"),
    "garbage-listing": Fault(
        {"LIST": reply(b"+OK\r\nthis is not a listing\r\n.\r\n")}, "unreadable LIST answer"
    ),
    "garbage-status": Fault({"LIST": reply(b"OK then\r\n")}, "+OK"),
    "unterminated-top": Fault(
        {"TOP": reply(b"+OK\r\nSubject: x\r\n" + b"y" * 300_000)}, "sent nothing for 1 s"
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS.values()), ids=list(FAULTS))
async def test_broken_server_exits_4_with_one_line(start_server: StartServer, fault: Fault) -> None:
    server = await start_server(handlers=fault.handlers)
    outcome = await run_process_async(fault_args(server, timeout="1"), password=PASSWORD)
    assert_error(outcome, 4, fault.fragment)
    assert_secrets_absent(outcome)


async def test_json_run_fails_the_same_way(start_server: StartServer) -> None:
    server = await start_server(handlers={"TOP": hang()})
    outcome = await run_process_async(fault_args(server, "--json", timeout="1"), password=PASSWORD)
    assert_error(outcome, 4, "sent nothing for 1 s")


async def test_tls_handshake_stall_exits_4(start_server: StartServer) -> None:
    server = await start_server(handlers={"GREETING": hang()})  # never answers the ClientHello
    args = fault_args(server, "--security", "ssl", "--no-verify", timeout="1")
    assert_error(await run_process_async(args, password=PASSWORD), 4, "TLS handshake", "1 s")


async def test_tls_to_a_plaintext_server_exits_4(start_server: StartServer) -> None:
    server = await start_server()  # greets in plaintext
    args = fault_args(server, "--security", "ssl", "--no-verify")
    assert_error(await run_process_async(args, password=PASSWORD), 4, "TLS handshake")
    assert "PASS" not in commands(server)


# --- certificates and STARTTLS -----------------------------------------------------------------


async def test_certificate_for_another_name_exits_4(
    start_server: StartServer, wrong_name_certs: CertFiles
) -> None:
    server = await start_server(certs=wrong_name_certs, implicit_tls=True)
    args = fault_args(server, "--security", "ssl", "--cafile", str(wrong_name_certs.cafile))
    outcome = await run_process_async(args, password=PASSWORD)
    assert_error(outcome, 4, "not trusted", "mismatch")
    assert server.received == []  # not a word to a server that failed verification

    # The name is the only problem: without verification the same server works.
    unverified = fault_args(server, "--security", "ssl", "--no-verify", "--json")
    accepted = await run_process_async(unverified, password=PASSWORD)
    assert accepted.code == 0, accepted
    assert json.loads(accepted.stdout)["message_count"] == len(MESSAGES)


async def test_verified_implicit_tls_and_starttls(
    start_server: StartServer, fault_certs: CertFiles
) -> None:
    cafile = str(fault_certs.cafile)
    implicit = await start_server(certs=fault_certs, implicit_tls=True)
    starttls = await start_server(certs=fault_certs)
    for server, security in ((implicit, "ssl"), (starttls, "starttls")):
        args = fault_args(server, "--security", security, "--cafile", cafile, "--json")
        outcome = await run_process_async(args, password=PASSWORD)
        assert outcome.code == 0, outcome
        assert json.loads(outcome.stdout)["security"] == security
    assert commands(starttls)[:2] == ["CAPA", "STLS"]


async def test_starttls_not_offered_exits_4_before_credentials(start_server: StartServer) -> None:
    server = await start_server()  # no certificate: no STLS in CAPA
    args = fault_args(server, "--security", "starttls", "--no-verify")
    outcome = await run_process_async(args, password=PASSWORD)
    assert_error(outcome, 4, "does not offer STARTTLS")
    assert not {"USER", "PASS", "AUTH"} & set(commands(server))


async def test_starttls_refused_exits_4_before_credentials(
    start_server: StartServer, fault_certs: CertFiles
) -> None:
    server = await start_server(
        certs=fault_certs, handlers={"STLS": reply(b"-ERR [SYS/TEMP] TLS not now\r\n")}
    )
    args = fault_args(server, "--security", "starttls", "--cafile", str(fault_certs.cafile))
    outcome = await run_process_async(args, password=PASSWORD)
    assert_error(outcome, 4, "refused STARTTLS")
    assert not {"USER", "PASS", "AUTH"} & set(commands(server))


# --- authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["auto", "user", "plain"])
@pytest.mark.parametrize("wrong", ["password", "username"])
async def test_rejected_login_exits_3(start_server: StartServer, auth: str, wrong: str) -> None:
    server = await start_server()
    args = fault_args(server, "--auth", auth)
    password = PASSWORD
    if wrong == "password":
        password = "Not-The-Pw 77"
    else:
        args[args.index(server.script.username)] = "mallory"
    outcome = await run_process_async(args, password=password)
    assert_error(outcome, 3, "authentication failed")
    assert_secrets_absent(outcome, password)
    assert "TOP" not in commands(server)


@pytest.mark.parametrize("security", ["ssl", "starttls"])
async def test_rejected_login_as_json_and_verbose(
    start_server: StartServer, fault_certs: CertFiles, security: str
) -> None:
    server = await start_server(certs=fault_certs, implicit_tls=security == "ssl")
    wrong = "Not-The-Pw 77"
    args = fault_args(server, "--security", security, "--cafile", str(fault_certs.cafile))
    assert_error(await run_process_async([*args, "--json"], password=wrong), 3, "rejected")
    verbose = await run_process_async(["-v", *args, "--auth", "user"], password=wrong)
    assert verbose.code == 3, verbose
    assert verbose.stdout == ""
    assert "> PASS ****" in verbose.stderr  # the dialogue is logged, the password masked
    assert verbose.stderr.splitlines()[-1].startswith("pop3-mail: error: authentication failed")
    assert "Traceback" not in verbose.stderr
    assert_secrets_absent(verbose, wrong)


def _token_args(server: FaultServer) -> list[str]:
    args = fault_args(server, "--json")
    index = args.index("--password-env")
    args[index : index + 2] = ["--oauth-token-env", PASSWORD_VAR]
    return args


async def test_oauth_token_login_and_rejection(start_server: StartServer) -> None:
    server = await start_server(token=TOKEN)
    accepted = await run_process_async(_token_args(server), password=TOKEN)
    assert accepted.code == 0, accepted
    assert json.loads(accepted.stdout)["message_count"] == len(MESSAGES)
    assert "AUTH XOAUTH2" in server.received
    assert_secrets_absent(accepted)

    rejected = await run_process_async(_token_args(server), password="ya29.expired-token-Qx")
    assert_error(rejected, 3, "authentication failed")
    assert_secrets_absent(rejected, "ya29.expired-token-Qx")
