"""How discovery may use the network: time bounds, resolver, trust, and test hooks."""

from __future__ import annotations

import ipaddress
import math
import ssl
from dataclasses import dataclass

from ..errors import ConfigError


@dataclass(frozen=True, slots=True)
class Nameserver:
    """A DNS server to ask instead of the system's (``address`` is an IP address)."""

    address: str
    port: int = 53

    def __str__(self) -> str:
        """``address:port`` (IPv6 in brackets)."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """``192.0.2.53``, ``192.0.2.53:5353``, ``2001:db8::53`` or ``[2001:db8::53]:5353``.

    Raises:
        ConfigError: not an IP address with an optional port.

    """
    value = text.strip()
    host, port_text = value, ""
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port_text = rest.removeprefix(":") if rest.startswith(":") else rest
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(
            f"{text!r} is not a nameserver (an IP address, optionally :port)"
        ) from None
    port = 53
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"{text!r}: the port must be 1-65535")
        port = int(port_text)
    return Nameserver(str(address), port)


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveryOptions:
    """Bounds and trust for one discovery; the defaults suit a form a user waits on.

    Every network step has its own short timeout and the whole discovery ends after
    ``timeout`` seconds, with whatever was found by then.
    """

    timeout: float = 8.0
    """The whole discovery, seconds."""
    dns_timeout: float = 2.0
    """One DNS question (all its retries), seconds."""
    http_timeout: float = 3.0
    """One autoconfig fetch (connect, TLS, redirects, body), seconds."""
    probe_timeout: float = 3.0
    """One TLS confirmation (connect, handshake, greeting), seconds."""
    nameservers: tuple[Nameserver, ...] = ()
    """Ask these instead of the system's resolvers (``/etc/resolv.conf``)."""
    ssl_context: ssl.SSLContext | None = None
    """A verifying client context to use (Home Assistant passes its own); default: the
    system's CAs, or ``cafile``'s, built off the event loop."""
    cafile: str | None = None
    """Trust this CA file instead of the system's (tests; a private CA)."""
    allow_private_targets: bool = False
    """Use found hosts of public domains that resolve to loopback, private or link-local
    addresses without asking (tests; networks whose DNS answers so on purpose)."""
    try_guesses: bool = True
    """Try ``pop.<domain>`` and friends when nothing else answered."""
    # Test hooks: the ports the network steps use. Real services only ever run on these.
    https_port: int = 443
    pop3s_port: int = 995
    pop3_port: int = 110

    def __post_init__(self) -> None:
        """Refuse bounds that would let discovery hang or never start."""
        for name in ("timeout", "dns_timeout", "http_timeout", "probe_timeout"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"discovery {name} must be a positive number of seconds")
        for name in ("https_port", "pop3s_port", "pop3_port"):
            if not 0 < getattr(self, name) < 65536:
                raise ConfigError(f"discovery {name} must be 1-65535")
        if self.ssl_context is not None and self.ssl_context.verify_mode is not ssl.CERT_REQUIRED:
            raise ConfigError("discovery needs a verifying TLS context")
