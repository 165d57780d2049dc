"""How to reach and log in to one POP3 mailbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .errors import ConfigError


class Security(StrEnum):
    """Transport security of the POP3 connection."""

    SSL = "ssl"
    """Implicit TLS (RFC 8314), port 995: the default."""
    STARTTLS = "starttls"
    """Plain connection upgraded with ``STLS`` (RFC 2595), port 110; never falls back."""
    PLAIN = "plain"
    """No encryption; only with ``allow_insecure=True``."""


class AuthMethod(StrEnum):
    """How to authenticate; ``AUTO`` picks the best mechanism the server offers."""

    AUTO = "auto"
    PLAIN = "plain"
    """SASL PLAIN (RFC 4616)."""
    USER = "user"
    """``USER``/``PASS`` (RFC 1939)."""
    XOAUTH2 = "xoauth2"
    """SASL XOAUTH2 with an OAuth 2 access token (Google, Microsoft 365)."""
    APOP = "apop"
    """MD5 challenge (RFC 1939); weak, only used when asked for."""


DEFAULT_PORTS = {Security.SSL: 995, Security.STARTTLS: 110, Security.PLAIN: 110}


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerSettings:
    """Connection and login settings for one mailbox.

    ``password`` and ``oauth_token`` are left out of ``repr`` so that settings can be logged.
    """

    host: str
    username: str
    password: str = field(default="", repr=False)
    port: int | None = None
    security: Security = Security.SSL
    verify_tls: bool = True
    cafile: str | None = None
    allow_insecure: bool = False
    auth_method: AuthMethod = AuthMethod.AUTO
    oauth_token: str | None = field(default=None, repr=False)
    connect_timeout: float = 20.0
    command_timeout: float = 30.0
    session_timeout: float = 300.0

    def __post_init__(self) -> None:
        """Reject settings that would silently weaken security or cannot work."""
        if not self.host:
            raise ConfigError("host is required")
        if not self.username:
            raise ConfigError("username is required")
        if self.port is not None and not 0 < self.port < 65536:
            raise ConfigError(f"port {self.port} is out of range 1-65535")
        if self.security is Security.PLAIN and not self.allow_insecure:
            raise ConfigError(
                "security 'plain' sends the password unencrypted; it needs an explicit "
                "insecure opt-in"
            )
        if self.cafile and not self.verify_tls:
            raise ConfigError("a CA file and disabled certificate verification exclude each other")
        if self.auth_method is AuthMethod.XOAUTH2 and not self.oauth_token:
            raise ConfigError("auth method 'xoauth2' needs an OAuth access token")
        for name in ("connect_timeout", "command_timeout", "session_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive")

    @property
    def effective_port(self) -> int:
        """The configured port, or the standard one for the security mode."""
        return self.port if self.port is not None else DEFAULT_PORTS[self.security]

    @property
    def account_key(self) -> str:
        """Identity of the maildrop: ``username@host:port`` (state and de-duplication key)."""
        return f"{self.username}@{self.host.lower()}:{self.effective_port}"
