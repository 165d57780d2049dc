"""Rules: which new messages go where. One format for the daemon's YAML and Home Assistant.

A rule in dict form (validated by :data:`RULE_SCHEMA`, documented in docs/rules.md)::

    name: parcels
    account: home                 # optional: one account name or a list
    match:                        # every condition must hold; none = every message
      from: dhl.de                # case-insensitive "contains" ...
      subject: "regex:(zugestellt|delivered)"   # ... or a regular expression
      has_attachment: false
    actions:
      - mqtt: {topic: "home/parcels/{{ account }}", qos: 1, retain: false}
      - notify: {urls: ["ntfys://ntfy.sh/topic"], title: "Parcel: {{ subject }}"}
      - mark_read: true
      - delete_from_server: true  # only after every other action succeeded
    stop: false                   # true: later rules do not see a matching message

:func:`parse_rules` checks everything (schema, regular expressions, templates) and raises
:class:`RuleError` naming the rule and the key, so nothing can fail at delivery time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import voluptuous as vol

from ..errors import ConfigError
from ..mail.model import MailSummary
from ..validation import boolean, choice, describe_errors, each, integer, text
from .conditions import InvalidConditionError, MatchField, TextCondition, fold
from .payload import topic_problem
from .templates import (
    SAMPLE_SUMMARY,
    InvalidTemplateError,
    MessageTemplate,
    compile_template,
    template_context,
)

DEFAULT_ATTACH_MAX_BYTES = 5 * 1024 * 1024
MAX_ATTACH_MAX_BYTES = 100 * 1024 * 1024


class RuleError(ConfigError):
    """A rule that cannot work; the message names the rule and the key.

    Example: ``rules[2] (parcels): match.subject: invalid regex: missing ), ...``.
    """


class BodyFormat(StrEnum):
    """How a notification body is to be read by the service."""

    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"
    """Values inserted by the body template are HTML-escaped."""


@dataclass(frozen=True, slots=True, eq=False)
class MqttAction:
    """Publish the message summary as JSON; ``topic`` ``None`` means the default topic."""

    topic: MessageTemplate | None = None
    qos: int = 1
    retain: bool = False

    kind = "mqtt"


@dataclass(frozen=True, slots=True, eq=False)
class NotifyAction:
    """Send a notification through apprise to ``urls`` and/or the services of ``config``.

    ``urls`` hold secrets (tokens, passwords) and are therefore left out of ``repr``.
    ``tags`` select services of the config file (a list means any of them).
    """

    urls: tuple[str, ...] = field(default=(), repr=False)
    config: str | None = None
    tags: tuple[str, ...] = ()
    title: MessageTemplate | None = None
    body: MessageTemplate | None = None
    body_format: BodyFormat = BodyFormat.TEXT
    attach: bool = False
    attach_max_bytes: int = DEFAULT_ATTACH_MAX_BYTES

    kind = "notify"


@dataclass(frozen=True, slots=True)
class MarkReadAction:
    """Acknowledge the message (it stops counting as unread); nothing is sent to the server."""

    kind = "mark_read"


@dataclass(frozen=True, slots=True)
class DeleteFromServerAction:
    """Delete the message from the server once every other action for it has succeeded."""

    kind = "delete_from_server"


Action = MqttAction | NotifyAction | MarkReadAction | DeleteFromServerAction


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """A validated rule: conditions that must all hold, then actions in order."""

    name: str
    conditions: tuple[TextCondition, ...] = ()
    has_attachment: bool | None = None
    accounts: frozenset[str] | None = None
    """Folded account names the rule is limited to; ``None`` for every account."""
    actions: tuple[Action, ...] = ()
    stop: bool = False

    def matches(self, summary: MailSummary, account: str) -> bool:
        """Whether the rule applies to ``summary`` received by ``account``."""
        if self.accounts is not None and fold(account) not in self.accounts:
            return False
        if self.has_attachment is not None and bool(summary.attachments) != self.has_attachment:
            return False
        return all(condition.matches(summary) for condition in self.conditions)


def _template(*, html: bool = False, topic: bool = False) -> Callable[[object], str]:
    """Validator: a template that compiles (and, for a topic, renders to a usable topic)."""

    def validate(value: object) -> str:
        if not isinstance(value, str):
            raise vol.Invalid("expected a template (text)")
        try:
            compiled = compile_template(value, html=html)
        except InvalidTemplateError as err:
            raise vol.Invalid(str(err)) from None
        if topic:
            sample = compiled.render(template_context(SAMPLE_SUMMARY, "sample"))
            problem = topic_problem(sample)
            if problem:
                raise vol.Invalid(f"{problem} (rendered on a sample message: {sample[:80]!r})")
        return value

    return validate


def _condition(value: object) -> str:
    if not isinstance(value, str):
        raise vol.Invalid('expected text ("contains") or "regex:<pattern>"')
    try:
        TextCondition.parse(MatchField.SUBJECT, value)
    except InvalidConditionError as err:
        raise vol.Invalid(str(err)) from None
    return value


def _apprise_url(value: object) -> str:
    # Only the shape is checked here (no apprise import on the event loop); whether apprise
    # knows the service is checked when the dispatcher loads it (see notify.invalid_urls).
    # The value is a secret: it never goes into an error message.
    if not isinstance(value, str) or "://" not in value or value.startswith("://"):
        raise vol.Invalid("expected an apprise URL (scheme://...)")
    return value


def _true(value: object) -> bool:
    if value is not True:
        raise vol.Invalid("expected true (leave the action out to disable it)")
    return True


def _one_or_more_names(value: object) -> list[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names:
        raise vol.Invalid("expected an account name or a list of account names")
    return [text(name) for name in names]


MATCH_SCHEMA = vol.Schema(
    {
        **{vol.Optional(match_field.value): _condition for match_field in MatchField},
        vol.Optional("has_attachment"): boolean,
    }
)

MQTT_SCHEMA = vol.Schema(
    {
        vol.Optional("topic"): _template(topic=True),
        vol.Optional("qos", default=1): integer(0, 2),
        vol.Optional("retain", default=False): boolean,
    }
)


def _notify_targets(value: dict[str, Any]) -> dict[str, Any]:
    if not value.get("urls") and not value.get("config"):
        raise vol.Invalid("give urls, an apprise config file (config), or both")
    if value.get("tags") and not value.get("config"):
        raise vol.Invalid("tags select services of a config file; add config", path=["tags"])
    if value.get("format") == BodyFormat.HTML and "body" in value:
        try:
            compile_template(value["body"], html=True)
        except InvalidTemplateError as err:
            raise vol.Invalid(str(err), path=["body"]) from None
    return value


NOTIFY_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Optional("urls"): each(_apprise_url, minimum=1),
            vol.Optional("config"): text,
            vol.Optional("tags"): each(text, minimum=1),
            vol.Optional("title"): _template(),
            vol.Optional("body"): _template(),
            vol.Optional("format", default=BodyFormat.TEXT.value): choice(
                [body_format.value for body_format in BodyFormat]
            ),
            vol.Optional("attach", default=False): boolean,
            vol.Optional("attach_max_bytes", default=DEFAULT_ATTACH_MAX_BYTES): integer(
                1, MAX_ATTACH_MAX_BYTES
            ),
        }
    ),
    _notify_targets,
)

_ACTION_SCHEMAS: dict[str, Callable[[Any], Any]] = {
    "mqtt": MQTT_SCHEMA,
    "notify": NOTIFY_SCHEMA,
    "mark_read": _true,
    "delete_from_server": _true,
}


def _action(value: object) -> dict[str, Any]:
    """Validator: a mapping with exactly one key naming the action."""
    if not isinstance(value, Mapping) or len(value) != 1:
        raise vol.Invalid(f"expected exactly one of {', '.join(_ACTION_SCHEMAS)}")
    ((kind, options),) = value.items()
    schema = _ACTION_SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise vol.Invalid(f"unknown action; expected one of {', '.join(_ACTION_SCHEMAS)}")
    if kind in ("mqtt", "notify") and options is None:
        options = {}  # `- mqtt:` with nothing after it means "all defaults"
    try:
        return {kind: schema(options)}
    except vol.MultipleInvalid as err:
        for error in err.errors:
            error.prepend([kind])
        raise
    except vol.Invalid as err:
        err.prepend([kind])
        raise


def _actions_or_stop(value: dict[str, Any]) -> dict[str, Any]:
    if not value["actions"] and not value["stop"]:
        raise vol.Invalid(
            "a rule needs at least one action (or stop: true to swallow matching mail)",
            path=["actions"],
        )
    return value


RULE_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Required("name"): text,
            vol.Optional("account"): _one_or_more_names,
            vol.Optional("stop", default=False): boolean,
            vol.Optional("match", default=dict): vol.Any(None, MATCH_SCHEMA),
            vol.Optional("actions", default=list): each(_action),
        }
    ),
    _actions_or_stop,
)
"""Voluptuous schema of one rule in dict form; returns the normalised dict (defaults filled)."""


def parse_rules(data: object) -> tuple[Rule, ...]:
    """Validate a list of rules (``None`` is no rules).

    Raises:
        RuleError: a rule cannot work, or two rules share a name.

    """
    if data is None:
        return ()
    if not isinstance(data, Sequence) or isinstance(data, str):
        raise RuleError("rules: expected a list of rules")
    rules: list[Rule] = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise RuleError(f"rules[{index}]: expected a rule (a mapping with name and actions)")
        rule = parse_rule(item, index)
        if rule.name in first_index:
            raise RuleError(
                f"{_where(item, index)}: name: duplicate rule name "
                f"(also rules[{first_index[rule.name]}])"
            )
        first_index[rule.name] = index
        rules.append(rule)
    return tuple(rules)


def parse_rule(data: Mapping[str, object], index: int | None = None) -> Rule:
    """Validate one rule and build it; ``index`` is its position, used in error messages.

    Raises:
        RuleError: the rule cannot work; the message names the rule and every bad key.

    """
    try:
        config = RULE_SCHEMA(dict(data))
    except vol.Invalid as err:
        problems = describe_errors(err, top_level="")
        raise RuleError(f"{_where(data, index)}: " + "; ".join(problems)) from None
    return _build(config)


def _build(config: dict[str, Any]) -> Rule:
    match = config.get("match") or {}
    conditions = tuple(
        TextCondition.parse(match_field, match[match_field.value])
        for match_field in MatchField
        if match_field.value in match
    )
    accounts = config.get("account")
    return Rule(
        name=config["name"],
        conditions=conditions,
        has_attachment=match.get("has_attachment"),
        accounts=frozenset(fold(name) for name in accounts) if accounts else None,
        actions=tuple(_build_action(action) for action in config["actions"]),
        stop=config["stop"],
    )


def _build_action(action: dict[str, Any]) -> Action:
    ((kind, options),) = action.items()
    if kind == "mqtt":
        topic = options.get("topic")
        return MqttAction(
            topic=compile_template(topic) if topic else None,
            qos=options["qos"],
            retain=options["retain"],
        )
    if kind == "notify":
        body_format = BodyFormat(options["format"])
        title, body = options.get("title"), options.get("body")
        return NotifyAction(
            urls=tuple(options.get("urls", ())),
            config=options.get("config"),
            tags=tuple(options.get("tags", ())),
            title=compile_template(title) if title else None,
            body=compile_template(body, html=body_format is BodyFormat.HTML) if body else None,
            body_format=body_format,
            attach=options["attach"],
            attach_max_bytes=options["attach_max_bytes"],
        )
    if kind == "mark_read":
        return MarkReadAction()
    return DeleteFromServerAction()


def _where(data: Mapping[str, object] | object, index: int | None) -> str:
    name = data.get("name") if isinstance(data, Mapping) else None
    label = f" ({name})" if isinstance(name, str) and name else ""
    return f"rules[{index}]{label}" if index is not None else f"rule{label}"
