"""Fixtures for the daemon tests."""

from __future__ import annotations

import pytest

from tests.daemon.helpers import settled_user
from tests.support.dovecot import DovecotServer, MailUser


@pytest.fixture
def mail_user(dovecot_server: DovecotServer) -> MailUser:
    """A fresh mailbox, ready for the first login."""
    return settled_user(dovecot_server)
