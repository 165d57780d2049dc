"""Where an entry keeps its rules: one config subentry per rule (since entry version 2).

Version 1 kept them as a list in ``entry.options["rules"]``; :func:`async_migrate_entry`
turns each into a subentry, in order, with the rule's dict unchanged (the engine's format,
``pop3_mail.dispatch.rules.parse_rule``, also what the daemon reads from YAML).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant

from .const import CONF_RULES, CONFIG_VERSION, LOGGER, SUBENTRY_RULE


def rules_of(subentries: Mapping[str, ConfigSubentry]) -> list[dict[str, Any]]:
    """The rules among an entry's subentries, in the order they were added."""
    return [
        dict(subentry.data)
        for subentry in subentries.values()
        if subentry.subentry_type == SUBENTRY_RULE
    ]


def rule_subentry(rule: Mapping[str, Any]) -> ConfigSubentry:
    """A subentry holding ``rule``; the rule's name is its title and unique id."""
    name = str(rule.get("name", ""))
    return ConfigSubentry(
        data=MappingProxyType(dict(rule)),
        subentry_type=SUBENTRY_RULE,
        title=name,
        unique_id=name or None,
    )


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Bring an entry to the current version (``False``: it is newer than this code)."""
    if entry.version > CONFIG_VERSION:
        return False  # a downgrade: the newer format is unknown here
    if entry.version == 1:
        options = dict(entry.options)
        rules = options.pop(CONF_RULES, None) or []
        names: set[str] = set()
        for rule in rules:
            if isinstance(rule, Mapping) and str(rule.get("name", "")) not in names:
                names.add(str(rule.get("name", "")))
                hass.config_entries.async_add_subentry(entry, rule_subentry(rule))
            else:  # parse_rules refused such lists at setup, so it never worked
                # (Only the name: a rule's notify URLs hold secrets.)
                name = rule.get("name") if isinstance(rule, Mapping) else None
                LOGGER.warning("%s: dropped a duplicate or malformed rule %r", entry.title, name)
        hass.config_entries.async_update_entry(entry, options=options, version=2)
        LOGGER.debug("%s: %d rules moved to subentries", entry.title, len(names))
    return True
