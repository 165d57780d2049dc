"""GNU Mailutils' ``pop3d`` (3.15, installed normally): PAM users, mbox files in the spool.

One daemon serves a plain port (``STLS``) and an implicit-TLS port. On every ``QUIT`` it writes
``Status`` and ``X-UIDL`` headers into the mbox, so message sizes change after the first session.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..certs import make_certificates
from ..ports import free_port
from .base import Features, InteropUser, SandboxedServer, UserPool, mbox_user
from .packages import require_installed
from .sandbox import PASSWORD, Sandbox, SystemUser

POOL = 16
POP3D = "/usr/sbin/pop3d"

FEATURES = Features(
    stls=True,
    implicit_tls=True,
    capa=True,
    sasl_plain=False,
    apop=False,
    login_delay=None,
    utf8=False,
    eight_bit_headers=True,
    stat_is_list_total=False,
)


@dataclass(kw_only=True)
class MailutilsServer(SandboxedServer):
    """A running Mailutils POP3 server on 127.0.0.1."""

    cafile: str
    certfile: str
    keyfile: str
    port: int = field(default_factory=free_port)
    pop3s_port: int | None = field(default_factory=free_port)
    name: str = "mailutils"
    features: Features = FEATURES

    def add_user(self) -> InteropUser:
        """A fresh, empty mbox."""
        return mbox_user(self.sandbox.spool, self.pool, PASSWORD)

    def start(self) -> None:
        """Write the configuration and start the daemon in the foreground."""
        config = self.sandbox.workdir / "pop3d.conf"
        config.write_text(
            f"""mode daemon;
foreground yes;
max-children 40;
server 127.0.0.1:{self.port} {{ tls-mode ondemand; }};
server 127.0.0.1:{self.pop3s_port} {{ tls-mode connection; }};
tls {{ ssl-certificate-file "{self.certfile}"; ssl-key-file "{self.keyfile}"; }};
tls-file-checks {{ key-file none; cert-file none; ca-file none; }};
auth {{ authentication pam; authorization system; }};
pam {{ service pop3; }};
mailbox {{ mail-spool "{self.sandbox.spool}"; }};
logging {{ syslog no; }};
"""
        )
        ports = [self.port] + ([self.pop3s_port] if self.pop3s_port else [])
        self.sandbox.start(f"exec {POP3D} --config-file={config}", ports, what="Mailutils")


def start_mailutils() -> MailutilsServer:
    """Mailutils' pop3d with a pool of users."""
    require_installed(POP3D, "mailutils-pop3d")
    workdir = Path(tempfile.mkdtemp(prefix="pop3mail-mailutils-"))
    certs = make_certificates(workdir / "tls", prefix="mailutils", names=["127.0.0.1"])
    sandbox = Sandbox(workdir, None)
    pool = UserPool.make("mu", workdir / "home", POOL)
    sandbox.prepare([SystemUser(name, home) for name, home in pool.users])
    server = MailutilsServer(
        sandbox=sandbox,
        pool=pool,
        cafile=str(certs.cafile),
        certfile=str(certs.certfile),
        keyfile=str(certs.keyfile),
    )
    server.start()
    return server
