"""Finding the real servers the tests run against."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_binary(name: str, package: str) -> str:
    """Path of a server binary; fails in CI and skips elsewhere when it is missing."""
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = f"{name} not found: install the Debian package {package} (scripts/test does)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)
