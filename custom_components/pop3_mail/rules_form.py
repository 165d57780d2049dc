"""The rule form: schema, and conversion between form values and rules.

Each rule is a config subentry whose data is the rule in the engine's dict format
(docs/rules.md), the same the daemon reads from YAML. The form offers one ``mqtt`` and one
``notify`` action per rule, plus ``mark_read`` and ``delete_from_server``. Apprise URLs are
secrets: the form never shows them again (only apprise's privacy form, in the description); an
empty URL field keeps the stored ones.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import voluptuous as vol
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from pop3_mail.dispatch.rules import BodyFormat

NAME = "name"
STOP = "stop"
MATCH = "match"
MQTT = "mqtt"
NOTIFY = "notify"
MARK_READ = "mark_read"
DELETE_FROM_SERVER = "delete_from_server"
ENABLED = "enabled"
HAS_ATTACHMENT = "has_attachment"
URLS = "urls"

TEXT_CONDITIONS = ("from", "to", "subject", "body")
ANY, YES, NO = "any", "yes", "no"
NOTIFY_TEXT_OPTIONS = ("config", "title", "body")


def _select(options: Sequence[str], translation_key: str) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=list(options),
            translation_key=translation_key,
            mode=SelectSelectorMode.DROPDOWN,
        )
    )


def rule_schema(open_sections: Collection[str] = ()) -> vol.Schema:
    """The rule form (built afresh each time: suggested values are written into it).

    The action sections start collapsed; ``open_sections`` (those in use, or with an error)
    stay open, since the frontend re-renders a form after an error with the schema's state.
    """
    match_fields: dict[vol.Marker, Any] = {
        vol.Optional(key): TextSelector() for key in TEXT_CONDITIONS
    }
    match_fields[vol.Required(HAS_ATTACHMENT, default=ANY)] = _select(
        (ANY, YES, NO), HAS_ATTACHMENT
    )
    match = vol.Schema(match_fields)
    mqtt = vol.Schema(
        {
            vol.Required(ENABLED, default=False): BooleanSelector(),
            vol.Optional("topic"): TextSelector(),
            vol.Required("qos", default="1"): _select(("0", "1", "2"), "qos"),
            vol.Required("retain", default=False): BooleanSelector(),
        }
    )
    notify = vol.Schema(
        {
            vol.Required(ENABLED, default=False): BooleanSelector(),
            vol.Optional(URLS): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD, multiple=True)
            ),
            vol.Optional("config"): TextSelector(),
            vol.Optional("tags"): TextSelector(TextSelectorConfig(multiple=True)),
            vol.Optional("title"): TextSelector(),
            vol.Optional("body"): TextSelector(TextSelectorConfig(multiline=True)),
            vol.Required("format", default=BodyFormat.TEXT.value): _select(
                [body_format.value for body_format in BodyFormat], "body_format"
            ),
            vol.Required("attach", default=False): BooleanSelector(),
        }
    )
    return vol.Schema(
        {
            vol.Required(NAME): TextSelector(),
            vol.Required(MATCH): section(match, {"collapsed": False}),
            vol.Required(MQTT): section(mqtt, {"collapsed": MQTT not in open_sections}),
            vol.Required(NOTIFY): section(notify, {"collapsed": NOTIFY not in open_sections}),
            vol.Required(MARK_READ, default=False): BooleanSelector(),
            vol.Required(DELETE_FROM_SERVER, default=False): BooleanSelector(),
            vol.Required(STOP, default=False): BooleanSelector(),
        }
    )


def _action(rule: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    """Options of the rule's first action of ``kind`` (``{}`` for ``mark_read: true``)."""
    for action in rule.get("actions") or ():
        if kind in action:
            options = action[kind]
            return dict(options) if isinstance(options, Mapping) else {}
    return None


def stored_urls(rule: Mapping[str, Any] | None) -> list[str]:
    """The apprise URLs of a stored rule's notify action (secrets)."""
    notify = _action(rule, NOTIFY) if rule is not None else None
    return list(notify.get(URLS, ())) if notify else []


