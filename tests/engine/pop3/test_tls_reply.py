"""The plain-text reply shown when a TLS handshake meets text instead of TLS."""

from __future__ import annotations

import pytest

from pop3_mail.pop3.tls_reply import MAX_PLAINTEXT_REPLY, plaintext_reply


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        (b"-ERR STARTTLS failed: Permission denied\r\n", "STARTTLS failed: Permission denied"),
        (b"-err\r\n", "-ERR"),
        (b"\r\n+OK POP3 ready <1.2@x>\r\n-ERR unknown command\r\n", "+OK POP3 ready <1.2@x>"),
        (b"-ERR no CRLF yet", "no CRLF yet"),
        (b"-ERR \x1b[31mred\x07\r\n", "[31mred"),
        (b"\x15\x03\x03\x00\x02\x02\x46", ""),  # a real TLS alert record: not text
        (b"", ""),
        (b"-ERR " + b"x" * 2000 + b"\r\n", "x" * 199 + "…"),
    ],
)
def test_plaintext_reply(data: bytes, shown: str) -> None:
    assert plaintext_reply(data) == shown


def test_only_the_first_bytes_are_looked_at() -> None:
    assert plaintext_reply(b" " * MAX_PLAINTEXT_REPLY + b"-ERR late\r\n") == ""
