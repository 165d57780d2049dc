"""Content-Transfer-Encoding: decoding body bytes and measuring decoded sizes.

Decoding is lenient (broken base64 and quoted-printable are decoded as far as possible and
flagged). Sizes of attachments are computed without decoding them: a 25 MiB base64 attachment
costs a few ``bytes.count`` passes, not a decode and a copy.
"""

from __future__ import annotations

import binascii
import re

from .encoded_words import decode_base64
from .problems import Problem, Problems

IDENTITY_ENCODINGS = frozenset({"", "7bit", "8bit", "binary"})
# "=" must start a hex escape or a soft line break (RFC 2045 6.7); anything else is damage.
_QP_BROKEN = re.compile(rb"=(?![0-9A-Fa-f]{2}|[ \t]*\r?\n|[ \t]*$)")
_BASE64_NOISE = (b"\n", b"\r", b" ", b"\t", b"=")


def normalize_transfer_encoding(text: str) -> str:
    """The lower-case mechanism of a Content-Transfer-Encoding value (comments dropped)."""
    return text.partition("(")[0].strip().lower()


def decode_transfer(data: bytes, encoding: str, problems: Problems, *, truncated: bool) -> bytes:
    """Undo the transfer encoding; ``truncated`` says the data may end mid-way."""
    if encoding == "base64":
        return decode_base64(data, problems, truncated=truncated)
    if encoding == "quoted-printable":
        if _QP_BROKEN.search(data):
            problems.add(Problem.ENCODING_BROKEN)
        return binascii.a2b_qp(data)
    if encoding not in IDENTITY_ENCODINGS:
        problems.add(Problem.ENCODING_BROKEN)
    return data


def decoded_size(raw: bytes, start: int, end: int, encoding: str) -> int:
    """Size in bytes of ``raw[start:end]`` once its transfer encoding is undone."""
    if encoding == "base64":
        letters = end - start - sum(raw.count(noise, start, end) for noise in _BASE64_NOISE)
        return max(letters, 0) * 3 // 4
    if encoding == "quoted-printable":
        return len(binascii.a2b_qp(raw[start:end]))
    return end - start
