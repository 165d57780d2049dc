"""RFC 2047 encoded words, decoded the way mail clients do."""

from __future__ import annotations

import pytest

from pop3_mail.mail.encoded_words import decode_base64, decode_encoded_words, decode_header_bytes
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


@pytest.mark.parametrize(
    ("raw", "decoded", "problems"),
    [
        # Eudora: Latin-1 bytes straight inside a Q word belong to the word's charset.
        (b"=?iso-8859-1?Q?Fr\xf6sche?=", "Frösche", ("encoding_broken",)),
        (b"=?utf-8?B?R3I=?= \xc3\xbc =?koi8-r?q?\xf0\xd2?=", "Gr ü Пр", ("encoding_broken",)),
        (b"Gr\xc3\xbc\xc3\x9fe =?iso-8859-1?q?=F6?=", "Grüße ö", ()),
        (b"Gr\xfc\xdfe =?utf-8?q?=C3=B6?=", "Grüße ö", ("charset_fallback",)),
        (b"=?iso-8859-1?q?\xf6", "=?iso-8859-1?q?ö", ("charset_fallback",)),  # no word: text
    ],
)
def test_raw_8bit_bytes_in_and_around_encoded_words(
    raw: bytes, decoded: str, problems: tuple[str, ...]
) -> None:
    found = Problems()
    assert decode_encoded_words(decode_header_bytes(raw, found), found) == decoded
    assert found.as_tuple() == problems


@pytest.mark.parametrize(
    ("word", "decoded"),
    [
        ("=?utf-7?Q?Fr+APY-sche?=", "Frösche"),
        ("=?UTF-7?B?RnIrQVBZLXNjaGU=?=", "Frösche"),
        ("=?unicode-1-1-utf-7?Q?+ZeVnLIqe-?=", "日本語"),
        ("=?x-unicode-2-0-utf-7?Q?a+-b?=", "a+b"),
    ],
)
def test_utf7_encoded_words(word: str, decoded: str) -> None:
    found = Problems()
    assert decode_encoded_words(word, found) == decoded
    assert found.as_tuple() == ()


def test_broken_utf7_is_replaced_and_flagged() -> None:
    found = Problems()
    assert decode_encoded_words("=?utf-7?Q?+AP?=", found) == "\ufffd"
    assert found.as_tuple() == ("charset_fallback",)
