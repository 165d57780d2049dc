"""Courier's POP3 server (``courier-pop`` 1.0) with courier-authlib over PAM, Maildir mailboxes.

``couriertcpd`` listens on two ports: plain with ``STLS``, and implicit TLS through ``couriertls``.
It announces ``UTF8 USER`` and ``LOGIN-DELAY 10``, and moves Maildir ``new/`` to ``cur/`` at login.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..certs import make_certificates
from ..ports import free_port
from .base import (
    Features,
    InteropUser,
    SandboxedServer,
    UserPool,
    maildir_deliver,
    maildir_state,
    make_maildir,
)
from .packages import require_unpacked
from .sandbox import PASSWORD, Sandbox, SystemUser

POOL = 16
_LOGIN = "/usr/lib/courier/courier/courierpop3login"
_POP3D = "/usr/lib/courier/courier/courierpop3d"

FEATURES = Features(
    stls=True,
    implicit_tls=True,
    capa=True,
    sasl_plain=True,
    apop=False,
    login_delay=10,
    utf8=True,
    eight_bit_headers=True,
)


@dataclass(kw_only=True)
class CourierServer(SandboxedServer):
    """A running Courier POP3 server on 127.0.0.1."""

    cafile: str
    port: int = field(default_factory=free_port)
    pop3s_port: int | None = field(default_factory=free_port)
    name: str = "courier"
    features: Features = FEATURES

    def add_user(self) -> InteropUser:
        """A fresh, empty Maildir."""
        username, home = self.pool.take()
        maildir = make_maildir(home)
        return InteropUser(
            username,
            PASSWORD,
            maildir_deliver(maildir),
            maildir_state(maildir),
        )

    def start(self) -> None:
        """Configure authlib and start authdaemond and both listeners."""
        etc = self.sandbox.etc / "courier"
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "authdaemonrc").write_text(
            'authmodulelist="authpam"\nauthmodulelistorig="authpam"\ndaemons=1\n'
            'authdaemonvar=/run/courier/authdaemon\nDEBUG_LOGIN=0\nDEFAULTOPTIONS=""\n'
            'LOGGEROPTS=""\n'
        )
        env = {
            "POP3AUTH": "PLAIN LOGIN",
            "POP3AUTH_TLS": "PLAIN LOGIN",
            "POP3_STARTTLS": "YES",
            "COURIERTLS": "/usr/bin/couriertls",
            "TLS_CERTFILE": str(etc / "pop3d.pem"),
            "TLS_VERIFYPEER": "NONE",
            "MAILDIRPATH": "Maildir",
        }
        exports = " ".join(f"{key}='{value}'" for key, value in env.items())
        tcpd = (
            "/usr/sbin/couriertcpd -address=127.0.0.1 -nodnslookup -noidentlookup "
            "-maxprocs=40 -maxperip=40"
        )
        script = f"""
mkdir -p /run/courier/authdaemon
/usr/lib/courier/courier-authlib/authdaemond &
for i in $(seq 100); do [ -S /run/courier/authdaemon/socket ] && break; sleep 0.05; done
export {exports}
{tcpd} {self.port} {_LOGIN} {_POP3D} Maildir &
# As Debian's pop3d-ssl does: no STLS inside implicit TLS.
POP3_STARTTLS=NO POP3_TLS=1 exec {tcpd} {self.pop3s_port} \
  /usr/bin/couriertls -server -tcpd {_LOGIN} {_POP3D} Maildir
"""
        ports = [self.port] + ([self.pop3s_port] if self.pop3s_port else [])
        self.sandbox.start(script, ports, what="Courier")


def start_courier() -> CourierServer:
    """Courier from the unpacked packages, with a pool of users."""
    root = require_unpacked(_LOGIN.lstrip("/"), "usr/bin/couriertls", "usr/sbin/couriertcpd")
    workdir = Path(tempfile.mkdtemp(prefix="pop3mail-courier-"))
    certs = make_certificates(workdir / "tls", prefix="courier", names=["127.0.0.1", "localhost"])
    # couriertls runs as "courier" for STLS.
    sandbox = Sandbox(workdir, root, system_users=[("courier", 65533, 65533, "/nonexistent")])
    pool = UserPool.make("cu", workdir / "home", POOL)
    sandbox.prepare([SystemUser(name, home) for name, home in pool.users])
    pem = sandbox.etc / "courier" / "pop3d.pem"
    pem.parent.mkdir(parents=True, exist_ok=True)
    pem.write_bytes(certs.keyfile.read_bytes() + certs.certfile.read_bytes())
    pem.chmod(0o600)
    os.chown(pem, 65533, 65533)
    server = CourierServer(sandbox=sandbox, cafile=str(certs.cafile), pool=pool)
    server.start()
    return server
