"""Failed polls: typed errors without secrets, and state left exactly as it was."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pop3_mail.errors import AuthError, ConnectError, ProtocolError, TransientServerError
from pop3_mail.pop3.auth import plain_response
from tests.engine.pop3.helpers import StartFaultServer
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.fault_server import DEFAULT_CAPA, FaultSession, Script, once, reply
from tests.support.ports import free_port

from .helpers import Announcements, dovecot_mailbox, fault_mailbox, make_message

WRONG_PASSWORD = "Wr0ng-horse-battery-staple"


def assert_secret_free(error: BaseException, secret: str) -> None:
    for text in (str(error), repr(error), *map(str, error.args)):
        assert secret not in text
    if error.__cause__ is not None:
        assert_secret_free(error.__cause__, secret)


async def test_wrong_password_is_an_auth_error_without_the_password(
    dovecot: DovecotServer, mail_user: MailUser, state_path: Path
) -> None:
    mail_user.deliver(make_message(1))
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path, password=WRONG_PASSWORD)

    with pytest.raises(AuthError) as failed:
        await mailbox.poll()

    assert_secret_free(failed.value, WRONG_PASSWORD)
    assert WRONG_PASSWORD not in repr(mailbox.settings)
    assert not state_path.exists()
    assert mailbox.last_result is None
    assert mailbox.unread is None
    assert mailbox.login_delay is None


async def test_unreachable_server_is_a_connect_error(
    mail_user: MailUser, dovecot: DovecotServer, state_path: Path
) -> None:
    mailbox = dovecot_mailbox(dovecot, mail_user, state_path, port=free_port())

    with pytest.raises(ConnectError) as failed:
        await mailbox.poll()

    assert_secret_free(failed.value, mail_user.password)
    assert not state_path.exists()
    assert mailbox.last_result is None


async def test_failed_session_changes_nothing_and_deletes_nothing(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    script = Script(messages=[make_message(1), make_message(2)])
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    await mailbox.poll()
    await mailbox.request_deletion(["uid-1"])
    saved = state_path.read_bytes()
    script.messages.append(make_message(3))
    # DELE goes out before TOP fetches the new message; TOP then fails for good this session.
    script.handlers["TOP"] = once(reply(b"-ERR [SYS/TEMP] storage hiccup\r\n"))
    announced = Announcements()

    with pytest.raises(TransientServerError):
        await mailbox.poll(on_new=announced)

    assert "DELE 1" in server.received
    assert server.committed == [[], []]  # the failed session was reset, not committed
    assert state_path.read_bytes() == saved
    assert announced.results == []

    result = await mailbox.poll(on_new=announced)
    assert result.deleted == ("uid-1",)
    assert server.committed[-1] == [1]
    assert announced.subjects == ["message 3"]
    assert result.unread == 1


async def test_server_echoing_the_password_does_not_leak_it(
    start_fault_server: StartFaultServer, state_path: Path
) -> None:
    echo = reply(f"-ERR [AUTH] password {WRONG_PASSWORD} is wrong\r\n".encode())
    script = Script(messages=[make_message(1)], password=WRONG_PASSWORD)
    script.handlers.update({"PASS": echo, "AUTH": echo})
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)

    with pytest.raises(AuthError) as failed:
        await mailbox.poll()

    assert_secret_free(failed.value, WRONG_PASSWORD)
    assert "is wrong" in str(failed.value)
    assert not state_path.exists()


async def _echo_command(session: FaultSession, line: str) -> None:
    """A broken server that repeats the command instead of answering it."""
    await session.send(f"{line} ??\r\n".encode())


@pytest.mark.parametrize("sasl", [False, True], ids=["user-pass", "sasl-plain"])
@pytest.mark.parametrize("padding", ["", "x" * 40], ids=["short", "long"])
async def test_garbage_echoing_the_credentials_does_not_leak_them(
    start_fault_server: StartFaultServer,
    state_path: Path,
    caplog: pytest.LogCaptureFixture,
    sasl: bool,
    padding: str,
) -> None:
    # ``padding`` makes the username push the secret past the point where the message is cut.
    script = Script(
        messages=[make_message(1)],
        username=f"alice{padding}",
        password=WRONG_PASSWORD,
        capa=[name for name in DEFAULT_CAPA if sasl or not name.startswith("SASL")],
    )
    script.handlers.update({"PASS": _echo_command, "AUTH": _echo_command})
    server = await start_fault_server(script)
    mailbox = fault_mailbox(server, state_path)
    secret_response = plain_response(script.username, WRONG_PASSWORD)

    with caplog.at_level(logging.DEBUG), pytest.raises(ProtocolError) as failed:
        await mailbox.poll()

    for secret in (WRONG_PASSWORD[:8], secret_response[-12:]):
        assert_secret_free(failed.value, secret)
        assert secret not in caplog.text
    assert "****" in str(failed.value)
