"""Realistic mail for benchmarks, written straight into a Maildir the way an MTA does.

The mix (deterministic for a seed): plain notes, HTML-only and multipart/alternative
newsletters, and mail with a base64 attachment; subjects and names in UTF-8 and Latin-1,
base64 and quoted-printable encoded words; a few ``Received`` and ``DKIM-Signature`` lines like
real mail. Lines stay within 78 characters (RFC 5322), so poplib's 2,048-byte line limit
never trips. Files are stored with LF line endings and Dovecot's ``S=``/``W=`` size fields in
their names, as Dovecot's own delivery does, so the server need not read them to answer ``LIST``.
"""

from __future__ import annotations

import base64
import itertools
import os
import quopri
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import base64mime, quoprimime
from email.utils import format_datetime

from tests.support.dovecot import MailUser

_WORDS = [
    "Grüße",
    "aus",
    "Köln",
    "das",
    "Wetter",
    "ist",
    "schön",
    "heute",
    "morgen",
    "Bericht",
    "Rechnung",
    "Lieferung",
    "Termin",
    "meeting",
    "invoice",
    "delivery",
    "schedule",
    "update",
    "the",
    "project",
    "status",
    "report",
    "für",
    "über",
    "Straße",
    "naïve",
    "café",
    "déjà",
    "vu",
    "résumé",
    "Zürich",
    "Ångström",
    "smørrebrød",
    "and",
    "with",
    "for",
    "your",
    "order",
    "has",
    "been",
    "shipped",
    "tracking",
    "number",
    "please",
    "find",
    "attached",
    "weekly",
    "newsletter",
    "offer",
    "discount",
]
_SENDERS = (
    ("Grüße GmbH", "news@gruesse.example"),
    ("Paketdienst", "noreply@parcel.example"),
    ("Jürgen Müller", "juergen@example.de"),
    ("Anna Smith", "anna@example.com"),
    ("Café Zürich", "info@cafe.example.ch"),
    ("Bank", "alerts@bank.example"),
)
_FILE_TYPES = (("application", "pdf", "pdf"), ("image", "jpeg", "jpg"), ("text", "csv", "csv"))
_counter = itertools.count(1)


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    return [" ".join(_sentence(rng, rng.randint(6, 16)) for _ in range(4)) for _ in range(count)]


def _encoded(text: str, rng: random.Random) -> str:
    """A header value as mail clients write it: plain ASCII, or folded encoded words."""
    if text.isascii():
        return text
    charset = rng.choice(("utf-8", "iso-8859-1"))
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    encode = rng.choice((base64mime.header_encode, quoprimime.header_encode))
    words = text.split(" ")
    # Three words per encoded word keep each under 76 characters; the space between encoded
    # words is folding, not text, so each chunk carries its own trailing space.
    chunks = [" ".join(words[start : start + 3]) + " " for start in range(0, len(words), 3)]
    chunks[-1] = chunks[-1][:-1]
    return "\n ".join(encode(chunk.encode(charset), charset) for chunk in chunks)


def _qp(text: str) -> bytes:
    return quopri.encodestring(text.encode(), quotetabs=False).replace(b"\r\n", b"\n")


def _html(paragraphs: list[str]) -> str:
    rows = "\n".join(
        f'<tr><td style="padding:8px;font-family:Arial"><p>{p}</p>'
        f'<a href="https://example.com/track/{n}?utm_source=news">mehr</a></td></tr>'
        for n, p in enumerate(paragraphs)
    )
    return (
        "<!DOCTYPE html><html><head><style>p{margin:0;color:#333}</style></head>"
        f'<body><table width="600">\n{rows}\n</table></body></html>\n'
    )


def _headers(rng: random.Random, when: datetime, content_type: str) -> bytes:
    name, address = rng.choice(_SENDERS)
    subject = _sentence(rng, rng.randint(3, 9))[:-1]
    number = next(_counter)
    lines = [
        f"Return-Path: <{address}>",
        *(
            f"Received: from mx{hop}.example.net (mx{hop}.example.net [192.0.2.{hop}])\n"
            f"\tby mail.example.org with ESMTPS id {rng.getrandbits(48):x}\n"
            f"\tfor <someone@example.org>; {format_datetime(when)}"
            for hop in range(rng.randint(2, 4))
        ),
    ]
    if rng.random() < 0.5:
        signature = base64.b64encode(rng.randbytes(180)).decode()
        lines.append(
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel;\n"
            "\th=from:to:subject:date:message-id;\n"
            "\tb=" + "\n\t".join(signature[i : i + 64] for i in range(0, len(signature), 64))
        )
    lines += [
        f"From: {_encoded(name, rng)} <{address}>",
        "To: Someone <someone@example.org>",
        f"Subject: {_encoded(subject, rng)}",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <bench.{number}.{rng.getrandbits(32):x}@example.com>",
        "MIME-Version: 1.0",
        content_type,
    ]
    return ("\n".join(lines) + "\n\n").encode()


