"""Repair issues: problems only the user can fix, shown in Settings → Repairs."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

POP_DISABLED = "pop_disabled"
"""The provider refuses POP access (``[SYS/PERM]``, e.g. Gmail with POP switched off)."""
CERTIFICATE = "certificate"
"""The server's certificate no longer verifies."""

_KINDS = (POP_DISABLED, CERTIFICATE)


def _issue_id(kind: str, entry_id: str) -> str:
    return f"{kind}_{entry_id}"


@callback
def async_raise_issue(
    hass: HomeAssistant, kind: str, *, entry_id: str, account: str, error: str
) -> None:
    """Show (or refresh) the issue ``kind`` for an entry."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(kind, entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=kind,
        translation_placeholders={"account": account, "error": error},
    )


@callback
def async_clear_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Remove every issue of an entry (it works again, or it is gone)."""
    for kind in _KINDS:
        ir.async_delete_issue(hass, DOMAIN, _issue_id(kind, entry_id))
