"""``pop3-mail check`` against the real Dovecot: output, JSON shape, exit codes, secrets."""

from __future__ import annotations

import base64
import json
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest

from pop3_mail.mail.model import MailSummary, summary_id
from pop3_mail_daemon import check
from pop3_mail_daemon.cli import main
from tests.daemon.cli_check_helpers import (
    PASSWORD_VAR,
    Outcome,
    assert_error,
    check_args,
    run_main,
    run_process,
)
from tests.support.certs import make_certificates
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.ports import free_port

PASSWORD = "Tr0ub4dor&3 xyzzy-Pw"
"""Distinctive, so that finding it in any output cannot be a coincidence."""
# The summary fields the issue names for --json.
SPEC_FIELDS = {"uid", "number", "size", "subject", "from_name", "from_address", "to", "cc"}
SPEC_FIELDS |= {"date", "message_id", "snippet", "attachments", "id"}


@dataclass(frozen=True)
class Mail:
    """A test message (LF line ends, as an MTA stores it) and what ``check`` must show."""

    raw: bytes
    subject: str
    sender: str
    date: str

    @property
    def pop3_size(self) -> int:
        """The size POP3 reports: every line ends in CRLF on the wire."""
        return len(self.raw.replace(b"\n", b"\r\n"))


def _mail(day: int, from_: bytes, subject: bytes, body: bytes = b"Hello.\n") -> bytes:
    return (
        b"From: " + from_ + b"\n"
        b"To: Me <me@example.com>\n"
        b"Subject: " + subject + b"\n"
        b"Date: Wed, 0" + str(day).encode() + b" May 2024 10:00:00 +0200\n"
        b"Message-ID: <m" + str(day).encode() + b"@example.org>\n"
        b"MIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8\n\n" + body
    )


MAILS = [
    Mail(
        _mail(
            1,
            b"=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.org>",
            b"=?utf-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=",
            b"Erste Zeile\nzweite Zeile\n",
        ),
        "Grüße aus Köln",
        "Jürgen Müller <juergen@example.org>",
        "2024-05-01T10:00:00+02:00",
    ),
    Mail(
        _mail(2, b"cafe@example.fr", b"=?ISO-8859-1?Q?Caf=E9_cr=E8me_=E0_la_fran=E7aise?="),
        "Café crème à la française",
        "cafe@example.fr",
        "2024-05-02T10:00:00+02:00",
    ),
    Mail(
        _mail(3, b"Ivan <ivan@example.ru>", b"=?koi8-r?B?8NLJ18XUIMnaIO3P08vX2Q==?="),
        "Привет из Москвы",
        "Ivan <ivan@example.ru>",
        "2024-05-03T10:00:00+02:00",
    ),
    Mail(
        _mail(4, b"tanaka@example.jp", b"=?iso-2022-jp?B?GyRCRnxLXDhsJE43b0w+GyhC?="),
        "日本語の件名",
        "tanaka@example.jp",
        "2024-05-04T10:00:00+02:00",
    ),
    Mail(
        _mail(5, b"billing@example.com", b"=?windows-1252?Q?Rechnung_=FCber_5_=80?="),
        "Rechnung über 5 €",
        "billing@example.com",
        "2024-05-05T10:00:00+02:00",
    ),
    Mail(
        # An emoji in two adjacent encoded words: the whitespace between them is not text.
        _mail(
            6,
            b"=?utf-8?B?8J+amiBQYWtldGRpZW5zdA==?= <parcel@example.net>",
            b"=?utf-8?B?8J+TpiBQYWtldCA=?=\n =?utf-8?B?dW50ZXJ3ZWdzIPCfmpo=?=",
        ),
        "📦 Paket unterwegs 🚚",
        "🚚 Paketdienst <parcel@example.net>",
        "2024-05-06T10:00:00+02:00",
    ),
]


@pytest.fixture
def user(dovecot: DovecotServer) -> MailUser:
    """An empty mailbox whose password is :data:`PASSWORD`."""
    return dovecot.add_user(password=PASSWORD)


