"""Fixtures shared by the whole suite: real Dovecot and Mosquitto on loopback, fault servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_socket

from tests.engine.pop3.helpers import StartFaultServer
from tests.support.certs import CertFiles, make_certificates
from tests.support.dovecot import DovecotServer, MailUser, remove_dovecot, start_dovecot
from tests.support.fault_server import FaultServer, Script, server_tls_context
from tests.support.mosquitto import MosquittoBroker, remove_mosquitto, start_mosquitto
from tests.support.oauth_fixtures import (  # noqa: F401 - fixtures for the whole suite
    oauth_dovecot_server,
    oauth_mailbox,
    oauth_provider,
    oauth_provider_server,
)


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


@pytest.fixture(scope="session")
def fault_certs(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    """A CA and a certificate for 127.0.0.1."""
    return make_certificates(
        tmp_path_factory.mktemp("fault-tls"), prefix="fault", names=["127.0.0.1"]
    )


@pytest.fixture(scope="session")
def wrong_name_certs(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    """A CA and a certificate for a name that is not 127.0.0.1."""
    return make_certificates(
        tmp_path_factory.mktemp("wrong-tls"), prefix="wrong", names=["mail.example.org"]
    )


@pytest.fixture
async def start_fault_server() -> AsyncIterator[StartFaultServer]:
    """Start scripted servers; all are stopped after the test.

    ``await start_fault_server(script, certs=None, implicit_tls=False)``: with ``certs`` the
    server offers STLS, or speaks TLS from the start with ``implicit_tls``.
    """
    servers: list[FaultServer] = []

    async def start(
        script: Script | None = None,
        *,
        certs: CertFiles | None = None,
        implicit_tls: bool = False,
    ) -> FaultServer:
        context = server_tls_context(certs) if certs is not None else None
        server = FaultServer(script or Script(), tls_context=context, implicit_tls=implicit_tls)
        servers.append(server)
        return await server.start()

    yield start
    for server in servers:
        await server.stop()
