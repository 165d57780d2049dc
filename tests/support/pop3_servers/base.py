"""What the interop tests need to know about a server, and its mailboxes (Maildir, mbox, LMTP)."""

from __future__ import annotations

import itertools
import mailbox
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .sandbox import MAIL_GID, MAIL_UID, Sandbox

_sequence = itertools.count(1)
StoredState = list[tuple[bytes, str]]
"""What a mailbox holds, comparable before and after a session: (message, flags) pairs."""


@dataclass(frozen=True, slots=True)
class Features:
    """What a server offers, as the tests expect it."""

    stls: bool
    implicit_tls: bool
    capa: bool
    sasl_plain: bool
    apop: bool
    login_delay: int | None
    utf8: bool
    """``UTF8`` (RFC 6856) is advertised."""
    eight_bit_headers: bool
    """Raw 8-bit header bytes reach the client as delivered (Cyrus turns them into ``X``)."""
    stat_is_list_total: bool = True
    """``STAT`` octets equal the sum of the ``LIST`` sizes (not in Mailutils' first session)."""


@dataclass
class InteropUser:
    """One mailbox on an interop server."""

    username: str
    password: str
    deliver: Callable[[bytes], None]
    """Deliver one message (LF line ends, as an MTA hands it over)."""
    stored: Callable[[], StoredState] | None = None
    """The store's content, without what the server itself rewrites (None: not readable)."""


class InteropServer(Protocol):
    """A running POP3 server on 127.0.0.1."""

    @property
    def name(self) -> str:
        """Short name, as in the test ids."""
        ...

    @property
    def host(self) -> str:
        """Where it listens."""
        ...

    @property
    def port(self) -> int:
        """Plain text (``STLS`` where ``features.stls``)."""
        ...

    @property
    def pop3s_port(self) -> int | None:
        """Implicit TLS, if offered."""
        ...

    @property
    def cafile(self) -> str | None:
        """The CA of its certificate (None without TLS)."""
        ...

    @property
    def features(self) -> Features:
        """What it offers."""
        ...

    def add_user(self) -> InteropUser:
        """A fresh, empty mailbox."""
        ...

    def stop(self) -> None:
        """Stop the server and remove its files."""
        ...


@dataclass
class UserPool:
    """Users are created before a sandboxed server starts (its passwd is read-only then)."""

    users: list[tuple[str, Path]] = field(default_factory=list)

    @classmethod
    def make(cls, prefix: str, homes: Path, count: int) -> UserPool:
        """``count`` users ``<prefix><n>`` with homes under ``homes``."""
        return cls([(f"{prefix}{n}", homes / f"{prefix}{n}") for n in range(1, count + 1)])

    def take(self) -> tuple[str, Path]:
        """The next unused user."""
        if not self.users:
            raise RuntimeError("the interop server's user pool is used up: raise its size")
        return self.users.pop(0)


def maildir_deliver(maildir: Path) -> Callable[[bytes], None]:
    """Delivery into ``maildir/new`` as an MTA does it (tmp/, then rename)."""

    def deliver(message: bytes) -> None:
        n = next(_sequence)
        name = f"{1_700_000_000 + n}.M{n}P{os.getpid()}.interop"
        tmp = maildir / "tmp" / name
        tmp.write_bytes(message)
        os.chown(tmp, MAIL_UID, MAIL_GID)
        tmp.rename(maildir / "new" / name)

    return deliver


def make_maildir(home: Path) -> Path:
    """``home/Maildir`` with its three folders, owned by the mail user."""
    maildir = home / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for path in [home, maildir, *maildir.iterdir()]:
        os.chown(path, MAIL_UID, MAIL_GID)
    return maildir


def maildir_state(maildir: Path) -> Callable[[], StoredState]:
    """Messages and their flags; where a file lies (new/ or cur/) does not count."""

    def stored() -> StoredState:
        found = []
        for sub in ("new", "cur"):
            for path in (maildir / sub).iterdir():
                found.append((path.read_bytes(), path.name.partition(":2,")[2]))
        return sorted(found)

    return stored


# Headers an mbox server writes into the file itself (Mailutils on every QUIT).
_MBOX_SERVER_HEADERS = ("status", "x-status", "x-uidl", "x-imapbase", "x-uid", "x-keywords")


def mbox_deliver(path: Path) -> Callable[[bytes], None]:
    """Append to an mbox file as a local delivery agent does (``From `` line, ``>From`` quoting)."""

    def deliver(message: bytes) -> None:
        date = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime())
        lines = [
            b">" + line if line.startswith(b"From ") else line for line in message.split(b"\n")
        ]
        body = b"\n".join(lines).rstrip(b"\n")
        with path.open("ab") as mbox:
            mbox.write(f"From sender@example.org {date}\n".encode() + body + b"\n\n")
        os.chown(path, MAIL_UID, MAIL_GID)

    return deliver


def mbox_state(path: Path) -> Callable[[], StoredState]:
    """Messages without the headers the server writes; their Status flags (R read, D deleted)."""

    def stored() -> StoredState:
        if not path.exists():
            return []
        found = []
        for message in mailbox.mbox(str(path), create=False):
            flags = "".join(sorted(set(message.get("Status", "") + message.get("X-Status", ""))))
            for name in _MBOX_SERVER_HEADERS:
                del message[name]
            found.append((message.as_bytes(), flags.replace("O", "")))
        return found

    return stored


def mbox_user(spool: Path, pool: UserPool, password: str) -> InteropUser:
    """The next user of ``pool``, with an (empty) mbox file in ``spool``."""
    username, _ = pool.take()
    path = spool / username
    return InteropUser(username, password, mbox_deliver(path), mbox_state(path))


@dataclass(kw_only=True)
class SandboxedServer:
    """What every sandboxed server has: its sandbox and the users created before it started."""

    sandbox: Sandbox
    pool: UserPool
    host: str = "127.0.0.1"

    def stop(self) -> None:
        """Stop it and delete its files."""
        self.sandbox.remove()
