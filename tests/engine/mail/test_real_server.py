"""Summaries of what a real Dovecot sends for ``TOP`` and ``RETR``."""

from __future__ import annotations

import poplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from pop3_mail.mail import Attachment, MailSummary
from tests.engine.mail.checks import corpus, summarize_bytes
from tests.support.dovecot import DovecotServer, MailUser


@contextmanager
def pop3(dovecot: DovecotServer, user: MailUser) -> Iterator[poplib.POP3_SSL]:
    context = ssl.create_default_context(cafile=dovecot.cafile)
    client = poplib.POP3_SSL(dovecot.host, dovecot.pop3s_port, context=context)
    try:
        client.user(user.username)
        client.pass_(user.password)
        yield client
    finally:
        client.quit()


def as_bytes(lines: list[bytes]) -> bytes:
    """poplib's dot-unstuffed lines back as the message bytes, CRLF line ends."""
    return b"".join(line + b"\r\n" for line in lines)


def listed_size(client: poplib.POP3_SSL, number: int) -> int:
    sizes = dict(line.split() for line in client.list()[1])
    return int(sizes[str(number).encode()])


def without_identity(summary: MailSummary) -> dict[str, object]:
    data = summary.as_dict()
    for key in ("id", "uid", "number", "size"):
        del data[key]
    return data


def test_top_shows_what_the_fetched_lines_hold(dovecot: DovecotServer, mail_user: MailUser) -> None:
    mail_user.deliver(corpus("attachments-rfc2231.eml").replace(b"\r\n", b"\n"))
    with pop3(dovecot, mail_user) as client:
        size = listed_size(client, 1)
        tops = {lines: as_bytes(client.top(1, lines)[1]) for lines in (0, 5, 12)}
    headers_only = summarize_bytes(tops[0], complete=False, size=size)
    assert headers_only.subject == "attachments"
    assert headers_only.from_address == "sender@example.org"
    assert headers_only.snippet == ""
    assert headers_only.problems == ("body_truncated",)
    first_part = summarize_bytes(tops[5], complete=False, size=size)
    assert first_part.snippet == "See attached é."
    assert first_part.attachments == ()
    with_attachment = summarize_bytes(tops[12], complete=False, size=size)
    assert with_attachment.attachments == (Attachment("€ rates 2025.pdf", "application/pdf", None),)
    assert with_attachment.problems == ("body_truncated",)
    # TOP never marks the message as read.
    assert not any(mail_user.seen_flags().values())


def test_retr_gives_the_same_summary_as_the_file(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    names = ["attachments-rfc2231.eml", "html-only.eml", "ew-iso-2022-jp.eml", "addresses.eml"]
    for name in names:
        mail_user.deliver(corpus(name).replace(b"\r\n", b"\n"))
    with pop3(dovecot, mail_user) as client:
        for number, name in enumerate(names, start=1):
            retrieved = as_bytes(client.retr(number)[1])
            summary = summarize_bytes(retrieved, size=listed_size(client, number))
            assert summary.problems == summarize_bytes(corpus(name)).problems
            assert without_identity(summary) == without_identity(summarize_bytes(corpus(name)))
