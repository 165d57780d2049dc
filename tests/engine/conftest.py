"""Fixtures of the engine tests: scripted fault servers and their certificates."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.engine.pop3.helpers import StartFaultServer
from tests.support.certs import CertFiles, make_certificates
from tests.support.fault_server import FaultServer, Script, server_tls_context


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
