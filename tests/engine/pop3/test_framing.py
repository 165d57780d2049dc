"""Line framing and dot-unstuffing: examples and property-based round trips."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pop3_mail.pop3.framing import BodyDecoder, LineBuffer, strip_terminator
from tests.support.fault_server import dot_stuff

# Line content without line breaks; leading dots and empty lines are made likely.
_content = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"", b".", b"..", b"...", b". ", b".x", b"+OK", b"+OK hi"]),
    st.builds(lambda tail: b"." + tail, st.binary(max_size=20)),
).map(lambda raw: raw.replace(b"\r", b"").replace(b"\n", b""))
_lines = st.lists(_content, max_size=30)


def _decode(stream: bytes, cuts: list[int], limit: int, *, echo: bool = False) -> tuple[bytes, int]:
    """Feed ``stream`` in chunks split at ``cuts``; return the body and the bytes left over."""
    buffer = LineBuffer()
    decoder = BodyDecoder(drop_status_echo=echo)
    out = bytearray()
    edges = [0, *sorted(cut % (len(stream) + 1) for cut in cuts), len(stream)]
    chunks = [stream[a:b] for a, b in itertools.pairwise(edges)]
    for chunk in chunks:
        buffer.feed(chunk)
        while not decoder.finished and (piece := buffer.next_piece(limit)) is not None:
            content = decoder.decode(*piece)
            if content is not None:
                out += content
    assert decoder.finished
    return bytes(out), len(buffer)


@given(
    lines=_lines,
    endings=st.lists(st.sampled_from([b"\r\n", b"\n"]), min_size=31, max_size=31),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
    limit=st.integers(min_value=3, max_value=64),
    trailing=st.binary(max_size=10),
)
@settings(max_examples=400, deadline=None)
def test_round_trip_with_random_chunks_limits_and_line_endings(
    lines: list[bytes], endings: list[bytes], cuts: list[int], limit: int, trailing: bytes
) -> None:
    stuffed = b"".join(
        (b"." if line.startswith(b".") else b"") + line + endings[i] for i, line in enumerate(lines)
    )
    stream = stuffed + b"." + endings[-1] + trailing
    body, left_over = _decode(stream, cuts, limit)
    assert body == b"".join(line + b"\r\n" for line in lines)
    assert left_over == len(trailing)  # nothing after the end marker is consumed


@given(lines=_lines, cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=8))
def test_fault_server_encoding_round_trips(lines: list[bytes], cuts: list[int]) -> None:
    body, _ = _decode(dot_stuff(lines), cuts, 1 << 20)
    assert body == b"".join(line + b"\r\n" for line in lines)


def test_exactly_one_leading_dot_is_removed() -> None:
    body, _ = _decode(b"...\r\n..x\r\n.\r\n", [], 100)
    assert body == b"..\r\n.x\r\n"


def test_crlf_split_by_the_limit_is_still_the_terminator() -> None:
    buffer = LineBuffer()
    buffer.feed(b"abcd\r\nnx\r\n")
    assert buffer.next_piece(5) == (b"abcd", False)  # the CR is held back
    assert buffer.next_piece(5) == (b"\r\n", True)
    assert buffer.next_piece(5) == (b"nx\r\n", True)
    assert buffer.next_piece(5) is None


def test_incomplete_line_waits_for_more_data() -> None:
    buffer = LineBuffer()
    buffer.feed(b"par")
    assert buffer.next_piece(100) is None
    buffer.feed(b"tial\n")
    assert buffer.next_piece(100) == (b"partial\n", True)
    assert len(buffer) == 0


def test_clear_drops_everything() -> None:
    buffer = LineBuffer()
    buffer.feed(b"+OK injected\r\nmore")
    assert buffer.clear() == b"+OK injected\r\nmore"
    assert buffer.next_piece(100) is None


def test_long_stream_is_compacted_without_losing_data() -> None:
    buffer = LineBuffer()
    lines = [b"%06d\r\n" % n for n in range(50_000)]
    out = []
    for line in lines:
        buffer.feed(line)
        piece = buffer.next_piece(100)
        assert piece is not None
        out.append(piece[0])
    assert out == lines


def test_status_echo_is_dropped_only_as_the_first_line() -> None:
    body, _ = _decode(b"+OK 12 octets\r\nSubject: x\r\n+OK\r\n.\r\n", [], 100, echo=True)
    assert body == b"Subject: x\r\n+OK\r\n"
    body, _ = _decode(b"+OKAY\r\n.\r\n", [], 100, echo=True)
    assert body == b"+OKAY\r\n"


def test_embedded_carriage_returns_survive() -> None:
    body, _ = _decode(b"a\rb\r\nc\r\r\n.\r\n", [], 100)
    assert body == b"a\rb\r\nc\r\r\n"


def test_limit_below_the_end_marker_is_refused() -> None:
    with pytest.raises(ValueError):
        LineBuffer().next_piece(2)


def test_strip_terminator() -> None:
    assert strip_terminator(b"x\r\n") == b"x"
    assert strip_terminator(b"x\n") == b"x"
    assert strip_terminator(b"x") == b"x"
