"""An email address taken apart for discovery: local part, domain (IDNA, lower case)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ..errors import ConfigError

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOCAL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f<>()\[\],;:\\\"]")

# Names that never belong to the public Internet (RFC 6761, RFC 8375 home.arpa, and what home
# routers hand out): a private address for them is expected, not a sign of a hostile answer.
_LOCAL_SUFFIXES = (
    "localhost",
    "local",
    "lan",
    "home",
    "internal",
    "intranet",
    "corp",
    "private",
    "test",
    "example",
    "invalid",
    "home.arpa",
)


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """``local@domain`` with the domain in its ASCII (IDNA) form, lower case."""

    local: str
    domain: str

    @property
    def address(self) -> str:
        """The whole address."""
        return f"{self.local}@{self.domain}"

    def __str__(self) -> str:
        """The whole address."""
        return self.address


def parse_address(text: str) -> EmailAddress:
    """Check and normalise an address typed by a user.

    The domain is lower-cased and IDNA-encoded (``müller.de`` → ``xn--mller-kva.de``); the
    local part is kept as typed (providers may treat case as significant).

    Raises:
        ConfigError: not an address discovery can work with (no ``@``, spaces, an IP literal
            domain, a domain that is not a host name).

    """
    value = text.strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        raise ConfigError(f"{value!r} is not an email address (local@domain)")
    if len(local) > 64 or _LOCAL_FORBIDDEN.search(local):
        raise ConfigError(f"{value!r} is not an email address: the part before @ is not valid")
    return EmailAddress(local, normalise_domain(domain))


def normalise_domain(domain: str) -> str:
    """A host name's ASCII form, lower case, without a trailing dot.

    Raises:
        ConfigError: an IP literal, or not a valid host name.

    """
    name = domain.strip().rstrip(".").lower()
    if name.startswith("[") or _is_ip(name):
        raise ConfigError(f"{domain!r}: an IP address has no provider to discover")
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise ConfigError(f"{domain!r} is not a valid domain name") from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ConfigError(f"{domain!r} is not a valid domain name")
    return ascii_name


def is_public_domain(domain: str) -> bool:
    """Whether ``domain`` is meant for the public Internet (not ``nas.local``, ``home.arpa``)."""
    name = domain.lower().rstrip(".")
    if "." not in name:
        return False
    return not any(name == suffix or name.endswith("." + suffix) for suffix in _LOCAL_SUFFIXES)


def is_valid_host_name(name: str) -> bool:
    """Whether ``name`` is a host name (ASCII labels) a server may be reached at."""
    candidate = name.rstrip(".").lower()
    if not candidate or len(candidate) > 253:
        return False
    return all(_LABEL.match(label) for label in candidate.split("."))


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
