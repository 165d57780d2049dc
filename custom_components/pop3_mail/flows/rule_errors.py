"""A rule's problems as form errors: on the field or section they concern, all at once.

The engine's messages name internal paths (``rules[0] (parcels): match.subject: ...``), meant
for a YAML file. Here each voluptuous error's path picks the form field it belongs to; the
field's label (in Home Assistant's language) replaces the path. Home Assistant 2025.4's
frontend shows no errors inside sections, so a section's problems are shown on the section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from pop3_mail.dispatch.rules import RULE_SCHEMA
from pop3_mail.validation import describe_errors

from .. import rules_form
from ..const import DOMAIN, SUBENTRY_RULE

SECTIONS = (rules_form.MATCH, rules_form.MQTT, rules_form.NOTIFY)
BASE = "base"
PROBLEM_PLACEHOLDERS = {
    rules_form.NAME: "name_problem",
    rules_form.MATCH: "match_problem",
    rules_form.MQTT: "mqtt_problem",
    rules_form.NOTIFY: "notify_problem",
    BASE: "problem",
}
"""The placeholder that carries the details of each place's generic error."""
GENERIC_ERRORS = {
    rules_form.NAME: "invalid_name",
    rules_form.MATCH: "invalid_match",
    rules_form.MQTT: "invalid_mqtt",
    rules_form.NOTIFY: "invalid_notify",
    BASE: "invalid_rule",
}
FIELD_ERRORS = frozenset(
    {(rules_form.MATCH, name) for name in (*rules_form.TEXT_CONDITIONS, rules_form.HAS_ATTACHMENT)}
    | {(rules_form.MQTT, name) for name in ("topic", "qos", "retain")}
    | {
        (rules_form.NOTIFY, name)
        for name in (rules_form.URLS, *rules_form.NOTIFY_TEXT_OPTIONS, "tags", "format", "attach")
    }
)
"""Fields with an error text of their own, ``invalid_<section>_<field>``: it names the field
in the user's language (the flow does not know that language; Home Assistant's is used only
for further problems in the same section)."""


@dataclass
class RuleProblems:
    """Form errors (field or section → error key) and the placeholders their texts quote."""

    errors: dict[str, str] = field(default_factory=dict)
    details: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=lambda: {"bad_urls": "", "config_file": ""})
    """Placeholders of the specific errors (which URLs, which file)."""

    def add(self, place: str, key: str) -> None:
        """Report ``key`` on ``place`` unless something more specific is already there."""
        self.errors.setdefault(place, key)

    def add_detail(self, place: str, name: str | None, text: str, label: str | None) -> None:
        """A problem of field ``name`` of ``place``, in words.

        The first one decides the error (its text names the field); later ones are added to
        the details with ``label``.
        """
        details = self.details.setdefault(place, [])
        if place not in self.errors:
            specific = (place, name) in FIELD_ERRORS
            self.errors[place] = f"invalid_{place}_{name}" if specific else GENERIC_ERRORS[place]
            if not specific and label:
                text = f"{label}: {text}"
        elif label:
            text = f"{label}: {text}"
        if text not in details:
            details.append(text)

    def placeholders(self) -> dict[str, str]:
        """A value for every problem placeholder (empty where there is nothing to say)."""
        return {
            **self.values,
            **{
                placeholder: "; ".join(self.details.get(place, ()))
                for place, placeholder in PROBLEM_PLACEHOLDERS.items()
            },
        }


def _place(path: Sequence[Any]) -> tuple[str, str | None]:
    """(form place, field name) of an error path in the stored rule."""
    keys = [getattr(part, "schema", part) for part in path]
    if not keys:
        return BASE, None
    if keys[0] == rules_form.NAME:
        return rules_form.NAME, None
    if keys[0] == rules_form.MATCH:
        return rules_form.MATCH, str(keys[1]) if len(keys) > 1 else None
    if keys[0] == "actions" and len(keys) >= 3 and isinstance(keys[1], int):
        kind = str(keys[2])
        if kind in (rules_form.MQTT, rules_form.NOTIFY):
            return kind, str(keys[3]) if len(keys) > 3 else None
    return BASE, None


async def async_labels(hass: HomeAssistant) -> dict[str, str]:
    """Field labels of the rule form in Home Assistant's language, by ``section.field``."""
    translations = await async_get_translations(
        hass, hass.config.language, "config_subentries", [DOMAIN]
    )
    prefix = f"component.{DOMAIN}.config_subentries.{SUBENTRY_RULE}.step.user."
    labels: dict[str, str] = {}
    for key, text in translations.items():
        if not key.startswith(prefix):
            continue
        parts = key[len(prefix) :].split(".")
        if len(parts) == 4 and parts[0] == "sections" and parts[2] == "data":
            labels[f"{parts[1]}.{parts[3]}"] = text
    return labels


def schema_problems(
    rule: Mapping[str, Any], labels: Mapping[str, str], problems: RuleProblems
) -> None:
    """Every problem the engine finds in ``rule``, each on its place in the form."""
    try:
        RULE_SCHEMA(dict(rule))
    except vol.Invalid as err:
        errors = err.errors if isinstance(err, vol.MultipleInvalid) else [err]
        for error in errors:
            place, name = _place(error.path)
            if place == BASE and [getattr(p, "schema", p) for p in error.path] == ["actions"]:
                problems.add(BASE, "no_action")
                continue
            (message,) = describe_errors(vol.Invalid(error.msg), top_level="")
            label = labels.get(f"{place}.{name}", name) if name else None
            problems.add_detail(place, name, message, label)
