"""Which found hosts discovery may connect to: no private addresses for public domains.

A hostile autoconfig document or DNS answer for ``example.com`` could point at
``127.0.0.1``, the router or a cloud metadata address, and turn discovery (and later every
poll) into a probe of the user's own network. Such a host is held back with a warning until
the user confirms it; names that are private by nature (``nas.local``, ``home.arpa``) may of
course resolve to private addresses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from .resolver import IpAddress


def non_public_kind(address: IpAddress) -> str | None:
    """``"loopback"``, ``"link-local"``, ``"private"``, ``"non-public"`` or ``None`` (public)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    if not address.is_global:
        # Shared (carrier-grade NAT), documentation, reserved, multicast, unspecified.
        return "non-public"
    return None


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    """The rule for one discovery: ``restricted`` when the address's domain is public."""

    restricted: bool

    def problem(self, host: str, addresses: Sequence[IpAddress]) -> str | None:
        """Why ``host`` must not be used without confirmation, or ``None`` when it may.

        One non-public address refuses the host: a name that mixes public and private
        addresses is exactly what a rebinding attack looks like.
        """
        if not self.restricted:
            return None
        for address in addresses:
            kind = non_public_kind(address)
            if kind is not None:
                return f"{host} resolves to {address}, a {kind} address"
        return None
