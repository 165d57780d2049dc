"""Finding the POP3 server of an email address, with the provider's own advice.

::

    result = await discover("jane@gmx.de")
    if result.server:                  # where, how found, how sure, what to tell the user
        settings = result.server.settings(result.address, password=password)
    elif result.no_pop3:               # iCloud: explain, offer the manual form
        ...
    elif result.held_back:             # a private address: ask before using it
        ...

See :mod:`.discover` for the order and the bounds, :mod:`.provider_table` for the providers.
"""

from .address import EmailAddress, is_public_domain, parse_address
from .discover import discover
from .model import (
    AuthKind,
    Confidence,
    Discovery,
    DiscoveryWarning,
    FoundServer,
    Note,
    ProviderAdvice,
    Source,
    UsernameForm,
    WarningKind,
)
from .notes import NOTE_TEXTS
from .options import DiscoveryOptions, Nameserver, parse_nameserver
from .provider_table import PROVIDERS
from .providers import Provider, ProviderServer, ProviderTable

__all__ = [
    "NOTE_TEXTS",
    "PROVIDERS",
    "AuthKind",
    "Confidence",
    "Discovery",
    "DiscoveryOptions",
    "DiscoveryWarning",
    "EmailAddress",
    "FoundServer",
    "Nameserver",
    "Note",
    "Provider",
    "ProviderAdvice",
    "ProviderServer",
    "ProviderTable",
    "Source",
    "UsernameForm",
    "WarningKind",
    "discover",
    "is_public_domain",
    "parse_address",
    "parse_nameserver",
]
