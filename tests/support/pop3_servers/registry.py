"""Every interop server by name, Dovecot included, behind one interface (:class:`InteropServer`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..dovecot import DovecotServer
from .base import Features, InteropServer, InteropUser, maildir_state
from .courier import start_courier
from .cyrus import start_cyrus
from .mailutils import start_mailutils
from .popa3d import start_popa3d

SERVERS: dict[str, Callable[[], InteropServer]] = {
    "courier": start_courier,
    "cyrus": start_cyrus,
    "mailutils": start_mailutils,
    "popa3d": start_popa3d,
}
NAMES = ("dovecot", *SERVERS)
DOVECOT_FEATURES = Features(
    stls=True,
    implicit_tls=True,
    capa=True,
    sasl_plain=True,
    apop=False,
    login_delay=None,
    utf8=False,
    eight_bit_headers=True,
)


@dataclass
class DovecotInterop:
    """The suite's Dovecot seen through the interop interface (it is stopped by its own fixture)."""

    dovecot: DovecotServer
    name: str = "dovecot"
    features: Features = field(default_factory=lambda: DOVECOT_FEATURES)

    @property
    def host(self) -> str:
        """Loopback."""
        return self.dovecot.host

    @property
    def port(self) -> int:
        """Plain text with ``STLS``."""
        return self.dovecot.pop3_port

    @property
    def pop3s_port(self) -> int | None:
        """Implicit TLS."""
        return self.dovecot.pop3s_port

    @property
    def cafile(self) -> str | None:
        """The CA of its certificate."""
        return self.dovecot.cafile

    def add_user(self) -> InteropUser:
        """A fresh Maildir user."""
        user = self.dovecot.add_user()

        def deliver(message: bytes) -> None:
            user.deliver(message)

        return InteropUser(user.username, user.password, deliver, maildir_state(user.maildir))

    def stop(self) -> None:
        """Nothing: the session's Dovecot fixture owns the server."""
