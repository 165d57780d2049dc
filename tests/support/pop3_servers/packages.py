"""Where ``scripts/fetch-pop3-servers`` unpacked the server packages, and whether they are there.

The servers conflict with ``dovecot-pop3d`` as installed packages, so the script downloads them
with ``apt-get download`` and unpacks them with ``dpkg -x`` into :data:`CACHE` (git-ignored);
Mailutils' ``pop3d`` and the libraries they need are installed normally. In CI a missing piece
fails the tests (they must run there); elsewhere it skips them with the reason.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ..binaries import IN_CI

REPOSITORY = Path(__file__).resolve().parents[3]
CACHE = Path(os.environ.get("POP3_MAIL_SERVER_CACHE", REPOSITORY / ".cache" / "pop3-servers"))
ROOT = CACHE / "root"
"""The unpacked packages: ``ROOT/usr/...``, ``ROOT/etc/...``."""
FETCH_SCRIPT = "scripts/fetch-pop3-servers"


def unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    message = f"{reason} (run {FETCH_SCRIPT} as root; scripts/test does)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_sandbox() -> None:
    """The servers run in a private mount namespace (overlays over /etc and /usr): root only."""
    if os.geteuid() != 0:
        unavailable("the POP3 interop servers need root (mount namespaces, PAM, setuid)")
    if shutil.which("unshare") is None:
        unavailable("unshare (util-linux) is missing")


def require_unpacked(*paths: str) -> Path:
    """``ROOT``, after checking that the given paths exist under it."""
    require_sandbox()
    for path in paths:
        if not (ROOT / path).exists():
            unavailable(f"{ROOT / path} is missing")
    return ROOT


def require_installed(path: str, package: str) -> Path:
    """A file of a normally installed package."""
    require_sandbox()
    if not Path(path).exists():
        unavailable(f"{path} is missing: install the Debian package {package}")
    return Path(path)
