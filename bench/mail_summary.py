"""How fast ``summarize`` is on typical mail, and that hostile mail costs linear time.

Run: ``.venv/bin/python bench/mail_summary.py``. The first table is the cost of one summary of a
typical ``TOP n 40`` (the no-UIDL fallback summarises up to 5,000 of these, inside Home
Assistant's event loop: keep it well under a millisecond or two). The second doubles the size of
hostile inputs: the time per step should roughly double too (linear), never quadruple.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP

from pop3_mail.mail import summarize

HEADERS = (
    b"Return-Path: <news@example.com>\r\nReceived: from mx.example.com by mail.example.org\r\n"
    b"From: =?utf-8?q?Gr=C3=BC=C3=9Fe_GmbH?= <news@example.com>\r\n"
    b"To: Someone <someone@example.org>, other@example.org\r\nCc: third@example.org\r\n"
    b"Subject: =?utf-8?b?V29jaGVuYmVyaWNodDogw7xiZXIgNDAgWmVpbGVu?=\r\n"
    b"Date: Mon, 3 Mar 2025 08:15:00 +0100\r\nMessage-ID: <bench@example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
)


def top(raw: bytes, lines: int = 40) -> bytes:
    """What ``TOP n lines`` returns for ``raw``."""
    head, _, body = raw.partition(b"\r\n\r\n")
    return head + b"\r\n\r\n" + b"".join(body.splitlines(keepends=True)[:lines])


def typical_messages() -> dict[str, bytes]:
    """A plain, an HTML-only and a multipart/alternative newsletter with an attachment."""
    text = "".join(f"Zeile {n}: Grüße aus Köln, das Wetter ist schön.\n" for n in range(200))
    html = "<html><head><style>p{margin:0}</style></head><body>" + "".join(
        f"<p>Zeile {n}: <a href='https://example.com/{n}'>Grüße</a> &amp; mehr</p>\n"
        for n in range(200)
    )
    plain = HEADERS + b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode()
    html_only = (
        HEADERS
        + b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
        + b"\r\n\r\n"
        + html.encode().replace(b"=", b"=3D")
    )
    message = EmailMessage(policy=SMTP)
    message["Subject"] = "Newsletter"
    message["From"] = "News <news@example.com>"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.add_attachment(bytes(50_000), maintype="application", subtype="pdf", filename="a.pdf")
    return {"plain": plain, "html-only": html_only, "newsletter": message.as_bytes()}


def per_call(raw: bytes, *, complete: bool, repeat: int) -> float:
    """Seconds per ``summarize`` call, best of three rounds."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            summarize(raw, account_key="k", uid="u", number=1, size=len(raw), complete=complete)
        best = min(best, (time.perf_counter() - start) / repeat)
    return best


HOSTILE: dict[str, Callable[[int], bytes]] = {
    "To with n addresses": lambda n: (
        b"To: " + b", ".join(b"u%d@example.com" % i for i in range(n)) + b"\r\n\r\n"
    ),
    "n nested comments in From": lambda n: b"From: " + b"(" * n + b")" * n + b" <a@b.c>\r\n\r\n",
    "n nested multiparts": lambda n: b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(n)
    ),
    "n fake delimiter lines": lambda n: (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--bX\r\n" * n
    ),
    "n headers": lambda n: b"X-H: v\r\n" * n + b"\r\n",
    "n encoded words": lambda n: b"Subject: " + b"=?utf-8?q?=C3=A4?= " * n + b"\r\n\r\n",
    "HTML '<a ' * n": lambda n: b"Content-Type: text/html\r\n\r\n" + b"<a " * n,
    "HTML '<!--' * n": lambda n: b"Content-Type: text/html\r\n\r\n" + b"<!--" * n,
    "base64 text of n lines": lambda n: (
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(b"x" * 57 * n)
    ),
    "n MIME parts": lambda n: (
        b"Content-Type: multipart/mixed; boundary=p\r\n\r\n"
        + b"--p\r\nContent-Type: image/gif\r\n\r\nGIF\r\n" * n
    ),
}


def main() -> None:
    """Print both tables."""
    print(f"{'typical message':<24}{'TOP n 40':>14}{'RETR':>14}")
    for name, raw in typical_messages().items():
        top_time = per_call(top(raw), complete=False, repeat=2000)
        retr_time = per_call(raw, complete=True, repeat=500)
        print(f"{name:<24}{top_time * 1e6:>11.0f} µs{retr_time * 1e6:>11.0f} µs")
    print()
    sizes = [2_000, 4_000, 8_000, 16_000, 32_000, 64_000]
    print(f"{'hostile input':<28}" + "".join(f"{size:>10}" for size in sizes) + "   (ms)")
    for name, make in HOSTILE.items():
        times = [per_call(make(size), complete=True, repeat=3) * 1e3 for size in sizes]
        print(f"{name:<28}" + "".join(f"{value:>10.2f}" for value in times))


if __name__ == "__main__":
    main()
