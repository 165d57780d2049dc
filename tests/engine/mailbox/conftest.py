"""Fixtures of the Mailbox tests: a state file (fault servers come from tests/engine)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    """Where the Mailbox under test keeps its state."""
    return tmp_path / "state" / "mailbox.json"
