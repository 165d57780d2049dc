"""The client against a real Dovecot: security modes, login, and command semantics."""

from __future__ import annotations

import pytest

from pop3_mail.errors import AuthError, CommandError, TlsError
from pop3_mail.pop3 import Pop3Client, open_session
from pop3_mail.settings import AuthMethod, Security
from tests.support.dovecot import DovecotServer, MailUser

from .helpers import dovecot_settings, make_message


async def test_implicit_tls_verified_with_the_ca_file(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    mail_user.deliver(make_message(1))
    async with open_session(dovecot_settings(dovecot, mail_user)) as client:
        assert await client.stat() == (1, len(make_message(1)))
        assert client.encrypted
        assert client.capabilities.supported
        assert client.capabilities.uidl
        assert client.capabilities.top
        assert not client.capabilities.stls  # never offered on a TLS connection
        assert not client.capabilities.sasl  # re-read after login: Dovecot drops SASL there
        assert client.greeting


async def test_capabilities_before_login_list_the_mechanisms(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    client = Pop3Client(dovecot_settings(dovecot, mail_user))
    try:
        await client.connect()
        assert "PLAIN" in client.capabilities.sasl
        assert client.capabilities.user
        assert "SASL LOGIN PLAIN" in client.capabilities.as_list()
    finally:
        await client.abort()


async def test_starttls_upgrades_and_rereads_capa(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    client = Pop3Client(dovecot_settings(dovecot, mail_user, security=Security.STARTTLS))
    try:
        await client.connect()
        # Before the upgrade Dovecot lists STLS; the CAPA we keep is the one read over TLS.
        assert client.encrypted
        assert client.capabilities.supported
        assert not client.capabilities.stls
        await client.login()
        assert await client.stat() == (0, 0)
        await client.quit()
    finally:
        await client.close()


async def test_plaintext_only_with_the_opt_in(dovecot: DovecotServer, mail_user: MailUser) -> None:
    settings = dovecot_settings(dovecot, mail_user, security=Security.PLAIN, allow_insecure=True)
    async with open_session(settings) as client:
        assert await client.stat() == (0, 0)
        assert not client.encrypted


async def test_wrong_password_is_an_auth_error(dovecot: DovecotServer, mail_user: MailUser) -> None:
    settings = dovecot_settings(dovecot, mail_user, password="not-the-password")
    with pytest.raises(AuthError) as caught:
        async with open_session(settings):
            pass
    assert caught.value.response_code == "AUTH"
    assert "not-the-password" not in str(caught.value)


@pytest.mark.parametrize("method", [AuthMethod.USER, AuthMethod.PLAIN, AuthMethod.AUTO])
async def test_login_methods(
    dovecot: DovecotServer, mail_user: MailUser, method: AuthMethod
) -> None:
    async with open_session(dovecot_settings(dovecot, mail_user, auth_method=method)) as client:
        await client.noop()


async def test_default_verification_rejects_the_private_ca(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    settings = dovecot_settings(dovecot, mail_user, cafile=None)
    with pytest.raises(TlsError) as caught:
        async with open_session(settings):
            pass
    assert caught.value.certificate_error


async def test_starttls_verifies_the_certificate_too(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    settings = dovecot_settings(dovecot, mail_user, security=Security.STARTTLS, cafile=None)
    with pytest.raises(TlsError) as caught:
        async with open_session(settings):
            pass
    assert caught.value.certificate_error


async def test_verification_can_be_disabled(dovecot: DovecotServer, mail_user: MailUser) -> None:
    settings = dovecot_settings(dovecot, mail_user, verify_tls=False)
    async with open_session(settings) as client:
        assert await client.stat() == (0, 0)


async def test_listing_and_top(dovecot: DovecotServer, mail_user: MailUser) -> None:
    messages = [make_message(n) for n in range(1, 4)]
    mail_user.deliver_many(messages)
    async with open_session(dovecot_settings(dovecot, mail_user)) as client:
        sizes = await client.list()
        uids = await client.uidl()
        assert sizes == {n: len(messages[n - 1]) for n in (1, 2, 3)}
        assert uids is not None
        assert sorted(uids) == [1, 2, 3]
        assert len(set(uids.values())) == 3
        assert await client.list_and_uidl() == (sizes, uids)
        headers = await client.top(2, 0)
        assert headers == messages[1].split(b"\r\n\r\n")[0] + b"\r\n\r\n"
        one_line = await client.top(2, 1)
        assert one_line == headers + b"body of message 2\r\n"
        with pytest.raises(CommandError):
            await client.top(9, 0)


async def test_top_leaves_mail_unread_but_retr_marks_it_seen(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    first = mail_user.deliver(make_message(1))
    second = mail_user.deliver(make_message(2))
    async with open_session(dovecot_settings(dovecot, mail_user)) as client:
        await client.top_many([1, 2], 5)
    assert mail_user.seen_flags() == {first: False, second: False}
    async with open_session(dovecot_settings(dovecot, mail_user)) as client:
        message = await client.retr(2, max_bytes=1 << 20)
    assert message.data == make_message(2)
    assert not message.truncated
    assert mail_user.seen_flags() == {first: False, second: True}


async def test_retr_cap_truncates_and_stays_in_sync(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    big = make_message(1, body=b"".join(b"line %05d\r\n" % n for n in range(5000)))
    mail_user.deliver(big)
    mail_user.deliver(make_message(2))
    async with open_session(dovecot_settings(dovecot, mail_user)) as client:
        cut = await client.retr(1, max_bytes=1000)
        assert cut.truncated
        assert cut.data == big[:1000]
        assert (await client.retr(2, max_bytes=10_000)).data == make_message(2)
        streamed = [line async for line in client.retr_stream(1)]
        assert b"".join(streamed) == big
        assert all(line.endswith(b"\r\n") for line in streamed)


async def test_dot_stuffed_lines_come_back_unstuffed(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    body = b".\r\n..\r\n.leading dot\r\n\r\n. \r\nend\r\n"
    mail_user.deliver(make_message(1, body=body))
    async with open_session(dovecot_settings(dovecot, mail_user)) as client:
        assert (await client.retr(1, max_bytes=10_000)).data == make_message(1, body=body)
        assert (await client.top(1, 3)).endswith(b"\r\n\r\n.\r\n..\r\n.leading dot\r\n")


class _StopError(Exception):
    pass


async def test_dele_then_abort_keeps_the_message(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    mail_user.deliver_many([make_message(1), make_message(2)])

    async def delete_then_fail() -> None:
        async with open_session(dovecot_settings(dovecot, mail_user)) as client:
            await client.dele(1)
            assert await client.stat() == (1, len(make_message(2)))
            raise _StopError

    with pytest.raises(_StopError):
        await delete_then_fail()
    assert len(mail_user.message_files()) == 2


async def test_dele_then_quit_removes_the_message(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    mail_user.deliver_many([make_message(1), make_message(2)])
    async with open_session(dovecot_settings(dovecot, mail_user)) as client:
        await client.dele(1)
    assert len(mail_user.message_files()) == 1
    async with open_session(dovecot_settings(dovecot, mail_user)) as client:
        assert (await client.retr(1, max_bytes=10_000)).data == make_message(2)


async def test_rset_undoes_dele(dovecot: DovecotServer, mail_user: MailUser) -> None:
    mail_user.deliver_many([make_message(1), make_message(2)])
    async with open_session(dovecot_settings(dovecot, mail_user)) as client:
        await client.dele(2)
        with pytest.raises(CommandError):
            await client.dele(2)  # already marked
        await client.rset()
        assert await client.stat() == (2, len(make_message(1)) + len(make_message(2)))
    assert len(mail_user.message_files()) == 2


async def test_pipelined_top_batches_over_many_messages(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    messages = [make_message(n) for n in range(1, 131)]
    mail_user.deliver_many(messages)
    async with open_session(dovecot_settings(dovecot, mail_user)) as client:
        assert client.capabilities.pipelining
        before = client.stats.round_trips
        sizes, uids = await client.list_and_uidl()
        assert client.stats.round_trips == before + 1
        assert uids is not None
        assert len(sizes) == 130
        before = client.stats.round_trips
        tops = await client.top_many(sorted(sizes), 0)
        # 130 messages in batches of 50: three round trips instead of 130.
        assert client.stats.round_trips == before + 3
        assert client.stats.commands >= 132
    for number, message in enumerate(messages, start=1):
        assert tops[number] == message.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    assert client.stats.bytes_received > sum(
        len(top) for top in tops.values() if isinstance(top, bytes)
    )


async def test_stats_count_the_wire(dovecot: DovecotServer, mail_user: MailUser) -> None:
    async with open_session(dovecot_settings(dovecot, mail_user)) as client:
        stats = client.stats
        assert stats.bytes_sent > 0
        assert stats.bytes_received > len(client.greeting)
        commands = stats.commands
        await client.noop()
        assert stats.commands == commands + 1