def form_values(rule: Mapping[str, Any]) -> dict[str, Any]:
    """Suggested form values for a stored rule; the URLs are left out on purpose."""
    match = dict(rule.get("match") or {})
    has_attachment = match.pop(HAS_ATTACHMENT, None)
    values: dict[str, Any] = {
        NAME: rule[NAME],
        MATCH: {
            **{key: match[key] for key in TEXT_CONDITIONS if key in match},
            HAS_ATTACHMENT: ANY if has_attachment is None else YES if has_attachment else NO,
        },
        MARK_READ: _action(rule, MARK_READ) is not None,
        DELETE_FROM_SERVER: _action(rule, DELETE_FROM_SERVER) is not None,
        STOP: bool(rule.get(STOP, False)),
    }
    mqtt = _action(rule, MQTT)
    values[MQTT] = {ENABLED: False}
    if mqtt is not None:
        values[MQTT] = {
            ENABLED: True,
            **({"topic": mqtt["topic"]} if mqtt.get("topic") else {}),
            "qos": str(mqtt.get("qos", 1)),
            "retain": bool(mqtt.get("retain", False)),
        }
    notify = _action(rule, NOTIFY)
    values[NOTIFY] = {ENABLED: False}
    if notify is not None:
        values[NOTIFY] = {
            ENABLED: True,
            **{key: notify[key] for key in NOTIFY_TEXT_OPTIONS if notify.get(key)},
            **({"tags": list(notify["tags"])} if notify.get("tags") else {}),
            "format": notify.get("format", BodyFormat.TEXT.value),
            "attach": bool(notify.get("attach", False)),
        }
    return values


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _texts(values: object) -> list[str]:
    if not isinstance(values, list):
        return []
    return [text for value in values if (text := _text(value))]


def rule_from_form(form: Mapping[str, Any], previous_urls: Sequence[str] = ()) -> dict[str, Any]:
    """The rule (engine dict format) a submitted form describes.

    An empty URL list keeps ``previous_urls``: stored URLs are never sent to the browser, so
    the field starts empty when a rule is edited.
    """
    match_form = form.get(MATCH) or {}
    match: dict[str, Any] = {
        key: text for key in TEXT_CONDITIONS if (text := _text(match_form.get(key)))
    }
    has_attachment = match_form.get(HAS_ATTACHMENT, ANY)
    if has_attachment != ANY:
        match[HAS_ATTACHMENT] = has_attachment == YES

    actions: list[dict[str, Any]] = []
    mqtt_form = form.get(MQTT) or {}
    if mqtt_form.get(ENABLED):
        mqtt: dict[str, Any] = {
            "qos": int(mqtt_form.get("qos", 1)),
            "retain": bool(mqtt_form.get("retain", False)),
        }
        if topic := _text(mqtt_form.get("topic")):
            mqtt["topic"] = topic
        actions.append({MQTT: mqtt})
    notify_form = form.get(NOTIFY) or {}
    if notify_form.get(ENABLED):
        notify: dict[str, Any] = {
            "format": notify_form.get("format", BodyFormat.TEXT.value),
            "attach": bool(notify_form.get("attach", False)),
        }
        if urls := _texts(notify_form.get(URLS)) or list(previous_urls):
            notify[URLS] = urls
        notify.update(
            {key: text for key in NOTIFY_TEXT_OPTIONS if (text := _text(notify_form.get(key)))}
        )
        if tags := _texts(notify_form.get("tags")):
            notify["tags"] = tags
        actions.append({NOTIFY: notify})
    if form.get(MARK_READ):
        actions.append({MARK_READ: True})
    if form.get(DELETE_FROM_SERVER):
        actions.append({DELETE_FROM_SERVER: True})
    return {
        NAME: _text(form.get(NAME)),
        MATCH: match,
        "actions": actions,
        STOP: bool(form.get(STOP, False)),
    }
