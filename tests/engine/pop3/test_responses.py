"""Status lines and the mapping of response codes to typed errors."""

from __future__ import annotations

import pytest

from pop3_mail.errors import (
    AuthError,
    CommandError,
    LoginDelayError,
    MailboxInUseError,
    PermanentServerError,
    ProtocolError,
    TransientServerError,
)
from pop3_mail.pop3.responses import Kind, error_for, parse_status


@pytest.mark.parametrize(
    ("line", "kind", "code", "text"),
    [
        (b"+OK\r\n", Kind.OK, None, ""),
        (b"+OK 2 320\r\n", Kind.OK, None, "2 320"),
        (b"+ok lower case\n", Kind.OK, None, "lower case"),
        (b"-ERR [IN-USE] locked\r\n", Kind.ERR, "IN-USE", "locked"),
        (b"-ERR [sys/temp] later\r\n", Kind.ERR, "SYS/TEMP", "later"),
        (b"-ERR [AUTH]\r\n", Kind.ERR, "AUTH", ""),
        (b"-ERR no code [NOT-A-CODE]\r\n", Kind.ERR, None, "no code [NOT-A-CODE]"),
        (b"+\r\n", Kind.CONTINUE, None, ""),
        (b"+ eyJzdGF0dXMiOiI0MDEifQ==\r\n", Kind.CONTINUE, None, "eyJzdGF0dXMiOiI0MDEifQ=="),
        (b"+ OKish challenge\r\n", Kind.CONTINUE, None, "OKish challenge"),
    ],
)
def test_parse_status(line: bytes, kind: Kind, code: str | None, text: str) -> None:
    status = parse_status(line)
    assert (status.kind, status.code, status.text) == (kind, code, text)


@pytest.mark.parametrize("line", [b"", b"OK\r\n", b"+OKAY\r\n", b"-ERROR x\r\n", b"* 1 EXISTS\r\n"])
def test_garbage_status(line: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_status(line)


def test_safe_text_is_sanitised() -> None:
    status = parse_status(b"-ERR bad\x00\x1b[31m thing " + b"x" * 500 + b"\r\n")
    assert "\x00" not in status.safe_text
    assert "\x1b" not in status.safe_text
    assert len(status.safe_text) <= 200


@pytest.mark.parametrize(
    ("line", "at_login", "error"),
    [
        (b"-ERR [IN-USE] x", False, MailboxInUseError),
        (b"-ERR [LOGIN-DELAY] x", True, LoginDelayError),
        (b"-ERR [SYS/TEMP] x", False, TransientServerError),
        (b"-ERR [SYS/OTHER] x", False, TransientServerError),
        (b"-ERR [SYS/PERM] x", True, PermanentServerError),
        (b"-ERR [AUTH] x", True, AuthError),
        (b"-ERR x", True, AuthError),
        (b"-ERR x", False, CommandError),
        (b"-ERR [UNKNOWN-CODE] x", False, CommandError),
    ],
)
def test_error_mapping(line: bytes, at_login: bool, error: type[Exception]) -> None:
    result = error_for(parse_status(line), command="PASS", at_login=at_login)
    assert type(result) is error


def test_login_delay_hint_prefers_the_capa_value() -> None:
    status = parse_status(b"-ERR [LOGIN-DELAY] wait")
    with_capa = error_for(status, command="PASS", login_delay=900)
    without = error_for(status, command="PASS")
    assert isinstance(with_capa, LoginDelayError)
    assert isinstance(without, LoginDelayError)
    assert with_capa.retry_after == 900
    assert without.retry_after == 300


def test_secrets_are_redacted_even_when_cut_short() -> None:
    secret = "s3cr3t-" + "p" * 300
    error = error_for(
        parse_status(f"-ERR [AUTH] {secret}".encode()), command="PASS", redact=(secret,)
    )
    assert "s3cr3t" not in str(error)
    assert "****" in str(error)


def test_pop_disabled_message() -> None:
    error = error_for(
        parse_status(b"-ERR [SYS/PERM] POP access is disabled for your domain."), command="PASS"
    )
    assert "enable POP" in str(error)
    generic = error_for(parse_status(b"-ERR [SYS/PERM] account suspended"), command="PASS")
    assert "enable POP" not in str(generic)
