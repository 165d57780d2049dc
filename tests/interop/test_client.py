"""The POP3 client against every interop server: listing, TOP, RETR, TLS, auth, UTF8, no marks."""

from __future__ import annotations

import pytest

from pop3_mail.errors import AuthError
from pop3_mail.mail import summarize
from pop3_mail.pop3 import open_session
from pop3_mail.settings import AuthMethod, Security
from tests.support.pop3_servers.base import InteropServer, InteropUser

from .helpers import message, settings_for

pytestmark = pytest.mark.interop


async def test_listing_top_and_retr(pop3_server: InteropServer, interop_user: InteropUser) -> None:
    for number in (1, 2, 3):
        interop_user.deliver(message(number))
    async with open_session(settings_for(pop3_server, interop_user)) as client:
        count, octets = await client.stat()
        sizes, uids = await client.list_and_uidl()
        assert count == 3
        assert uids is not None
        assert sorted(sizes) == sorted(uids) == [1, 2, 3]
        assert len(set(uids.values())) == 3
        if pop3_server.features.stat_is_list_total:
            assert sum(sizes.values()) == octets
        tops = await client.top_many([1, 2, 3], 0)
        retrieved = await client.retr(3, max_bytes=100_000)
    for number in (1, 2, 3):
        raw = tops[number]
        assert isinstance(raw, bytes)
        summary = summarize(raw, account_key="k", uid=uids[number], number=number, size=0)
        assert summary.subject == f"interop message {number}"
        assert summary.from_address == f"sender{number}@example.org"
        assert summary.message_id == f"<interop-{number}@example.org>"
    # RETR: dot-unstuffed, CRLF line ends, exactly as long as LIST said.
    assert retrieved.data.endswith(b"Line one of 3.\r\n.dot line\r\n")
    assert len(retrieved.data) == sizes[3]


async def test_uidls_stay_and_nothing_is_marked_or_deleted(
    pop3_server: InteropServer, interop_user: InteropUser
) -> None:
    for number in (1, 2):
        interop_user.deliver(message(number))
    before = interop_user.stored() if interop_user.stored else None
    listings = []
    for _ in range(2):
        async with open_session(settings_for(pop3_server, interop_user)) as client:
            sizes, uids = await client.list_and_uidl()
            await client.top_many(sorted(sizes), 0)
            listings.append(uids)
    assert listings[0] == listings[1]
    assert listings[0] is not None
    assert len(listings[0]) == 2
    if interop_user.stored is not None:
        assert interop_user.stored() == before


async def test_tls_where_offered(pop3_server: InteropServer, interop_user: InteropUser) -> None:
    features = pop3_server.features
    modes = [
        mode
        for mode, offered in (
            (Security.STARTTLS, features.stls),
            (Security.SSL, features.implicit_tls),
        )
        if offered
    ]
    interop_user.deliver(message(1))
    for security in modes:
        async with open_session(settings_for(pop3_server, interop_user, security)) as client:
            assert client.encrypted
            assert (await client.stat())[0] == 1
            assert not client.capabilities.stls  # read again over TLS
    assert len(modes) == (0 if pop3_server.name == "popa3d" else 2)


async def test_auth_methods_and_a_wrong_password(
    pop3_server: InteropServer, interop_user: InteropUser
) -> None:
    features = pop3_server.features
    methods = [AuthMethod.USER]
    methods += [AuthMethod.PLAIN] if features.sasl_plain else []
    methods += [AuthMethod.APOP] if features.apop else []
    for method in methods:
        settings = settings_for(pop3_server, interop_user, auth_method=method)
        async with open_session(settings) as client:
            assert await client.stat() == (0, 0)
    # Once per server: Courier waits 5 s before it answers a wrong password.
    wrong = settings_for(pop3_server, interop_user, auth_method=methods[-1], password="wrong pw")
    with pytest.raises(AuthError):
        async with open_session(wrong):
            pass


async def test_capabilities_login_delay_and_utf8(
    pop3_server: InteropServer, interop_user: InteropUser
) -> None:
    features = pop3_server.features
    async with open_session(settings_for(pop3_server, interop_user)) as client:
        assert client.capabilities.supported is features.capa
        assert client.capabilities.login_delay == features.login_delay
        assert client.utf8 is features.utf8
        if features.capa:
            assert client.capabilities.top
            assert client.capabilities.uidl


async def test_raw_utf8_headers(pop3_server: InteropServer, interop_user: InteropUser) -> None:
    # RFC 6532 mail: Courier hides it unless the client sent UTF8; Cyrus turns 8-bit into "X".
    raw = (
        "From: Jörg Müller <joerg@example.de>\nTo: rcpt@example.com\n"
        "Subject: Grüße aus Köln\nMessage-ID: <utf8@example.org>\n\nHallo.\n"
    ).encode()
    interop_user.deliver(raw)
    async with open_session(settings_for(pop3_server, interop_user)) as client:
        headers = await client.top(1, 0)
    summary = summarize(headers, account_key="k", uid="u", number=1, size=0)
    if pop3_server.features.eight_bit_headers:
        assert (summary.subject, summary.from_name) == ("Grüße aus Köln", "Jörg Müller")
    else:
        assert (summary.subject, summary.from_name) == ("GrXXXXe aus KXXln", "JXXrg MXXller")
    assert summary.from_address == "joerg@example.de"


async def test_8bit_only_in_an_attachment_name(
    pop3_server: InteropServer, interop_user: InteropUser
) -> None:
    # Courier replaced such a message by its notice too, ASCII subject and sender included.
    raw = (
        "From: Reports <reports@example.org>\nTo: rcpt@example.com\nSubject: Monthly report\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nSee attached.\n"
        '--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="Köln.pdf"\n'
        "Content-Transfer-Encoding: base64\n\nJVBERg==\n--b--\n"
    ).encode()
    interop_user.deliver(raw)
    async with open_session(settings_for(pop3_server, interop_user)) as client:
        sizes, _ = await client.list_and_uidl()
        whole = await client.top(1, 50)
    summary = summarize(whole, account_key="k", uid="u", number=1, size=sizes[1])
    assert (summary.subject, summary.from_address) == ("Monthly report", "reports@example.org")
    assert summary.snippet == "See attached."
    # Even Cyrus keeps 8-bit bytes in the headers of MIME parts.
    assert [attachment.filename for attachment in summary.attachments] == ["Köln.pdf"]
