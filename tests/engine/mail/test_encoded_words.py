"""RFC 2047 encoded words, decoded the way mail clients do."""

from __future__ import annotations

import pytest

from pop3_mail.mail.encoded_words import decode_base64, decode_encoded_words
from pop3_mail.mail.problems import Problems


def decode(text: str) -> tuple[str, tuple[str, ...]]:
    problems = Problems()
    return decode_encoded_words(text, problems), problems.as_tuple()


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        ("plain text", "plain text"),
        ("=?utf-8?q?a_b?=", "a b"),
        ("=?UTF-8?Q?=c3=a4?=", "ä"),
        ("=?utf-8?b?w6Q=?=", "ä"),
        ("=?utf-8?b?w6Q?=", "ä"),  # missing padding
        # Whitespace between encoded words goes, whitespace next to plain text stays.
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),
        ("=?utf-8?q?a?=\t =?iso-8859-1?q?=E9?=", "aé"),
        ("x =?utf-8?q?a?= y", "x a y"),
        # Inside words (forbidden by the RFC, produced by real mailers).
        ("pre=?utf-8?q?=C3=A4?=post", "preäpost"),
        # Bytes of one character split over two words are joined first.
        ("=?utf-8?b?4oI=?= =?utf-8?b?rA==?=", "€"),
        ("=?utf-8?q?=E2=82?= =?utf-8?q?=AC?=", "€"),
        ("=?utf-8?Q?a?b?=", "=?utf-8?Q?a?b?="),
        ("=?utf-8?x?abc?=", "=?utf-8?x?abc?="),
        ("=?utf-8?q?not closed", "=?utf-8?q?not closed"),
    ],
)
def test_decoding(text: str, decoded: str) -> None:
    assert decode(text) == (decoded, ())


def test_broken_q_escapes_stay_and_are_flagged() -> None:
    assert decode("=?utf-8?q?100=_=ZZ?=") == ("100= =ZZ", ("encoding_broken",))


@pytest.mark.parametrize(
    ("data", "decoded", "problems"),
    [
        (b"YWJj\r\nZGVm\r\n", b"abcdef", ()),
        (b"YWJjZA==", b"abcd", ()),
        (b"YWJjZA", b"abcd", ()),
        (b"YW Jj\tZA==", b"abcd", ()),
        (b"YW*Jj!ZA==", b"abcd", ("encoding_broken",)),
        (b"YQ==YQ==", b"aa", ("encoding_broken",)),
        (b"YWJjZ", b"abc", ("encoding_broken",)),
        (b"", b"", ()),
    ],
)
def test_lenient_base64(data: bytes, decoded: bytes, problems: tuple[str, ...]) -> None:
    found = Problems()
    assert decode_base64(data, found) == decoded
    assert found.as_tuple() == problems


def test_a_cut_base64_group_is_no_damage_when_the_data_was_truncated() -> None:
    problems = Problems()
    assert decode_base64(b"YWJjZGVmZ2", problems, truncated=True) == b"abcdef"
    assert problems.as_tuple() == ()
