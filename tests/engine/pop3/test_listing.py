"""STAT, LIST and UIDL parsing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pop3_mail.errors import ProtocolError
from pop3_mail.pop3.listing import parse_list, parse_stat, parse_uidl


def test_stat() -> None:
    assert parse_stat("2 320") == (2, 320)
    assert parse_stat("0 0 extra words") == (0, 0)
    for bad in ("", "2", "two 320", "-1 5", "\u0661 2"):
        with pytest.raises(ProtocolError):
            parse_stat(bad)


def test_list() -> None:
    assert parse_list([b"1 120", b"2 200 extension"]) == {1: 120, 2: 200}
    for bad in ([b"1"], [b"x 1"], [b"1 -5"], [b"1 1", b"1 2"], [b"1 " + b"9" * 20]):
        with pytest.raises(ProtocolError):
            parse_list(bad)


def test_uidl() -> None:
    report = parse_uidl([b"1 whqtswO00WBw418f9t5JxYwZ", b"2 QhdPYR:00WBw1Ph7x7"])
    assert report.uids == {1: "whqtswO00WBw418f9t5JxYwZ", 2: "QhdPYR:00WBw1Ph7x7"}
    assert report.irregular == 0


def test_irregular_uidls_are_escaped_and_counted() -> None:
    report = parse_uidl([b"1 " + b"x" * 71, b"2 caf\xc3\xa9", b"3 tab\there", b"4 ok"])
    assert report.irregular == 3
    assert report.uids[2] == "caf\\xc3\\xa9"
    assert report.uids[3] == "tab\\x09here"
    assert report.uids[4] == "ok"


@pytest.mark.parametrize(
    "lines", [[b"1"], [b"1 "], [b"a b"], [b"1 " + b"x" * 513], [b"1 a", b"1 b"]]
)
def test_bad_uidl(lines: list[bytes]) -> None:
    with pytest.raises(ProtocolError):
        parse_uidl(lines)


_LISTING_BYTES = st.sampled_from(
    [
        b"1",
        b"2",
        b"0",
        b"9" * 14,
        b"9" * 15,
        b" ",
        b"\t",
        b"x",
        b"-",
        b"\x80",
        b"\x0b",
        b".",
        b"A" * 71,
    ]
)
_LISTING_LINES = st.lists(
    st.lists(_LISTING_BYTES, min_size=1, max_size=6).map(b"".join), min_size=1, max_size=4
)


def _outcome(parse: Callable[[list[bytes]], object], lines: list[bytes]) -> object:
    try:
        result = parse(lines)
    except ProtocolError:
        return ProtocolError
    return result


@given(_LISTING_LINES)
@example([b"1" + b"9" * 15 + b" 2"])
@example([b"1 2" + b"9" * 15])
@example([b"1 " + b"A" * 70, b"2 " + b"A" * 71])
@example([b"1 A\x0b", b"1 1", b"1 1 x", b"1 1\x0bx"])
def test_fast_path_agrees_with_the_careful_path(lines: list[bytes]) -> None:
    """Regular lines take a regex shortcut; a leading blank forces the word-splitting path."""
    careful = [b" " + line for line in lines]
    assert _outcome(parse_list, lines) == _outcome(parse_list, careful)
    assert _outcome(parse_uidl, lines) == _outcome(parse_uidl, careful)
