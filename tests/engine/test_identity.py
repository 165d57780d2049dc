"""Identities for servers without UIDL."""

from __future__ import annotations

import re

from pop3_mail.identity import header_block, message_identity

UIDL_ALPHABET = re.compile(r"^[\x21-\x7e]{1,70}$")


def test_message_id_gives_the_identity() -> None:
    first = message_identity(b"Subject: a\r\nMessage-ID: <x@y>\r\n\r\nbody", 100)
    again = message_identity(b"Message-Id:\r\n  <x@y>\r\nSubject: changed\r\n\r\n", 5)
    assert first == again
    assert first.startswith("mid-")
    assert UIDL_ALPHABET.match(first)


def test_without_message_id_headers_and_size_decide() -> None:
    headers = b"From: a@b\r\nSubject: hi\r\n\r\n"
    one = message_identity(headers + b"body one", 10)
    assert one == message_identity(headers + b"other body lines", 10)
    assert one != message_identity(headers, 11)
    assert one != message_identity(b"From: a@b\r\nSubject: ho\r\n\r\n", 10)
    assert one.startswith("hdr-")
    assert UIDL_ALPHABET.match(one)


def test_line_endings_do_not_change_the_identity() -> None:
    assert message_identity(b"A: 1\nB: 2\n\n", 3) == message_identity(b"A: 1\r\nB: 2\r\n\r\n", 3)


def test_empty_message_id_falls_back_to_headers() -> None:
    assert message_identity(b"Message-ID:   \r\n\r\n", 1).startswith("hdr-")


def test_header_block_without_body() -> None:
    assert header_block(b"A: 1\r\nB: 2\r\n") == b"A: 1\r\nB: 2\r\n"
    assert header_block(b"A: 1\r\n\r\nbody\r\n\r\nmore") == b"A: 1"
