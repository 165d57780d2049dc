"""A real Dovecot POP3 server on loopback, run by the tests (no root needed, but root works).

Listeners: implicit TLS, STARTTLS-capable plain port; users in a passwd-file; Maildirs filled by
the tests through :meth:`MailUser.deliver`.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from .binaries import require_binary
from .certs import CertFiles, make_certificates
from .dovecot_oauth2 import MECHANISMS as OAUTH2_MECHANISMS
from .dovecot_oauth2 import oauth2_passdb
from .ports import free_port, wait_for_port
from .processes import stop_process_group

_NOBODY = 65534
GUESSABLE_NAME = "pop.dovecot.test"
"""A name the server's certificate also holds: discovery tests point their DNS at it."""
_sequence = itertools.count(1)


@dataclass
class MailUser:
    """One mailbox on the test server."""

    username: str
    password: str
    home: Path
    uid: int
    gid: int

    @property
    def maildir(self) -> Path:
        """The user's Maildir."""
        return self.home / "Maildir"

    def deliver(self, message: bytes | str | EmailMessage) -> str:
        """Drop a message into ``new/`` the way an MTA does; returns its file name.

        File names start with an increasing pseudo timestamp, so Dovecot numbers messages in
        delivery order.
        """
        if isinstance(message, EmailMessage):
            data = bytes(message)
        elif isinstance(message, str):
            data = message.encode()
        else:
            data = message
        n = next(_sequence)
        name = f"{1_700_000_000 + n}.M{n}P{os.getpid()}.pop3mailtest"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(data)
        os.chown(tmp, self.uid, self.gid)
        tmp.rename(self.maildir / "new" / name)
        return name

    def deliver_many(self, messages: list[bytes]) -> None:
        """Deliver several messages in order."""
        for message in messages:
            self.deliver(message)

    def message_files(self) -> list[Path]:
        """Every message file in ``new/`` and ``cur/``."""
        return sorted(
            [*self.maildir.joinpath("new").iterdir(), *self.maildir.joinpath("cur").iterdir()]
        )

    def subjects(self) -> list[str]:
        """The (raw) Subject lines of the messages in the Maildir, sorted."""
        found = []
        for path in self.message_files():
            for line in path.read_bytes().splitlines():
                if line.startswith(b"Subject: "):
                    found.append(line[9:].decode())
                    break
        return sorted(found)

    def seen_flags(self) -> dict[str, bool]:
        """Map base file name → whether the IMAP ``\\Seen`` flag is set (``RETR`` sets it)."""
        flags: dict[str, bool] = {}
        for path in self.message_files():
            base, _, info = path.name.partition(":2,")
            flags[base] = "S" in info
        return flags

    def reindex(self, uidvalidity: int = 77, first_uid: int = 101) -> None:
        """Give every message a new UID (an index rebuild or migration): same files and sizes.

        Dovecot's UIDL is UID plus UIDVALIDITY, so every UIDL changes while the count and the
        octets stay.
        """
        for path in self.maildir.glob("dovecot*"):
            path.unlink()
        names = [path.name.partition(":2,")[0] for path in self.message_files()]
        lines = [f"{uid} :{name}\n" for uid, name in enumerate(names, first_uid)]
        uidlist = self.maildir / "dovecot-uidlist"
        uidlist.write_text(f"3 V{uidvalidity} N{first_uid + len(names)}\n" + "".join(lines))
        os.chown(uidlist, self.uid, self.gid)

    def clear(self) -> None:
        """Remove every message (as if the user deleted them in another client)."""
        for path in self.message_files():
            path.unlink()


