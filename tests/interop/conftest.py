"""The ``pop3_server`` fixture: each interop test runs against every server in turn.

Servers are session-scoped and parametrised, so pytest groups the tests by server and runs one
server at a time (each is stopped when its group is done).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.pop3_servers.base import InteropServer, InteropUser
from tests.support.pop3_servers.registry import NAMES, SERVERS, DovecotInterop


@pytest.fixture(scope="session", params=NAMES)
def pop3_server(request: pytest.FixtureRequest) -> Iterator[InteropServer]:
    """Dovecot, Courier, Cyrus, Mailutils and popa3d on 127.0.0.1."""
    name: str = request.param
    if name == "dovecot":
        yield DovecotInterop(request.getfixturevalue("dovecot_server"))
        return
    server = SERVERS[name]()
    yield server
    server.stop()


@pytest.fixture
def interop_user(pop3_server: InteropServer) -> InteropUser:
    """A fresh, empty mailbox on the server under test."""
    return pop3_server.add_user()
