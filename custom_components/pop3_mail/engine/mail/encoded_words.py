"""Header text: raw 8-bit bytes and RFC 2047 encoded words, decoded leniently.

Decoding follows what mail clients do rather than the letter of RFC 2047: encoded words are
also recognised inside words and quoted strings, whitespace between two encoded words is
dropped, and adjacent encoded words in the same charset are joined *before* decoding, so a
multi-byte character split across two words (common with long Japanese subjects) survives.
Charset labels go through the WHATWG table (:mod:`.charsets`), plus UTF-7, which mail clients
decode in headers; an RFC 2231 language suffix (``=?utf-8*en?q?...?=``) is ignored. Raw 8-bit
bytes inside an encoded word are decoded once, in the word's charset.
"""

from __future__ import annotations

import binascii
import re

from .charsets import decode_header_declared, decode_undeclared
from .problems import Problem, Problems

# charset (no "?" or whitespace), B or Q, encoded text (no "?"). Each part is bounded by the
# next "?", so a failed match costs at most the distance to it: scanning stays linear.
_ENCODED_WORD = re.compile(r"=\?([^?\s]{0,80})\?([bBqQ])\?([^?]*)\?=")
_ENCODED_WORD_BYTES = re.compile(rb"=\?([^?\s]{0,80})\?([bBqQ])\?([^?]*)\?=")
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(byte for byte in range(256) if byte not in _BASE64_ALPHABET + b"=")
_BASE64_INVALID = re.compile(rb"[^A-Za-z0-9+/=\s]")
_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")


def decode_header_bytes(raw: bytes, problems: Problems) -> str:
    """Header bytes as text: ASCII, else UTF-8 (RFC 6532), else windows-1252 (flagged).

    Raw 8-bit bytes inside an encoded word (old Eudora: ``=?iso-8859-1?Q?Fr<0xF6>sche?=``)
    belong to the word's charset, not to the header's: they are kept as they are, as
    ``surrogateescape`` characters, which :func:`decode_encoded_words` turns back into bytes.
    Only the text between encoded words is decoded here.
    """
    if raw.isascii():
        return raw.decode("ascii")
    if b"=?" not in raw:
        return decode_undeclared(raw, problems)
    pieces: list[str] = []
    position = 0
    for match in _ENCODED_WORD_BYTES.finditer(raw):
        if match.start() > position:
            pieces.append(_decode_gap(raw[position : match.start()], problems))
        pieces.append(match.group().decode("ascii", "surrogateescape"))
        position = match.end()
    if position < len(raw):
        pieces.append(_decode_gap(raw[position:], problems))
    return "".join(pieces)


def _decode_gap(raw: bytes, problems: Problems) -> str:
    return raw.decode("ascii") if raw.isascii() else decode_undeclared(raw, problems)


def decode_encoded_words(text: str, problems: Problems) -> str:
    """Replace RFC 2047 encoded words in ``text`` by what they encode."""
    if "=?" not in text:
        return text
    pieces: list[str] = []
    pending_charset: str | None = None
    pending = bytearray()
    position = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        if pending_charset is None or between.strip():
            if pending_charset is not None:
                pieces.append(_decode_charset(bytes(pending), pending_charset, problems))
                pending_charset = None
            pieces.append(between)
        charset = match.group(1).partition("*")[0].lower()
        payload = _decode_payload(match.group(2), match.group(3), problems)
        if charset != pending_charset:
            if pending_charset is not None:
                pieces.append(_decode_charset(bytes(pending), pending_charset, problems))
            pending_charset = charset
            pending.clear()
        pending += payload
        position = match.end()
    if pending_charset is not None:
        pieces.append(_decode_charset(bytes(pending), pending_charset, problems))
    pieces.append(text[position:])
    return "".join(pieces)


def _decode_charset(data: bytes, charset: str, problems: Problems) -> str:
    return decode_header_declared(data, charset, problems)


def _decode_payload(encoding: str, payload: str, problems: Problems) -> bytes:
    try:
        # Raw 8-bit bytes come back as the bytes they were (see decode_header_bytes).
        data = payload.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate of another kind: not from our decoding
        data = payload.encode("utf-8", "replace")
    if not payload.isascii():
        problems.add(Problem.ENCODING_BROKEN)  # RFC 2047 allows no 8-bit inside a word
    if encoding in "bB":
        return decode_base64(data, problems)
    # Q: "_" is a space, "=XX" a byte; a stray "=" stays as it is (as in mail clients).
    data = data.replace(b"_", b" ")
    if b"=" not in data:
        return data
    decoded = _QP_ESCAPE.sub(lambda escape: bytes.fromhex(escape.group(1).decode()), data)
    if b"=" in _QP_ESCAPE.sub(b"", data):
        problems.add(Problem.ENCODING_BROKEN)
    return decoded


def decode_base64(data: bytes, problems: Problems, *, truncated: bool = False) -> bytes:
    """Lenient base64: junk skipped, padding repaired, texts padded in the middle joined.

    Flags :attr:`Problem.ENCODING_BROKEN` for anything beyond whitespace and proper padding,
    except for a cut-off last group when ``truncated`` (the data ended early, as after ``TOP``).
    """
    broken = _BASE64_INVALID.search(data) is not None
    # Padding in the middle means several base64 texts were concatenated: decode each.
    chunks = [chunk for chunk in data.translate(None, _NOT_BASE64).split(b"=") if chunk]
    broken = broken or len(chunks) > 1
    decoded = bytearray()
    for index, chunk in enumerate(chunks):
        remainder = len(chunk) % 4
        last = index == len(chunks) - 1
        if remainder == 1 or (remainder and truncated and last):
            broken = broken or not (truncated and last)
            letters = chunk[: len(chunk) - remainder]
        else:
            letters = chunk + b"=" * (-remainder % 4)
        decoded += binascii.a2b_base64(letters)
    if broken:
        problems.add(Problem.ENCODING_BROKEN)
    return bytes(decoded)