@dataclass
class DovecotServer:
    """A running Dovecot with POP3 listeners on 127.0.0.1."""

    workdir: Path
    certs: CertFiles
    pop3_port: int
    pop3s_port: int
    lock_session: bool = False
    oauth2_introspection_url: str | None = None
    """When set, only OAuth 2 logins are accepted, checked there (``dovecot_oauth2``)."""
    host: str = "127.0.0.1"
    users: dict[str, MailUser] = field(default_factory=dict)
    _process: subprocess.Popen[bytes] | None = None

    @property
    def cafile(self) -> str:
        """CA certificate that signed the server certificate."""
        return str(self.certs.cafile)

    @property
    def passwd_dir(self) -> Path:
        """One passwd-file per user.

        Dovecot re-reads a changed passwd-file at most once per second, so with one shared file a
        user added right after another login stays unknown for up to a second. A new file per
        user is read on first use.
        """
        return self.workdir / "passwd.d"

    @property
    def log_file(self) -> Path:
        """Dovecot's log."""
        return self.workdir / "dovecot.log"

    def add_user(self, username: str | None = None, password: str = "secret") -> MailUser:
        """Create a user with an empty Maildir."""
        username = username or f"user{next(_sequence)}"
        if os.geteuid() == 0:
            uid = gid = _NOBODY
        else:
            uid, gid = os.getuid(), os.getgid()
        home = self.workdir / "mail" / username
        for sub in ("cur", "new", "tmp"):
            (home / "Maildir" / sub).mkdir(parents=True, exist_ok=True)
        for path in [home, *home.rglob("*")]:
            os.chown(path, uid, gid)
        user = MailUser(username, password, home, uid, gid)
        self.users[username] = user
        self._write_passwd(user)
        return user

    def _write_passwd(self, user: MailUser) -> None:
        self.passwd_dir.mkdir(exist_ok=True)
        self.passwd_dir.chmod(0o755)
        path = self.passwd_dir / user.username
        tmp = path.with_suffix(".tmp")
        tmp.write_text(
            f"{user.username}:{{PLAIN}}{user.password}:{user.uid}:{user.gid}::{user.home}::\n"
        )
        tmp.chmod(0o644)
        tmp.replace(path)

    def _config(self) -> str:
        if os.geteuid() == 0:
            internal, internal_group, login = "dovecot", "dovecot", "dovenull"
            first_valid_uid = _NOBODY
        else:
            me = pwd.getpwuid(os.getuid())
            internal, login = me.pw_name, me.pw_name
            internal_group = me.pw_name
            import grp  # noqa: PLC0415 - only needed rootless

            internal_group = grp.getgrgid(os.getgid()).gr_name
            first_valid_uid = 1
        work = self.workdir
        return f"""
base_dir = {work}/run
state_dir = {work}/state
log_path = {self.log_file}
protocols = pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.certs.certfile}
ssl_key = <{self.certs.keyfile}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = {self._mechanisms()}
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {first_valid_uid}
mail_location = maildir:~/Maildir
pop3_lock_session = {"yes" if self.lock_session else "no"}
# Wrong-password tests must not slow down every later login: no failure delay, and no anvil
# penalty (which otherwise delays every later login from 127.0.0.1 by up to 15 s).
auth_failure_delay = 0
{self._passdb()}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.passwd_dir}/%u
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {self.pop3s_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  chroot =
}}
service imap-urlauth-login {{
  chroot =
}}
"""

    def _mechanisms(self) -> str:
        return OAUTH2_MECHANISMS if self.oauth2_introspection_url else "plain login"

    def _passdb(self) -> str:
        if self.oauth2_introspection_url:
            return oauth2_passdb((2, 3), self.oauth2_introspection_url, self.workdir)
        return (
            "passdb {\n  driver = passwd-file\n"
            f"  args = scheme=PLAIN username_format=%u {self.passwd_dir}/%u\n}}"
        )

    def start(self) -> None:
        """Start the server and wait until both listeners accept connections."""
        binary = require_binary("dovecot", "dovecot-pop3d")
        self.workdir.chmod(0o755)
        for sub in ("run", "state", "mail"):
            (self.workdir / sub).mkdir(exist_ok=True)
        (self.workdir / "mail").chmod(0o755)
        for user in self.users.values():
            self._write_passwd(user)
        config = self.workdir / "dovecot.conf"
        config.write_text(self._config())
        with (self.workdir / "dovecot.stderr").open("wb") as stderr:
            self._process = subprocess.Popen(
                [binary, "-F", "-c", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        try:
            wait_for_port(self.pop3_port)
            wait_for_port(self.pop3s_port)
        except TimeoutError:
            self.stop()
            raise RuntimeError(
                "Dovecot did not start:\n"
                + (self.workdir / "dovecot.stderr").read_text(errors="replace")
                + (self.log_file.read_text(errors="replace") if self.log_file.exists() else "")
            ) from None

    def stop(self) -> None:
        """Stop the server (and every child process)."""
        if self._process is None:
            return
        stop_process_group(self._process)
        self._process = None


def start_dovecot(
    *, lock_session: bool = False, oauth2_introspection_url: str | None = None
) -> DovecotServer:
    """Create certificates and a work directory, then start Dovecot.

    With ``oauth2_introspection_url`` the server takes OAuth 2 logins only (see
    :mod:`.dovecot_oauth2`).
    """
    # Outside pytest's 0700 temp tree: Dovecot's unprivileged processes must reach the files.
    workdir = Path(tempfile.mkdtemp(prefix="pop3mail-dovecot-"))
    certs = make_certificates(
        workdir / "tls", prefix="dovecot", names=["127.0.0.1", "localhost", GUESSABLE_NAME]
    )
    server = DovecotServer(
        workdir=workdir,
        certs=certs,
        pop3_port=free_port(),
        pop3s_port=free_port(),
        lock_session=lock_session,
        oauth2_introspection_url=oauth2_introspection_url,
    )
    server.start()
    return server


def remove_dovecot(server: DovecotServer) -> None:
    """Stop the server and delete its files."""
    server.stop()
    time.sleep(0.05)
    shutil.rmtree(server.workdir, ignore_errors=True)
