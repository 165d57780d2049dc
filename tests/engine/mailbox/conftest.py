"""Fixtures of the Mailbox tests: the POP3 tests' scripted fault servers, a state file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.pop3.conftest import start_fault_server

__all__ = ["start_fault_server"]


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    """Where the Mailbox under test keeps its state."""
    return tmp_path / "state" / "mailbox.json"
