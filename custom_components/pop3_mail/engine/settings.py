"""How to reach and log in to one POP3 mailbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .errors import ConfigError
from .oauth.tokens import TokenProvider


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
    OAUTHBEARER = "oauthbearer"
    """SASL OAUTHBEARER (RFC 7628) with an OAuth 2 access token (Google, Dovecot)."""
    APOP = "apop"
    """MD5 challenge (RFC 1939); weak, only used when asked for."""


OAUTH_METHODS = (AuthMethod.XOAUTH2, AuthMethod.OAUTHBEARER)
"""The mechanisms that log in with an OAuth access token instead of a password."""

DEFAULT_PORTS = {Security.SSL: 995, Security.STARTTLS: 110, Security.PLAIN: 110}


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerSettings:
    """Connection and login settings for one mailbox.

    ``password`` and ``oauth`` are left out of ``repr`` so that settings can be logged. ``oauth``
    is asked for an access token at every login (so a host can refresh it in time); with it set
    no password is needed.
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
    oauth: TokenProvider | None = field(default=None, repr=False, compare=False)
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
        if self.auth_method in OAUTH_METHODS and self.oauth is None:
            raise ConfigError(f"auth method {self.auth_method.value!r} needs an OAuth token")
        if self.oauth is not None and self.auth_method not in (AuthMethod.AUTO, *OAUTH_METHODS):
            raise ConfigError(
                f"auth method {self.auth_method.value!r} uses a password, not an OAuth token"
            )
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
