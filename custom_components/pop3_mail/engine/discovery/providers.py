"""The built-in provider table: types and look-ups (the rows are in ``provider_table``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from ..settings import Security
from .model import AuthKind, Confidence, FoundServer, Note, ProviderAdvice, Source, UsernameForm
from .notes import make_note


@dataclass(frozen=True, slots=True)
class ProviderServer:
    """A provider's POP3 endpoint."""

    host: str
    port: int = 995
    security: Security = Security.SSL


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    """What is known about one provider's POP3 service, and where it was learnt (``source``)."""

    id: str
    name: str
    server: ProviderServer | None
    """``None``: the provider offers no POP3 (iCloud)."""
    source: str
    """The provider's help page or the Thunderbird autoconfig database entry the facts are from."""
    domains: tuple[str, ...] = ()
    """Address domains served (``gmx.de`` …)."""
    mx: tuple[str, ...] = ()
    """Host name suffixes of the provider's mail exchangers, for domains hosted there."""
    username: UsernameForm = UsernameForm.ADDRESS
    auth: AuthKind = AuthKind.PASSWORD
    notes: tuple[str, ...] = ()
    """Note keys (``notes.NOTE_TEXTS``)."""
    help_url: str | None = None
    """Where the user turns POP3 on or makes the password the notes speak of."""
    checked: bool = True
    """``False``: the host name could not be checked against a source; discovery confirms it
    with a verified TLS handshake before using it, and tries the other ways when that fails."""

    def advice(self) -> tuple[Note, ...]:
        """The provider's notes, in English with the name filled in."""
        return tuple(make_note(key, self.name, self.help_url) for key in self.notes)

    def found(self, source: Source, *, confirmed: bool = False) -> FoundServer:
        """This provider's server as a discovery answer.

        Raises:
            ValueError: the provider has no POP3 server (check :attr:`server` first).

        """
        if self.server is None:
            raise ValueError(f"{self.name} offers no POP3")
        if source is Source.PROVIDER and self.checked:
            confidence = Confidence.HIGH
        else:
            # An unchecked entry, or a domain that only points its MX at the provider.
            confidence = Confidence.MEDIUM
        return FoundServer(
            host=self.server.host,
            port=self.server.port,
            security=self.server.security,
            username_form=self.username,
            auth=self.auth,
            source=source,
            confidence=confidence,
            provider_id=self.id,
            provider_name=self.name,
            notes=self.advice(),
            confirmed=confirmed,
        )

    def without_pop3(self) -> ProviderAdvice:
        """The advice for a provider that has no POP3."""
        return ProviderAdvice(provider_id=self.id, provider_name=self.name, notes=self.advice())


class ProviderTable:
    """Providers indexed by address domain and by MX suffix; duplicates are refused."""

    def __init__(self, providers: Iterable[Provider]) -> None:
        """Index ``providers``.

        Raises:
            ValueError: an id, a domain or an MX suffix appears twice.

        """
        self.providers = tuple(providers)
        by_id: dict[str, Provider] = {}
        by_domain: dict[str, Provider] = {}
        by_mx: dict[str, Provider] = {}
        for provider in self.providers:
            _add(by_id, provider.id, provider, "id")
            for domain in provider.domains:
                _add(by_domain, domain, provider, "domain")
            for suffix in provider.mx:
                _add(by_mx, suffix, provider, "MX suffix")
        self._by_id = MappingProxyType(by_id)
        self._by_domain = MappingProxyType(by_domain)
        self._by_mx = MappingProxyType(by_mx)

    def get(self, provider_id: str) -> Provider | None:
        """The provider with this id."""
        return self._by_id.get(provider_id)

    def for_domain(self, domain: str) -> Provider | None:
        """The provider of addresses at ``domain`` (exact, lower-case ASCII domain)."""
        return self._by_domain.get(domain.lower().rstrip("."))

    def for_mx(self, exchangers: Iterable[str]) -> Provider | None:
        """The provider of the first mail exchanger (most preferred first) the table knows."""
        for exchanger in exchangers:
            labels = exchanger.lower().rstrip(".").split(".")
            # Longest suffix first: "eur.olc.protection.outlook.com" before "outlook.com".
            for start in range(len(labels) - 1):
                provider = self._by_mx.get(".".join(labels[start:]))
                if provider is not None:
                    return provider
        return None


def _add(index: dict[str, Provider], key: str, provider: Provider, what: str) -> None:
    if key in index:
        raise ValueError(f"{what} {key!r} of {provider.id} is also {index[key].id}'s")
    index[key] = provider
