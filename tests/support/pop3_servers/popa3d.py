"""popa3d (1.0), a minimal server: no CAPA, no TLS, USER/PASS only, mbox files in /var/mail.

It only runs from inetd, so :mod:`.inetd` forks it per connection inside the sandbox.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..ports import free_port
from .base import Features, InteropUser, SandboxedServer, UserPool, mbox_user
from .packages import require_unpacked
from .sandbox import PASSWORD, Sandbox, SystemUser, inetd_command

POOL = 16

FEATURES = Features(
    stls=False,
    implicit_tls=False,
    capa=False,
    sasl_plain=False,
    apop=False,
    login_delay=None,
    utf8=False,
    eight_bit_headers=True,
)


@dataclass(kw_only=True)
class Popa3dServer(SandboxedServer):
    """A running popa3d on 127.0.0.1."""

    port: int = field(default_factory=free_port)
    pop3s_port: int | None = None
    cafile: str | None = None
    name: str = "popa3d"
    features: Features = FEATURES

    def add_user(self) -> InteropUser:
        """A fresh, empty mbox."""
        return mbox_user(self.sandbox.spool, self.pool, PASSWORD)

    def start(self) -> None:
        """Start the listener that forks popa3d per connection."""
        # popa3d chroots its unprivileged half into /var/lib/popa3d.
        (self.sandbox.workdir / "var" / "lib" / "popa3d").mkdir(parents=True, exist_ok=True)
        script = "exec " + inetd_command(self.port, "/usr/sbin/popa3d")
        self.sandbox.start(script, [self.port], what="popa3d")


def start_popa3d() -> Popa3dServer:
    """popa3d from the unpacked package, with a pool of users."""
    root = require_unpacked("usr/sbin/popa3d")
    workdir = Path(tempfile.mkdtemp(prefix="pop3mail-popa3d-"))
    sandbox = Sandbox(workdir, root, system_users=[("popa3d", 65532, 65532, "/nonexistent")])
    pool = UserPool.make("pa", workdir / "home", POOL)
    sandbox.prepare([SystemUser(name, home) for name, home in pool.users])
    server = Popa3dServer(sandbox=sandbox, pool=pool)
    server.start()
    return server
