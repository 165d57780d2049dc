"""Running a server from unpacked packages in a private mount and PID namespace (root only).

The packages' binaries have their paths compiled in (``/etc/courier``, ``/usr/lib/courier-authlib``,
``/var/lib/popa3d``, ``/run/courier``) and authenticate system users through PAM. Installing them
is not possible next to Dovecot, and adding system users would change the machine. So each server
runs in its own mount namespace, where overlays show the unpacked packages and this test run's
files on top of the real ``/etc``, ``/usr`` and ``/var``: ``/etc/passwd`` and ``/etc/shadow``
then hold the test users, and ``/var/mail`` is this run's spool. Nothing outside changes. A PID
namespace makes sure every process a daemon forks dies with it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..ports import wait_for_port

PASSWORD = "interop Pw 1"
"""Every test user's password (the test users exist only inside the namespaces)."""
# openssl passwd -6 -salt pop3mailinterop 'interop Pw 1'
_PASSWORD_HASH = (
    "$6$pop3mailinterop$kN9y2qm3uheg9Ghinuq7J5WWy2Yl1fRLUE7u6lmuoh57hMbTq0AQdxBwKS/"
    "lmdzG5MB5VN8EjlkH.dqibDcv8/"
)
MAIL_UID = MAIL_GID = 65534
"""Owner of every test mailbox (``nobody``)."""
# pam_unix without its 2 s failure delay: wrong-password tests stay fast.
_PAM_CONFIG = (
    "auth required pam_unix.so nodelay\n"
    "account required pam_permit.so\n"
    "session required pam_permit.so\n"
    "password required pam_deny.so\n"
)
_PAM_SERVICES = ("other", "pop3", "pop", "popa3d", "gnu-pop3d")
INETD = Path(__file__).with_name("inetd.py")


@dataclass(frozen=True, slots=True)
class SystemUser:
    """A user that exists inside a sandbox."""

    username: str
    home: Path
    password: str = PASSWORD


@dataclass
class Sandbox:
    """Files and process of one sandboxed server."""

    workdir: Path
    root: Path | None
    """Unpacked packages layered over ``/usr``, ``/etc`` and ``/var`` (None: only our files)."""
    system_users: list[tuple[str, int, int, str]] = field(default_factory=list)
    """Extra service accounts (name, uid, gid, home), such as ``popa3d`` or ``cyrus``."""
    _process: subprocess.Popen[bytes] | None = None

    @property
    def etc(self) -> Path:
        """The top ``/etc`` layer: configuration files written by the server fixtures."""
        return self.workdir / "etc"

    @property
    def spool(self) -> Path:
        """Seen as ``/var/mail`` inside."""
        return self.workdir / "spool"

    @property
    def log(self) -> Path:
        """Standard output and error of everything started inside."""
        return self.workdir / "server.log"

    def prepare(self, users: list[SystemUser]) -> None:
        """Write passwd, shadow, group and PAM files, the spool and the users' homes."""
        for sub in ("etc/pam.d", "spool", "var", "upper", "work"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o755)
        self.spool.chmod(0o1777)
        passwd = Path("/etc/passwd").read_text()
        shadow = Path("/etc/shadow").read_text()
        for name, uid, gid, home in self.system_users:
            passwd += f"{name}:x:{uid}:{gid}::{home}:/usr/sbin/nologin\n"
            shadow += f"{name}:!:19000::::::\n"
        for user in users:
            user.home.mkdir(parents=True, exist_ok=True)
            os.chown(user.home, MAIL_UID, MAIL_GID)
            passwd += f"{user.username}:x:{MAIL_UID}:{MAIL_GID}::{user.home}:/usr/sbin/nologin\n"
            shadow += f"{user.username}:{_PASSWORD_HASH}:19000:0:99999:7:::\n"
        group = Path("/etc/group").read_text()
        for name, _, gid, _ in self.system_users:
            group += f"{name}:x:{gid}:\n"
        (self.etc / "group").write_text(group)
        (self.etc / "passwd").write_text(passwd)
        (self.etc / "shadow").write_text(shadow)
        (self.etc / "shadow").chmod(0o640)
        for service in _PAM_SERVICES:
            (self.etc / "pam.d" / service).write_text(_PAM_CONFIG)

    def _mounts(self) -> str:
        lines = ["set -e"]
        for top in ("etc", "usr", "var"):
            layers = [str(self.workdir / top)] if top != "usr" else []
            if self.root is not None and (self.root / top).is_dir():
                layers.append(str(self.root / top))
            layers.append(f"/{top}")
            upper, work = self.workdir / "upper" / top, self.workdir / "work" / top
            upper.mkdir(parents=True, exist_ok=True)
            work.mkdir(parents=True, exist_ok=True)
            options = f"lowerdir={':'.join(layers)},upperdir={upper},workdir={work}"
            lines.append(f"mount -t overlay overlay -o {shlex.quote(options)} /{top}")
        lines += [
            f"mount --bind {shlex.quote(str(self.spool))} /var/mail",
            "mount -t tmpfs run /run",
        ]
        return "\n".join(lines)

    def start(self, script: str, ports: list[int], *, what: str) -> None:
        """Run the shell ``script`` inside the namespace and wait until ``ports`` accept."""
        command = [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "--pid",
            "--fork",
            "--kill-child",
            "sh",
            "-c",
            f"{self._mounts()}\n{script}",
        ]
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                cwd=self.workdir,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            for port in ports:
                wait_for_port(port, timeout=20.0)
        except TimeoutError:
            self.stop()
            output = self.log.read_text(errors="replace")
            raise RuntimeError(f"{what} did not start:\n{output}") from None

    def remove(self) -> None:
        """Stop the server and delete every file of it."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def stop(self) -> None:
        """Stop everything started inside (the PID namespace dies with its first process).

        SIGKILL at once: unshare ignores SIGTERM while it waits, and a daemon that is the first
        process of its namespace (couriertcpd) ignores it too. Nothing of a test server's state
        needs to survive it.
        """
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=10)
        self._process = None


def inetd_command(port: int, *argv: str, env: dict[str, str] | None = None) -> str:
    """Shell command for :mod:`.inetd`: a listener that runs ``argv`` per connection."""
    assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in (env or {}).items())
    words = [sys.executable, str(INETD), str(port), *argv]
    return f"{'env ' + assignments + ' ' if assignments else ''}{shlex.join(words)}"
