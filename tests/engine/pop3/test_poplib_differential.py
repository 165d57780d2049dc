"""Differential test: our client and the standard library's poplib read the same mailbox alike.

poplib is used here only, as an oracle, with a verifying TLS context; its module-wide line limit
is raised for this test only (it would otherwise refuse the long lines real mail has).
"""

from __future__ import annotations

import asyncio
import poplib
import ssl
from dataclasses import dataclass

import pytest

from pop3_mail.pop3 import open_session
from tests.support.dovecot import DovecotServer, MailUser

from .helpers import dovecot_settings, make_message

_TOP_LINES = (0, 1, 5)


@dataclass
class _View:
    stat: tuple[int, int]
    sizes: dict[int, int]
    uids: dict[int, str]
    tops: dict[tuple[int, int], bytes]
    messages: dict[int, bytes]


def _poplib_view(dovecot: DovecotServer, user: MailUser) -> _View:
    context = ssl.create_default_context(cafile=dovecot.cafile)
    client = poplib.POP3_SSL(dovecot.host, dovecot.pop3s_port, context=context, timeout=10)
    try:
        client.user(user.username)
        client.pass_(user.password)
        stat = client.stat()
        sizes: dict[int, int] = {}
        for line in client.list()[1]:
            raw_number, raw_size = line.split()
            sizes[int(raw_number)] = int(raw_size)
        uids: dict[int, str] = {}
        for line in client.uidl()[1]:
            raw_number, uid = line.split()
            uids[int(raw_number)] = uid.decode()
        tops = {}
        for number in sizes:
            for lines in _TOP_LINES:
                tops[number, lines] = b"".join(
                    line + b"\r\n" for line in client.top(number, lines)[1]
                )
        messages = {
            number: b"".join(line + b"\r\n" for line in client.retr(number)[1]) for number in sizes
        }
        client.rset()
    finally:
        client.quit()
    return _View(stat, sizes, uids, tops, messages)


async def _our_view(dovecot: DovecotServer, user: MailUser) -> _View:
    async with open_session(dovecot_settings(dovecot, user)) as client:
        stat = await client.stat()
        sizes, uids = await client.list_and_uidl()
        assert uids is not None
        tops = {}
        for lines in _TOP_LINES:
            for number, top in (await client.top_many(sorted(sizes), lines)).items():
                assert isinstance(top, bytes)
                tops[number, lines] = top
        messages = {}
        for number in sizes:
            retrieved = await client.retr(number, max_bytes=1 << 24)
            assert not retrieved.truncated
            messages[number] = retrieved.data
    return _View(stat, sizes, uids, tops, messages)


async def test_same_view_as_poplib(
    dovecot: DovecotServer, mail_user: MailUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poplib, "_MAXLINE", 1 << 20)
    mail_user.deliver_many(
        [
            make_message(1),
            make_message(2, body=b".\r\n..\r\n.dot\r\n\r\n\r\ntrailing\r\n"),
            make_message(3, body=b"x" * 11_000 + b"\r\n" + b"y" * 150_000 + b"\r\nend\r\n"),
            b"Subject: bare LF\nFrom: a@example.org\n\nline one\n.line two\n",
            make_message(5, subject="caf\u00e9 \u2615", body="gr\u00fc\u00dfe\r\n".encode()),
            b"Subject: no body\r\n\r\n",
        ]
    )
    ours = await _our_view(dovecot, mail_user)
    theirs = await asyncio.to_thread(_poplib_view, dovecot, mail_user)
    assert ours.stat == theirs.stat
    assert ours.sizes == theirs.sizes
    assert ours.uids == theirs.uids
    assert ours.tops == theirs.tops
    assert ours.messages == theirs.messages
    assert ours.stat[0] == 6
