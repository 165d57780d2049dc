"""What discovery found: typed records that hosts (Home Assistant, the daemon, the CLI) read.

Nothing here holds a secret: a :class:`FoundServer` says where and how to log in, never with
which password, so it may be logged, cached and shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..errors import ConfigError
from ..settings import Security, ServerSettings
from .address import EmailAddress


class Source(StrEnum):
    """How a server was found, in the order discovery tries the ways."""

    PROVIDER = "provider"
    """The built-in provider table (by the address's domain)."""
    AUTOCONFIG = "autoconfig"
    """The domain's own autoconfig document (Thunderbird's ``config-v1.1.xml``)."""
    SRV = "srv"
    """RFC 6186 DNS SRV records (``_pop3s._tcp``, ``_pop3._tcp``)."""
    MX = "mx"
    """The domain's mail exchanger belongs to a provider of the table (Workspace, Microsoft 365)."""
    GUESS = "guess"
    """A usual host name (``pop.<domain>`` …) that passed a verified TLS handshake."""


class Confidence(StrEnum):
    """How much a host should trust the answer before the first login proves it."""

    HIGH = "high"
    """Checked facts (the provider table) or the domain's own statement over verified HTTPS."""
    MEDIUM = "medium"
    """Unsigned DNS, or a provider entry confirmed by a TLS handshake only."""
    LOW = "low"
    """A guessed name that answered with a valid certificate: probably right, not promised."""


class UsernameForm(StrEnum):
    """What the provider expects as the POP3 username."""

    ADDRESS = "address"
    """The whole address (``jane@example.com``)."""
    LOCAL_PART = "local_part"
    """The part before the ``@`` (``jane``)."""

    def username(self, address: EmailAddress) -> str:
        """The username for ``address`` in this form."""
        return address.local if self is UsernameForm.LOCAL_PART else address.address


class AuthKind(StrEnum):
    """Which secret the provider wants."""

    PASSWORD = "password"  # noqa: S105 - a kind of secret, not one
    """The account's (or mailbox's) password; notes say when 2-step verification changes it."""
    APP_PASSWORD = "app_password"  # noqa: S105 - a kind of secret, not one
    """An app password made in the account's security settings; the login password fails."""
    OAUTH = "oauth"
    """OAuth 2 only (Microsoft): no password works, the host must sign in with the provider."""


@dataclass(frozen=True, slots=True)
class Note:
    """Advice for the user: a translation key and the English text (``{provider}`` filled in).

    Hosts translate by ``key`` with the placeholders ``provider`` and ``url``; ``text`` is the
    English wording for hosts without translations (the daemon's logs and the CLI).
    """

    key: str
    text: str
    url: str | None = None
    """The provider's help page for it, when there is one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundServer:
    """Where and how to log in to the mailbox of an address, and how that was learnt."""

    host: str
    port: int
    security: Security
    """Never ``Security.PLAIN``: discovery does not offer plaintext."""
    username_form: UsernameForm
    auth: AuthKind
    source: Source
    confidence: Confidence
    provider_id: str | None = None
    """The provider table's id (``gmx``, ``microsoft365`` …) when the answer came from it."""
    provider_name: str | None = None
    notes: tuple[Note, ...] = ()
    confirmed: bool = False
    """A TLS handshake with a verified certificate succeeded during discovery."""

    def __post_init__(self) -> None:
        """Refuse what discovery must never produce."""
        if self.security is Security.PLAIN:
            raise ConfigError("discovery never offers a plaintext server")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port {self.port} is out of range 1-65535")

    @property
    def oauth_only(self) -> bool:
        """The provider accepts no password (Microsoft): the host must use OAuth 2."""
        return self.auth is AuthKind.OAUTH

    def username(self, address: EmailAddress) -> str:
        """The POP3 username for ``address`` at this server."""
        return self.username_form.username(address)

    def settings(
        self,
        address: EmailAddress,
        *,
        password: str = "",
        username: str | None = None,
        **extra: Any,
    ) -> ServerSettings:
        """Connection settings for ``address`` (certificate verification always on).

        ``extra`` passes further :class:`ServerSettings` fields (timeouts, ``cafile``,
        ``auth_method``, ``oauth``).

        Raises:
            ConfigError: ``extra`` holds settings that cannot work.

        """
        return ServerSettings(
            host=self.host,
            port=self.port,
            security=self.security,
            username=username or self.username(address),
            password=password,
            verify_tls=True,
            **extra,
        )

    def same_server(self, other: FoundServer) -> bool:
        """Whether ``other`` names the same endpoint and login (source and notes aside)."""
        return (self.host.lower(), self.port, self.security, self.username_form) == (
            other.host.lower(),
            other.port,
            other.security,
            other.username_form,
        )

    def as_record(self) -> dict[str, Any]:
        """JSON form (for caches and ``--json``); :meth:`from_record` reads it back."""
        return {
            "host": self.host,
            "port": self.port,
            "security": self.security.value,
            "username_form": self.username_form.value,
            "auth": self.auth.value,
            "source": self.source.value,
            "confidence": self.confidence.value,
            "provider_id": self.provider_id,
            "provider_name": self.provider_name,
            "notes": [{"key": note.key, "text": note.text, "url": note.url} for note in self.notes],
            "confirmed": self.confirmed,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> FoundServer:
        """Read :meth:`as_record`'s form.

        Raises:
            ConfigError: the record is damaged or from an incompatible version.

        """
        try:
            return cls(
                host=_text(record["host"]),
                port=int(record["port"]),
                security=Security(record["security"]),
                username_form=UsernameForm(record["username_form"]),
                auth=AuthKind(record["auth"]),
                source=Source(record["source"]),
                confidence=Confidence(record["confidence"]),
                provider_id=_optional_text(record.get("provider_id")),
                provider_name=_optional_text(record.get("provider_name")),
                notes=tuple(
                    Note(_text(note["key"]), _text(note["text"]), _optional_text(note.get("url")))
                    for note in record.get("notes") or []
                ),
                confirmed=bool(record.get("confirmed", False)),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ConfigError(f"unusable discovery record: {err}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty string, not {value!r}")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


class WarningKind(StrEnum):
    """Why an answer was not used (or used with doubts)."""

    PRIVATE_ADDRESS = "private_address"
    """A found host of a public domain resolves to a loopback, private or link-local address."""
    UNRESOLVED = "unresolved"
    """A found host name does not resolve."""
    CERTIFICATE = "certificate"
    """A guessed host answered, but its certificate did not verify."""
    NOT_CONFIRMED = "not_confirmed"
    """A provider entry that needs a handshake did not confirm; other ways were tried."""
    AUTOCONFIG_REFUSED = "autoconfig_refused"
    """An autoconfig answer was refused: too large, DTD/entities, a redirect elsewhere, bad XML."""
    PLAINTEXT_ONLY = "plaintext_only"
    """The domain offers POP3 without TLS only; discovery never uses that."""
    DNS = "dns"
    """DNS lookups failed (no resolver configuration, server failure)."""
    TIMEOUT = "timeout"
    """Discovery ran out of time; later ways were not tried."""


@dataclass(frozen=True, slots=True)
class DiscoveryWarning:
    """Something the user may need to know; ``message`` is English and safe to show."""

    kind: WarningKind
    message: str
    host: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderAdvice:
    """A known provider that offers no usable POP3 (iCloud), with its note."""

    provider_id: str
    provider_name: str
    notes: tuple[Note, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Discovery:
    """The outcome of :func:`discover` for one address.

    Exactly one of these holds: ``server`` is the answer to use; ``no_pop3`` says the
    provider has no POP3 at all; ``held_back`` lists answers that need the user's explicit
    confirmation first (their hosts resolve to private addresses); or nothing was found.
    ``warnings`` explain what was refused or failed along the way.
    """

    address: EmailAddress
    server: FoundServer | None = None
    no_pop3: ProviderAdvice | None = None
    held_back: tuple[FoundServer, ...] = ()
    warnings: tuple[DiscoveryWarning, ...] = field(default=())
    elapsed: float = 0.0
    """Seconds the discovery took."""

    @property
    def found(self) -> bool:
        """A server to use was found."""
        return self.server is not None

    def as_record(self) -> dict[str, Any]:
        """JSON form for ``--json`` and diagnostics (no secrets anywhere)."""
        return {
            "address": self.address.address,
            "server": self.server.as_record() if self.server else None,
            "no_pop3": (
                {
                    "provider_id": self.no_pop3.provider_id,
                    "provider_name": self.no_pop3.provider_name,
                    "notes": [{"key": n.key, "text": n.text} for n in self.no_pop3.notes],
                }
                if self.no_pop3
                else None
            ),
            "held_back": [server.as_record() for server in self.held_back],
            "warnings": [
                {"kind": w.kind.value, "message": w.message, "host": w.host} for w in self.warnings
            ],
            "elapsed": round(self.elapsed, 3),
        }