def _single_part(rng: random.Random, when: datetime, subtype: str, body: str) -> bytes:
    content_type = f"text/{subtype}; charset=utf-8\nContent-Transfer-Encoding: quoted-printable"
    return _headers(rng, when, f"Content-Type: {content_type}") + _qp(body)


def _plain(rng: random.Random, when: datetime) -> bytes:
    return _single_part(rng, when, "plain", "\n\n".join(_paragraphs(rng, rng.randint(2, 30))))


def _html_only(rng: random.Random, when: datetime) -> bytes:
    return _single_part(rng, when, "html", _html(_paragraphs(rng, rng.randint(5, 60))))


def _alternative(rng: random.Random, when: datetime) -> bytes:
    paragraphs = _paragraphs(rng, rng.randint(5, 60))
    boundary = f"alt-{rng.getrandbits(64):x}"
    return (
        _headers(rng, when, f'Content-Type: multipart/alternative; boundary="{boundary}"')
        + b"This is a multi-part message in MIME format.\n\n"
        + _part(boundary, "text/plain; charset=utf-8", _qp("\n\n".join(paragraphs)))
        + _part(boundary, "text/html; charset=utf-8", _qp(_html(paragraphs)))
        + f"--{boundary}--\n".encode()
    )


def _with_attachment(rng: random.Random, when: datetime, size: int | None = None) -> bytes:
    boundary = f"mix-{rng.getrandbits(64):x}"
    maintype, subtype, extension = rng.choice(_FILE_TYPES)
    if size is None:
        size = min(int(rng.lognormvariate(10.5, 1.0)), 2_000_000)  # median ~36 kB
    data = base64.encodebytes(rng.randbytes(size)).replace(b"\r\n", b"\n")
    text = "\n\n".join(_paragraphs(rng, rng.randint(1, 4)))
    return (
        _headers(rng, when, f'Content-Type: multipart/mixed; boundary="{boundary}"')
        + _part(boundary, "text/plain; charset=utf-8", _qp(text))
        + _part(
            boundary,
            f'{maintype}/{subtype}; name="Anhang {next(_counter)}.{extension}"',
            data,
            encoding="base64",
            disposition=f'attachment; filename="Anhang.{extension}"',
        )
        + f"--{boundary}--\n".encode()
    )


def _part(
    boundary: str,
    content_type: str,
    body: bytes,
    *,
    encoding: str = "quoted-printable",
    disposition: str | None = None,
) -> bytes:
    head = f"--{boundary}\nContent-Type: {content_type}\nContent-Transfer-Encoding: {encoding}\n"
    if disposition:
        head += f"Content-Disposition: {disposition}\n"
    return head.encode() + b"\n" + body + b"\n"


_KINDS = ((_plain, 0.45), (_alternative, 0.30), (_html_only, 0.10), (_with_attachment, 0.15))


def realistic_messages(count: int, *, seed: int = 1) -> Iterator[bytes]:
    """``count`` messages (LF line endings), oldest first, one every few minutes."""
    rng = random.Random(seed)
    makers = [maker for maker, _ in _KINDS]
    weights = [weight for _, weight in _KINDS]
    when = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    for _ in range(count):
        when += timedelta(minutes=rng.randint(1, 30))
        yield rng.choices(makers, weights)[0](rng, when)


def message_with_attachment(size: int, *, seed: int = 1) -> bytes:
    """One message with a base64 attachment of ``size`` random bytes (about 4/3 on the wire)."""
    rng = random.Random(seed)
    return _with_attachment(rng, datetime(2025, 3, 3, 9, 0, tzinfo=UTC), size)


def write_to_maildir(user: MailUser, messages: Iterator[bytes]) -> tuple[int, int]:
    """Store messages in ``new/`` as an MTA does; returns ``(count, total bytes on disk)``.

    Names carry an increasing timestamp (Dovecot numbers new mail in name order) and the
    ``S=`` (size) and ``W=`` (size with CRLF line endings, what ``LIST`` reports) fields.
    """
    count = total = 0
    for data in messages:
        n = next(_counter)
        virtual = len(data) + data.count(b"\n")
        name = f"{1_750_000_000 + n}.M{n}P{os.getpid()}.bench,S={len(data)},W={virtual}"
        tmp = user.maildir / "tmp" / name
        tmp.write_bytes(data)
        os.chown(tmp, user.uid, user.gid)
        tmp.rename(user.maildir / "new" / name)
        count += 1
        total += len(data)
    return count, total
