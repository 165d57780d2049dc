"""Fixtures shared by the whole suite: real Dovecot and Mosquitto on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pytest_socket

from tests.support.dovecot import DovecotServer, MailUser, remove_dovecot, start_dovecot
from tests.support.mosquitto import MosquittoBroker, remove_mosquitto, start_mosquitto


def _loopback_stays_allowed(*, allow_unix_socket: bool = False) -> None:
    """Replacement for ``pytest_socket.disable_socket``: keep sockets, rely on the host filter."""


# The Home Assistant test plugin blocks every socket before each test and then allows 127.0.0.1
# through pytest-socket's host filter. This suite talks to real servers on loopback, so it keeps
# the filter (nothing may leave the machine) and drops the blanket block.
pytest_socket.disable_socket = _loopback_stays_allowed


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    """One Dovecot for the test session (each test gets its own user)."""
    server = start_dovecot()
    yield server
    remove_dovecot(server)


@pytest.fixture
def dovecot(dovecot_server: DovecotServer) -> DovecotServer:
    """The session's Dovecot server."""
    return dovecot_server


@pytest.fixture
def mail_user(dovecot_server: DovecotServer) -> MailUser:
    """A fresh, empty mailbox on the session's Dovecot."""
    return dovecot_server.add_user()


@pytest.fixture
def mosquitto() -> Iterator[MosquittoBroker]:
    """A fresh Mosquitto broker for one test (tests may stop and restart it)."""
    broker = start_mosquitto()
    yield broker
    remove_mosquitto(broker)
