"""Fixtures for the POP3 client tests: scripted fault servers and their certificates."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from tests.support.certs import CertFiles, make_certificates
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.fault_server import FaultServer, Script, server_tls_context

from .helpers import StartFaultServer


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


class _UserPool:
    """Mailboxes created ahead of use.

    Dovecot's passwd-file driver re-reads the file at most once per second, so a user added in
    the same second as an earlier login is unknown until the next second. Users created in a
    batch, followed by one pause, are all known when the tests use them.
    """

    def __init__(self, server: DovecotServer) -> None:
        self._server = server
        self._free: list[MailUser] = []

    def take(self) -> MailUser:
        if not self._free:
            self._free = [self._server.add_user() for _ in range(_POOL_BATCH)]
            time.sleep(1.1)
        return self._free.pop(0)


_POOL_BATCH = 25


@pytest.fixture(scope="session")
def _user_pool(dovecot_server: DovecotServer) -> _UserPool:
    return _UserPool(dovecot_server)


@pytest.fixture
def mail_user(_user_pool: _UserPool) -> MailUser:
    """A fresh, empty mailbox that Dovecot already knows (overrides the suite's fixture)."""
    return _user_pool.take()
