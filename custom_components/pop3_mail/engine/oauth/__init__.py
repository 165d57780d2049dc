"""OAuth 2 for POP3: where access tokens come from, and what the big providers need."""

from .providers import (
    GOOGLE,
    GOOGLE_ENDPOINTS,
    MICROSOFT,
    PRESETS,
    Endpoints,
    ProviderPreset,
    microsoft_endpoints,
    valid_tenant,
)
from .tokens import FixedToken, TokenProvider, checked_token

__all__ = [
    "GOOGLE",
    "GOOGLE_ENDPOINTS",
    "MICROSOFT",
    "PRESETS",
    "Endpoints",
    "FixedToken",
    "ProviderPreset",
    "TokenProvider",
    "checked_token",
    "microsoft_endpoints",
    "valid_tenant",
]
