"""What the daemon and ``pop3-mail check`` run (the engine's Mailbox, the CLI) on every server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pop3_mail.mailbox import Mailbox
from pop3_mail.state_store import JsonFileStore
from tests.daemon.cli_check_helpers import PASSWORD_VAR, check_args, run_main
from tests.daemon.helpers import DaemonProcess, write_config
from tests.engine.mailbox.helpers import FakeClock
from tests.support.pop3_servers.base import InteropServer, InteropUser
from tests.support.ports import free_port

from .helpers import message, settings_for

pytestmark = pytest.mark.interop


async def test_polls_announce_new_mail_and_mark_nothing(
    pop3_server: InteropServer, interop_user: InteropUser, tmp_path: Path
) -> None:
    interop_user.deliver(message(1))
    clock = FakeClock()
    mailbox = Mailbox(
        settings_for(pop3_server, interop_user),
        JsonFileStore(tmp_path / "state.json"),
        clock=clock,
    )
    baseline = await mailbox.poll()
    assert baseline.baseline
    assert baseline.message_count == 1
    assert mailbox.login_delay == pop3_server.features.login_delay
    interop_user.deliver(message(2))
    interop_user.deliver(message(3, subject="=?utf-8?q?Gr=C3=BC=C3=9Fe?="))
    before = interop_user.stored() if interop_user.stored else None
    clock.now += 3600  # past any LOGIN-DELAY (Courier: 10 s), which the Mailbox enforces
    result = await mailbox.poll()
    assert result.message_count == 3
    assert [summary.subject for summary in result.new_messages] == ["interop message 2", "Grüße"]
    assert [summary.from_address for summary in result.new_messages] == [
        "sender2@example.org",
        "sender3@example.org",
    ]
    if interop_user.stored is not None:
        assert interop_user.stored() == before


def test_check_lists_the_messages(
    pop3_server: InteropServer,
    interop_user: InteropUser,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for number in (1, 2):
        interop_user.deliver(message(number))
    monkeypatch.setenv(PASSWORD_VAR, interop_user.password)
    args = check_args(
        pop3_server.host,
        pop3_server.port,
        interop_user.username,
        "--security",
        "plain",
        "--allow-insecure",
        "--json",
    )
    outcome = run_main(args, capsys)
    assert outcome.code == 0, outcome
    document = json.loads(outcome.stdout)
    assert document["message_count"] == 2
    assert document["login_delay"] == pop3_server.features.login_delay
    assert [entry["subject"] for entry in document["messages"]] == [
        "interop message 2",
        "interop message 1",
    ]
    assert interop_user.password not in outcome.output


async def test_the_daemon_reports_new_mail(
    pop3_server: InteropServer, interop_user: InteropUser, tmp_path: Path
) -> None:
    interop_user.deliver(message(1))
    account = {
        "name": "interop",
        "host": pop3_server.host,
        "port": pop3_server.port,
        "security": "plain",
        "allow_insecure": True,
        "username": interop_user.username,
        "password": interop_user.password,
        "scan_interval": 3600,
    }
    web_port = free_port()
    config = write_config(tmp_path, [account], mqtt_port=None, web_port=web_port)
    daemon = DaemonProcess(config, web_port, tmp_path / "daemon.log")
    try:
        await daemon.start()
        first = await daemon.polled("interop")
        assert first["messages"] == 1, daemon.output()
        interop_user.deliver(message(2, subject="Neue Nachricht"))
        before = interop_user.stored() if interop_user.stored else None
        if pop3_server.features.login_delay:
            await asyncio.sleep(pop3_server.features.login_delay)  # Courier: 10 s between logins
        await daemon.check("interop")
        status = await daemon.account("interop")
        assert status["messages"] == 2, daemon.output()
        assert status["last_error"] is None
        assert status["newest"][0]["subject"] == "Neue Nachricht"
        if interop_user.stored is not None:
            assert interop_user.stored() == before
    finally:
        daemon.stop()
