"""Fixtures for the daemon tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.daemon.helpers import DaemonProcess, new_web_port, write_config
from tests.engine.dispatch.helpers import Subscriber
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.mosquitto import MosquittoBroker

Launch = Callable[..., Awaitable[DaemonProcess]]


@pytest.fixture
def mail_user(dovecot_server: DovecotServer) -> MailUser:
    """A fresh mailbox, ready for the first login."""
    return dovecot_server.add_user()


@pytest.fixture
def launch(tmp_path: Path, mosquitto: MosquittoBroker) -> Iterator[Launch]:
    """Start ``pop3-mail run`` for some accounts (``launch(accounts, log=..., **config)``).

    Every launch of a test writes the same configuration file and state directory (so a second
    launch is a restart) and uses the same web port. Processes are killed at the end.
    """
    started: list[DaemonProcess] = []
    web_port = new_web_port()

    async def start(
        accounts: list[dict[str, Any]], *, log: str = "daemon.log", **extra: Any
    ) -> DaemonProcess:
        config = write_config(
            tmp_path, accounts, mqtt_port=mosquitto.port, web_port=web_port, **extra
        )
        daemon = DaemonProcess(config, web_port, tmp_path / log)
        started.append(daemon)
        return await daemon.start()

    yield start
    for daemon in started:
        daemon.stop()


@pytest.fixture
def subscriber(mosquitto: MosquittoBroker) -> Iterator[Subscriber]:
    """Everything the daemon publishes under ``pop3_mail/`` and ``homeassistant/``."""
    probe = Subscriber(mosquitto.port, ["pop3_mail/#", "homeassistant/#"]).start()
    yield probe
    probe.stop()