@pytest.fixture
def filled(user: MailUser) -> MailUser:
    """The mailbox with every message of :data:`MAILS`, in order (oldest is number 1)."""
    user.deliver_many([mail.raw for mail in MAILS])
    return user


@pytest.fixture
def password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The password in the environment of in-process runs."""
    monkeypatch.setenv(PASSWORD_VAR, PASSWORD)


SECURITIES = ["ssl", "starttls"]


def tls_args(dovecot: DovecotServer, user: MailUser, security: str, *extra: str) -> list[str]:
    """``check`` for ``user`` over verified TLS (implicit or STARTTLS) with the test CA."""
    port = dovecot.pop3s_port if security == "ssl" else dovecot.pop3_port
    return check_args(
        dovecot.host,
        port,
        user.username,
        "--security",
        security,
        "--cafile",
        dovecot.cafile,
        # Above Dovecot's auth penalty (up to 15 s for every login from an address whose
        # logins failed just before), so a wrong-password test cannot make others time out.
        "--timeout",
        "30",
        *extra,
    )


def parse_json(outcome: Outcome) -> dict[str, Any]:
    """The single JSON object of a successful ``--json`` run."""
    assert outcome.code == 0, outcome
    assert outcome.stderr == ""
    document = json.loads(outcome.stdout)  # fails on anything before or after the object
    assert isinstance(document, dict)
    return document


def message_lines(mails: list[Mail]) -> list[str]:
    """The human output lines for ``mails``, newest first (numbers in delivery order)."""
    lines = []
    for number, mail in sorted(enumerate(mails, start=1), reverse=True):
        lines += [f"#{number} {mail.date}  {mail.sender}", f"    {mail.subject}"]
    return lines


# --- success against Dovecot ---------------------------------------------------------------


@pytest.mark.parametrize("security", SECURITIES)
def test_human_output_shows_decoded_subjects_newest_first(
    dovecot: DovecotServer, filled: MailUser, security: str
) -> None:
    port = dovecot.pop3s_port if security == "ssl" else dovecot.pop3_port
    outcome = run_process(tls_args(dovecot, filled, security, "--list", "10"), password=PASSWORD)
    assert outcome.code == 0, outcome
    assert outcome.stderr == ""
    lines = outcome.stdout.splitlines()
    assert lines[0] == f"{filled.username} on 127.0.0.1:{port} ({security})"
    assert lines[1].startswith("capabilities: ")
    assert {"TOP", "UIDL"} <= set(lines[1].removeprefix("capabilities: ").split(", "))
    total = sum(mail.pop3_size for mail in MAILS)
    assert lines[2] == f"messages: {len(MAILS)}, total size: {total} bytes"
    assert lines[3:] == message_lines(MAILS)


@pytest.mark.parametrize("security", SECURITIES)
def test_json_is_one_object_with_the_summary_fields(
    dovecot: DovecotServer, filled: MailUser, security: str
) -> None:
    port = dovecot.pop3s_port if security == "ssl" else dovecot.pop3_port
    outcome = run_process(
        tls_args(dovecot, filled, security, "--json", "--list", "10"), password=PASSWORD
    )
    document = parse_json(outcome)
    assert document["host"] == "127.0.0.1"
    assert document["port"] == port
    assert document["security"] == security
    assert document["username"] == filled.username
    assert {"TOP", "UIDL"} <= set(document["capabilities"])
    assert all(isinstance(name, str) for name in document["capabilities"])
    assert document["message_count"] == len(MAILS)
    assert document["total_size"] == sum(mail.pop3_size for mail in MAILS)

    messages = document["messages"]
    assert [message["number"] for message in messages] == [6, 5, 4, 3, 2, 1]
    assert [message["subject"] for message in messages] == [m.subject for m in reversed(MAILS)]
    assert [message["size"] for message in messages] == [m.pop3_size for m in reversed(MAILS)]
    model_fields = {field.name for field in fields(MailSummary)}
    for message in messages:
        assert set(message) == model_fields
        assert set(message) >= SPEC_FIELDS
        assert message["id"] == summary_id(f"{filled.username}@127.0.0.1:{port}", message["uid"])
    assert len({message["uid"] for message in messages}) == len(MAILS)

    oldest = messages[-1]
    assert oldest["from_name"] == "Jürgen Müller"
    assert oldest["from_address"] == "juergen@example.org"
    assert oldest["to"] == ["me@example.com"]
    assert oldest["cc"] == []
    assert oldest["date"] == "2024-05-01T10:00:00+02:00"
    assert oldest["message_id"] == "<m1@example.org>"
    assert oldest["snippet"] == "Erste Zeile zweite Zeile"
    assert oldest["attachments"] == []
    newest = messages[0]
    assert newest["from_name"] == "🚚 Paketdienst"
    # Non-ASCII travels as UTF-8, not as \u escapes, when stdout is UTF-8.
    assert "📦 Paket unterwegs 🚚" in outcome.stdout


@pytest.mark.parametrize("newest", [0, 1, 3, 6, 50])
def test_list_limits_to_the_newest_messages(
    dovecot: DovecotServer,
    filled: MailUser,
    password_env: None,
    capsys: pytest.CaptureFixture[str],
    newest: int,
) -> None:
    args = tls_args(dovecot, filled, "ssl", "--list", str(newest))
    document = parse_json(run_main([*args, "--json"], capsys))
    expected = list(range(len(MAILS), 0, -1))[:newest]
    assert [message["number"] for message in document["messages"]] == expected
    assert document["message_count"] == len(MAILS)

    human = run_main(args, capsys)
    assert human.code == 0
    shown = [line for line in human.stdout.splitlines() if line.startswith("#")]
    assert [int(line[1:].split()[0]) for line in shown] == expected


def test_list_defaults_to_five(
    dovecot: DovecotServer, filled: MailUser, password_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    document = parse_json(run_main([*tls_args(dovecot, filled, "ssl"), "--json"], capsys))
    assert [message["number"] for message in document["messages"]] == [6, 5, 4, 3, 2]


def test_empty_mailbox(
    dovecot: DovecotServer, user: MailUser, password_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    human = run_main(tls_args(dovecot, user, "ssl"), capsys)
    assert human.code == 0
    assert human.stdout.splitlines()[2:] == ["messages: 0, total size: 0 bytes"]
    document = parse_json(run_main([*tls_args(dovecot, user, "ssl"), "--json"], capsys))
    assert (document["message_count"], document["total_size"], document["messages"]) == (0, 0, [])


def test_python_dash_m_runs_the_same_command(dovecot: DovecotServer, filled: MailUser) -> None:
    outcome = run_process(
        [*tls_args(dovecot, filled, "ssl"), "--json", "--list", "1"],
        password=PASSWORD,
        command=(sys.executable, "-m", "pop3_mail_daemon.cli"),
    )
    assert [message["subject"] for message in parse_json(outcome)["messages"]] == [
        MAILS[-1].subject
    ]


def test_json_stays_valid_when_stdout_is_not_utf8(dovecot: DovecotServer, filled: MailUser) -> None:
    args = [*tls_args(dovecot, filled, "ssl"), "--list", "10"]
    env = {"PYTHONIOENCODING": "latin-1"}
    json_run = run_process([*args, "--json"], password=PASSWORD, env=env, encoding="latin-1")
    assert json_run.stdout.isascii()  # escaped: a latin-1 reader gets valid JSON too
    document = parse_json(json_run)
    assert [message["subject"] for message in document["messages"]] == [
        mail.subject for mail in reversed(MAILS)
    ]
    human = run_process(args, password=PASSWORD, env=env, encoding="latin-1")
    assert human.code == 0, human
    assert human.stderr == ""
    # What latin-1 can show is shown; the rest is escaped rather than a crash.
    assert "    Café crème à la française" in human.stdout.splitlines()
    assert "    \\U0001f4e6 Paket unterwegs \\U0001f69a" in human.stdout.splitlines()


def test_check_changes_nothing_in_the_mailbox(
    dovecot: DovecotServer, filled: MailUser, password_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    before = filled.seen_flags()
    assert len(before) == len(MAILS)
    for extra in ([], ["--json"], ["--list", "100"]):
        assert run_main([*tls_args(dovecot, filled, "ssl"), *extra], capsys).code == 0
    assert run_main([*tls_args(dovecot, filled, "starttls"), "--list", "100"], capsys).code == 0
    assert filled.seen_flags() == dict.fromkeys(before, False)
    document = parse_json(run_main([*tls_args(dovecot, filled, "ssl"), "--json"], capsys))
    assert document["message_count"] == len(MAILS)


@pytest.mark.parametrize("security", SECURITIES)
def test_no_verify_accepts_an_untrusted_certificate(
    dovecot: DovecotServer, filled: MailUser, security: str
) -> None:
    port = dovecot.pop3s_port if security == "ssl" else dovecot.pop3_port
    args = check_args(dovecot.host, port, filled.username, "--security", security, "--no-verify")
    outcome = run_process([*args, "--json"], password=PASSWORD)
    assert parse_json(outcome)["message_count"] == len(MAILS)


def test_plain_needs_the_insecure_opt_in(
    dovecot: DovecotServer, filled: MailUser, password_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = check_args(dovecot.host, dovecot.pop3_port, filled.username, "--security", "plain")
    assert_error(run_main(args, capsys), 2, "insecure")
    document = parse_json(run_main([*args, "--allow-insecure", "--json"], capsys))
    assert document["security"] == "plain"
    assert document["message_count"] == len(MAILS)


def test_password_from_a_file(dovecot: DovecotServer, filled: MailUser, tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")  # editors add the line end
    args = tls_args(dovecot, filled, "ssl", "--json")
    index = args.index("--password-env")
    args[index : index + 2] = ["--password-file", str(secret)]
    assert parse_json(run_process(args))["message_count"] == len(MAILS)


# --- secrets ---------------------------------------------------------------------------------


def _assert_password_absent(outcome: Outcome, password: str, username: str = "") -> None:
    assert password not in outcome.output
    if username:  # nor as the SASL PLAIN message that carries it
        assert base64.b64encode(f"\x00{username}\x00{password}".encode()).decode() not in (
            outcome.output
        )


@pytest.mark.parametrize("auth", ["auto", "user", "plain"])
@pytest.mark.parametrize("extra", [[], ["--json"], ["-v"]], ids=["human", "json", "verbose"])
def test_password_never_printed_on_success(
    dovecot: DovecotServer, filled: MailUser, auth: str, extra: list[str]
) -> None:
    verbose = [arg for arg in extra if arg == "-v"]
    args = [*verbose, *tls_args(dovecot, filled, "ssl", "--auth", auth)]
    args += [arg for arg in extra if arg != "-v"]
    outcome = run_process(args, password=PASSWORD)
    assert outcome.code == 0, outcome
    assert MAILS[-1].subject in outcome.stdout
    if verbose:
        assert " > " in outcome.stderr  # the debug log really shows the dialogue
    _assert_password_absent(outcome, PASSWORD, filled.username)


def test_wrong_password_exits_3(dovecot: DovecotServer, filled: MailUser) -> None:
    # The only failing login against Dovecot here: its auth penalty delays every later login
    # from 127.0.0.1 for a while (variants are tested against the scripted server).
    wrong = "Wr0ng-Passw0rd qq"
    outcome = run_process(tls_args(dovecot, filled, "ssl"), password=wrong)
    assert_error(outcome, 3, "authentication failed", "rejected the login")
    _assert_password_absent(outcome, wrong, filled.username)
    _assert_password_absent(outcome, PASSWORD)


def test_password_with_a_line_break_is_a_usage_error(
    dovecot: DovecotServer, filled: MailUser, tmp_path: Path
) -> None:
    secret = tmp_path / "password"
    secret.write_text(f"{PASSWORD}\nUSER injected\n", encoding="utf-8")
    args = tls_args(dovecot, filled, "ssl")
    index = args.index("--password-env")
    args[index : index + 2] = ["--password-file", str(secret)]
    outcome = run_process(args)
    assert_error(outcome, 2, "line break")
    _assert_password_absent(outcome, PASSWORD)


# --- connection and TLS failures -------------------------------------------------------------


def test_connection_refused_exits_4(
    user: MailUser, password_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    outcome = run_main(check_args("127.0.0.1", port, user.username, "--no-verify"), capsys)
    assert_error(outcome, 4, f"127.0.0.1:{port}")
    assert_error(run_process(check_args("127.0.0.1", port, "u"), password=PASSWORD), 4)


@pytest.mark.parametrize("security", SECURITIES)
def test_untrusted_certificate_exits_4(
    dovecot: DovecotServer, filled: MailUser, security: str
) -> None:
    port = dovecot.pop3s_port if security == "ssl" else dovecot.pop3_port
    args = check_args(dovecot.host, port, filled.username, "--security", security)
    outcome = run_process(args, password=PASSWORD)
    assert_error(outcome, 4, "not trusted")
    _assert_password_absent(outcome, PASSWORD)


def test_certificate_from_another_ca_exits_4(
    dovecot: DovecotServer, filled: MailUser, tmp_path: Path
) -> None:
    other = make_certificates(tmp_path, prefix="other", names=["127.0.0.1"])
    args = tls_args(dovecot, filled, "ssl")
    args[args.index(dovecot.cafile)] = str(other.cafile)
    assert_error(run_process(args, password=PASSWORD), 4, "not trusted")


def test_implicit_tls_to_the_plaintext_port_exits_4(
    dovecot: DovecotServer, filled: MailUser
) -> None:
    args = tls_args(dovecot, filled, "ssl")
    args[args.index(str(dovecot.pop3s_port))] = str(dovecot.pop3_port)
    assert_error(run_process(args, password=PASSWORD), 4, "TLS")


def test_starttls_to_the_implicit_tls_port_exits_4(
    dovecot: DovecotServer, filled: MailUser
) -> None:
    # Both sides wait for the other to speak first: only the client's timeout ends it.
    args = tls_args(dovecot, filled, "starttls")
    args[args.index(str(dovecot.pop3_port))] = str(dovecot.pop3s_port)
    args[args.index("--timeout") + 1] = "1"
    assert_error(run_process(args, password=PASSWORD), 4, "1 s")


# --- usage errors ----------------------------------------------------------------------------

BASE = ["check", "--host", "127.0.0.1", "--port", "1", "--username", "u"]
"""A closed port: an argument check that fails to stop the run would end in exit 4, not 2."""
WITH_ENV = [*BASE, "--password-env", PASSWORD_VAR]

USAGE_ERRORS: list[tuple[str, list[str], str]] = [
    ("no-command", [], "required"),
    ("unknown-command", ["fetch"], "invalid choice"),
    ("check-alone", ["check"], "required"),
    ("no-host", ["check", "--username", "u", "--password-env", PASSWORD_VAR], "--host"),
    ("no-username", ["check", "--host", "127.0.0.1", "--password-env", PASSWORD_VAR], "--username"),
    ("no-secret", BASE, "--password-env"),
    ("two-secrets", [*WITH_ENV, "--password-file", "/x"], "not allowed"),
    ("cafile-and-no-verify", [*WITH_ENV, "--cafile", "/x", "--no-verify"], "not allowed"),
    ("port-not-a-number", [*WITH_ENV, "--port", "pop"], "--port"),
    ("port-zero", [*WITH_ENV, "--port", "0"], "out of range"),
    ("port-too-big", [*WITH_ENV, "--port", "65536"], "out of range"),
    ("unknown-security", [*WITH_ENV, "--security", "tls"], "--security"),
    ("list-not-a-number", [*WITH_ENV, "--list", "five"], "--list"),
    ("timeout-zero", [*WITH_ENV, "--timeout", "0"], "timeout"),
    ("timeout-negative", [*WITH_ENV, "--timeout", "-1"], "timeout"),
    ("timeout-nan", [*WITH_ENV, "--timeout", "nan"], "timeout"),
    ("timeout-infinite", [*WITH_ENV, "--timeout", "inf"], "timeout"),
    ("timeout-word", [*WITH_ENV, "--timeout", "soon"], "--timeout"),
    ("xoauth2-without-token", [*WITH_ENV, "--auth", "xoauth2"], "token"),
    ("plain-without-opt-in", [*WITH_ENV, "--security", "plain"], "insecure"),
    ("missing-cafile", [*WITH_ENV, "--cafile", "/nonexistent/ca.pem"], "/nonexistent/ca.pem"),
    ("stray-argument", [*WITH_ENV, "extra"], "unrecognized arguments: extra"),
]


@pytest.mark.parametrize(
    ("args", "fragment"), [case[1:] for case in USAGE_ERRORS], ids=[c[0] for c in USAGE_ERRORS]
)
def test_usage_errors_exit_2_with_one_line(
    password_env: None, capsys: pytest.CaptureFixture[str], args: list[str], fragment: str
) -> None:
    assert_error(run_main(args, capsys), 2, fragment)


def test_missing_password_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(PASSWORD_VAR, raising=False)
    assert_error(run_main(WITH_ENV, capsys), 2, PASSWORD_VAR, "not set")
    monkeypatch.setenv(PASSWORD_VAR, "")
    assert_error(run_main(WITH_ENV, capsys), 2, PASSWORD_VAR, "empty")


def _unusable_password_files(tmp_path: Path) -> dict[str, Path]:
    not_utf8 = tmp_path / "latin1"
    not_utf8.write_bytes("Passwört\n".encode("latin-1"))
    empty = tmp_path / "empty"
    empty.write_text("\n")
    a_file = tmp_path / "a-file"
    a_file.write_text("pw\n")
    return {
        "missing": tmp_path / "missing",
        "directory": tmp_path,
        "not-utf8": not_utf8,
        "empty": empty,
        "below-a-file": a_file / "password",
    }


@pytest.mark.parametrize("case", ["missing", "directory", "not-utf8", "empty", "below-a-file"])
def test_unusable_password_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    path = _unusable_password_files(tmp_path)[case]
    outcome = run_main([*BASE, "--password-file", str(path)], capsys)
    line = assert_error(outcome, 2, str(path))
    assert "Passwört" not in line


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--password=hunter2-secret"], "ambiguous option: --password=… could match"),
        (["--password", "hunter2-secret"], "ambiguous option: --password could match"),
        (["--pass=hunter2-secret"], "--pass=…"),
        (["-p", "hunter2-secret"], "required"),
        (["--password-env", PASSWORD_VAR, "-p", "hunter2-secret"], "arguments: -p …"),
        (["--password-env", PASSWORD_VAR, "-p=hunter2-secret", "x"], "arguments: -p=… x"),
    ],
    ids=["equals", "space", "abbreviation", "dash-p", "extra-dash-p", "extra-dash-p-equals"],
)
def test_password_typed_on_the_command_line_is_not_echoed(
    password_env: None, capsys: pytest.CaptureFixture[str], args: list[str], fragment: str
) -> None:
    line = assert_error(run_main([*BASE, *args], capsys), 2, fragment)
    assert "hunter2-secret" not in line


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(["check", "--host", "127.0.0.1"], "required"), ([*WITH_ENV, "--timeout", "nan"], "timeout")],
    ids=["missing-arguments", "bad-timeout"],
)
def test_usage_error_in_a_real_process(args: list[str], fragment: str) -> None:
    assert_error(run_process(args, password=PASSWORD), 2, fragment)


def test_help_offers_no_password_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "--password-env" in text
    assert "--password-file" in text
    options = {word.strip("[]()|,") for word in text.split()}
    assert "--password" not in options


@pytest.mark.parametrize(
    ("raised", "code", "expected"),
    [
        (RuntimeError(f"bug while using {PASSWORD}"), 1, "internal error (RuntimeError)"),
        (KeyboardInterrupt(), 130, None),
    ],
    ids=["bug", "interrupted"],
)
def test_unexpected_failures_end_without_a_traceback(
    password_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    raised: BaseException,
    code: int,
    expected: str | None,
) -> None:
    async def failing_check(*_: object) -> None:
        raise raised

    monkeypatch.setattr(check, "check_mailbox", failing_check)  # the CLI imports it when run
    outcome = run_main(WITH_ENV, capsys)
    if expected is None:
        assert outcome == Outcome(code, "", "")
        return
    line = assert_error(outcome, code, expected)
    assert PASSWORD not in line  # the exception's text is not shown: it may hold anything
