"""Cyrus IMAP's POP3 server (``cyrus-pop3d`` 3.6): users in a sasldb, mail delivered over LMTP.

``master`` runs ``pop3d`` on a plain port (``STLS``) and an implicit-TLS port, and ``lmtpd`` on a
Unix socket that the tests deliver to directly. Mailboxes are created on first delivery or login.
Cyrus replaces every 8-bit header byte by ``X`` at delivery.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..certs import make_certificates
from ..ports import free_port
from .base import Features, InteropUser, SandboxedServer, UserPool
from .packages import require_unpacked
from .sandbox import MAIL_GID, MAIL_UID, PASSWORD, Sandbox

POOL = 16
_LMTP_CLIENT = """
import smtplib, sys
with smtplib.LMTP(sys.argv[1]) as lmtp:
    lmtp.sendmail("sender@example.org", [sys.argv[2]], sys.stdin.buffer.read())
"""

FEATURES = Features(
    stls=True,
    implicit_tls=True,
    capa=True,
    sasl_plain=True,
    apop=True,
    login_delay=0,
    utf8=False,
    eight_bit_headers=False,
)


@dataclass(kw_only=True)
class CyrusServer(SandboxedServer):
    """A running Cyrus POP3 server on 127.0.0.1."""

    cafile: str
    port: int = field(default_factory=free_port)
    pop3s_port: int | None = field(default_factory=free_port)
    name: str = "cyrus"
    features: Features = FEATURES

    @property
    def data(self) -> Path:
        """Configuration databases, spool, sockets, sasldb."""
        return self.sandbox.workdir / "cyrus"

    @property
    def lmtp_socket(self) -> Path:
        """Where ``lmtpd`` listens."""
        return self.data / "socket" / "lmtp"

    def add_user(self) -> InteropUser:
        """A fresh user; Cyrus creates the mailbox at the first delivery or login."""
        username, _ = self.pool.take()
        return InteropUser(username, PASSWORD, self._deliver_to(username))

    def _deliver_to(self, username: str) -> Callable[[bytes], None]:
        def deliver(message: bytes) -> None:
            # In a child process: the test process may not open Unix sockets (pytest-socket).
            subprocess.run(
                [sys.executable, "-c", _LMTP_CLIENT, str(self.lmtp_socket), username],
                input=message.replace(b"\n", b"\r\n"),
                check=True,
                timeout=30,
            )

        return deliver

    def start(self) -> None:
        """Write imapd.conf and cyrus.conf, create the sasldb users, start ``master``."""
        data = self.data
        for sub in ("config/db", "spool", "socket"):
            (data / sub).mkdir(parents=True, exist_ok=True)
        for path in [data, *data.rglob("*")]:
            os.chown(path, MAIL_UID, MAIL_GID)
        certs = self.sandbox.workdir / "tls"
        (self.sandbox.etc / "imapd.conf").write_text(
            f"configdirectory: {data}/config\n"
            f"partition-default: {data}/spool\n"
            "admins: admin\n"
            "sasl_pwcheck_method: auxprop\nsasl_auxprop_plugin: sasldb\n"
            f"sasl_sasldb_path: {data}/sasldb2\n"
            "sasl_mech_list: PLAIN LOGIN\nallowplaintext: yes\nallowapop: yes\n"
            "autocreate_quota: 0\nautocreate_post: 1\npopminpoll: 0\nfailedloginpause: 0\n"
            f"lmtpsocket: {self.lmtp_socket}\n"
            f"idlesocket: {data}/socket/idle\nnotifysocket: {data}/socket/notify\n"
            "syslog_prefix: pop3mail-cyrus\n"
            f"tls_server_cert: {certs}/cyrus-cert.pem\ntls_server_key: {certs}/cyrus-key.pem\n"
        )
        (self.sandbox.etc / "cyrus.conf").write_text(
            'START {\n  recover cmd="ctl_cyrusdb -r"\n}\n'
            "SERVICES {\n"
            f'  pop3 cmd="pop3d" listen="127.0.0.1:{self.port}" prefork=0\n'
            f'  pop3s cmd="pop3d -s" listen="127.0.0.1:{self.pop3s_port}" prefork=0\n'
            f'  lmtpunix cmd="lmtpd" listen="{self.lmtp_socket}" prefork=0\n'
            "}\nEVENTS {\n}\n"
        )
        sasldb = shlex.quote(str(data / "sasldb2"))
        users = " ".join(shlex.quote(name) for name, _ in self.pool.users)
        script = f"""
for user in {users}; do
  printf '%s' {shlex.quote(PASSWORD)} | /usr/sbin/saslpasswd2 -p -c -f {sasldb} "$user"
done
chown cyrus {sasldb}
exec /usr/lib/cyrus/bin/master
"""
        ports = [self.port] + ([self.pop3s_port] if self.pop3s_port else [])
        self.sandbox.start(script, ports, what="Cyrus")


def start_cyrus() -> CyrusServer:
    """Cyrus from the unpacked packages, with a pool of users."""
    root = require_unpacked("usr/lib/cyrus/bin/master", "usr/sbin/saslpasswd2")
    workdir = Path(tempfile.mkdtemp(prefix="pop3mail-cyrus-"))
    certs = make_certificates(workdir / "tls", prefix="cyrus", names=["127.0.0.1", "localhost"])
    for path in (certs.certfile, certs.keyfile):
        os.chown(path, MAIL_UID, MAIL_GID)
    # Cyrus refuses to run as anyone but its "cyrus" user.
    sandbox = Sandbox(workdir, root, system_users=[("cyrus", MAIL_UID, MAIL_GID, "/nonexistent")])
    sandbox.prepare([])
    server = CyrusServer(
        sandbox=sandbox, cafile=str(certs.cafile), pool=UserPool.make("cy", workdir, POOL)
    )
    server.start()
    return server
