"""Rules: validation errors that name the rule, matching tables, sandboxed templates."""

from __future__ import annotations

from typing import Any

import pytest

from pop3_mail.dispatch.conditions import REGEX_INPUT_LIMIT
from pop3_mail.dispatch.rules import (
    RULE_SCHEMA,
    BodyFormat,
    DeleteFromServerAction,
    MarkReadAction,
    MqttAction,
    NotifyAction,
    RuleError,
    parse_rule,
    parse_rules,
)
from pop3_mail.errors import ConfigError

from .helpers import make_summary, with_attachment

MARK = [{"mark_read": True}]


def rule(match: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": "r", "match": match or {}, "actions": MARK, **extra}


def matches(match: dict[str, Any], account: str = "home", **summary: Any) -> bool:
    return parse_rule(rule(match)).matches(make_summary(**summary), account)


@pytest.mark.parametrize(
    ("match", "summary", "expected"),
    [
        # contains: case-insensitive, anywhere in the field
        ({"subject": "invoice"}, {"subject": "Your INVOICE 42"}, True),
        ({"subject": "invoice"}, {"subject": "Your receipt"}, False),
        # Unicode caseless matching: casefold (ß = ss) and canonical equivalence
        ({"subject": "STRASSE"}, {"subject": "Hauptstraße 1"}, True),
        ({"subject": "ÄRGER"}, {"subject": "kein ärger"}, True),
        ({"subject": "café"}, {"subject": "Cafe\u0301 au lait"}, True),  # decomposed é
        ({"subject": "Ωμέγα"}, {"subject": "ΩΜΈΓΑ news"}, True),
        # from: address, display name, or both together
        ({"from": "dhl.de"}, {"from_address": "noreply@DHL.de"}, True),
        ({"from": "paket"}, {"from_name": "DHL Paket", "from_address": "x@y.z"}, True),
        (
            {"from": "regex:^DHL .*<noreply@"},
            {"from_name": "DHL Paket", "from_address": "noreply@dhl.de"},
            True,
        ),
        ({"from": "bank"}, {"from_name": "", "from_address": "alice@example.com"}, False),
        # to: any To or Cc recipient
        ({"to": "team@"}, {"to": ("me@x.org",), "cc": ("team@x.org",)}, True),
        ({"to": "boss@"}, {"to": ("me@x.org",), "cc": ()}, False),
        # body: the snippet
        ({"body": "tracking number"}, {"snippet": "Your Tracking Number is 1Z"}, True),
        # regex: case-insensitive search, not a full match
        ({"subject": "regex:(zugestellt|delivered)"}, {"subject": "Paket ZUGESTELLT heute"}, True),
        ({"subject": "regex:^\\[ALERT\\]"}, {"subject": "[alert] disk full"}, True),
        ({"subject": "regex:^\\[ALERT\\]"}, {"subject": "Re: [alert] disk full"}, False),
        ({"subject": "regex:\\d{4}-\\d{2}"}, {"subject": "Report 2024-05"}, True),
        ({"subject": "regex:straße"}, {"subject": "HAUPTSTRASSE"}, False),  # regex: no casefold
        # several conditions: all must hold
        (
            {"from": "dhl", "subject": "paket"},
            {"from_address": "a@dhl.de", "subject": "Paket"},
            True,
        ),
        (
            {"from": "dhl", "subject": "paket"},
            {"from_address": "a@ups.com", "subject": "Paket"},
            False,
        ),
        # no conditions: every message
        ({}, {}, True),
    ],
)
def test_matching_table(match: dict[str, Any], summary: dict[str, Any], expected: bool) -> None:
    assert matches(match, **summary) is expected


def test_has_attachment() -> None:
    plain, attached = make_summary(), with_attachment(make_summary())
    wants = parse_rule(rule({"has_attachment": True}))
    refuses = parse_rule(rule({"has_attachment": False}))
    assert (wants.matches(plain, "a"), wants.matches(attached, "a")) == (False, True)
    assert (refuses.matches(plain, "a"), refuses.matches(attached, "a")) == (True, False)


def test_account_filter_single_and_list_case_insensitive() -> None:
    one = parse_rule(rule(account="Home"))
    several = parse_rule(rule(account=["work", "home"]))
    summary = make_summary()
    assert one.matches(summary, "home")
    assert not one.matches(summary, "work")
    assert several.matches(summary, "work")
    assert not several.matches(summary, "other")
    assert parse_rule(rule()).matches(summary, "anything")


def test_regex_looks_at_a_bounded_part_of_long_fields() -> None:
    far = "x" * (REGEX_INPUT_LIMIT + 10) + "needle"
    assert not matches({"subject": "regex:needle"}, subject=far)
    assert matches({"subject": "needle"}, subject=far)  # "contains" reads everything


def test_actions_are_built_with_defaults() -> None:
    (parsed,) = parse_rules(
        [
            {
                "name": "all",
                "actions": [
                    {"mqtt": None},
                    {"mqtt": {"topic": "t/{{ account }}", "qos": 0, "retain": True}},
                    {
                        "notify": {
                            "urls": ["json://127.0.0.1/x"],
                            "format": "html",
                            "body": "<b>{{ subject }}</b>",
                        }
                    },
                    {"mark_read": True},
                    {"delete_from_server": True},
                ],
                "stop": True,
            }
        ]
    )
    default_mqtt, custom_mqtt, notify, mark, delete = parsed.actions
    assert isinstance(default_mqtt, MqttAction)
    assert (default_mqtt.topic, default_mqtt.qos, default_mqtt.retain) == (None, 1, False)
    assert isinstance(custom_mqtt, MqttAction)
    assert custom_mqtt.topic is not None
    assert (custom_mqtt.topic.source, custom_mqtt.qos, custom_mqtt.retain) == (
        "t/{{ account }}",
        0,
        True,
    )
    assert isinstance(notify, NotifyAction)
    assert notify.body_format is BodyFormat.HTML
    assert notify.body is not None
    assert notify.body.html
    assert (notify.attach, notify.title) == (False, None)
    assert isinstance(mark, MarkReadAction)
    assert isinstance(delete, DeleteFromServerAction)
    assert parsed.stop


def test_schema_returns_the_normalised_dict() -> None:
    normalised = RULE_SCHEMA({"name": "n", "actions": [{"mqtt": {}}]})
    assert normalised == {
        "name": "n",
        "stop": False,
        "match": {},
        "actions": [{"mqtt": {"qos": 1, "retain": False}}],
    }


def test_stop_only_rule_swallows_mail() -> None:
    parsed = parse_rule({"name": "ignore newsletters", "match": {"from": "news"}, "stop": True})
    assert parsed.actions == ()
    assert parsed.stop


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            [rule(), {"name": "parcels", "match": {"subject": "regex:(a"}, "actions": MARK}],
            "rules[1] (parcels): match.subject: invalid regex: missing ), unterminated subpattern",
        ),
        (
            [rule({"subject": "regex:"})],
            "rules[0] (r): match.subject: invalid regex: the pattern is empty",
        ),
        (
            [rule({"subject": "regex:(a+)+$"})],
            "rules[0] (r): match.subject: invalid regex: nested unbounded",
        ),
        ([rule({"body": "regex:(\\w+\\s?)*x"})], "match.body: invalid regex: nested unbounded"),
        ([rule({"subject": "  "})], "match.subject: empty text would match every message"),
        ([rule({"subject": 5})], 'match.subject: expected text ("contains") or "regex:<pattern>"'),
        ([rule({"has_attachment": "yes"})], "match.has_attachment: expected true or false"),
        ([rule({"size": 5})], "rules[0] (r): match.size: unknown key"),
        (
            [{"name": "n", "actions": [{"mqtt": {"qos": 3}}]}],
            "rules[0] (n): actions[0].mqtt.qos: must be between 0 and 2",
        ),
        (
            [{"name": "n", "actions": [{"mqtt": {"qos": True}}]}],
            "actions[0].mqtt.qos: expected int",
        ),
        (
            [{"name": "n", "actions": [{"mqtt": {"topic": "a/+/b"}}]}],
            "actions[0].mqtt.topic: wildcards",
        ),
        (
            [{"name": "n", "actions": [{"mqtt": {"topic": "$SYS/x"}}]}],
            "actions[0].mqtt.topic: topics starting with $",
        ),
        (
            [{"name": "n", "actions": [{"mqtt": {"topic": "{{ subject"}}]}],
            "actions[0].mqtt.topic: invalid template",
        ),
        (
            [{"name": "n", "actions": [{"notify": {"urls": ["x"], "title": "{{ nope }}"}}]}],
            "actions[0].notify.urls[0]: expected an apprise URL",
        ),
        (
            [{"name": "n", "actions": [{"notify": {"urls": ["j://h"], "title": "{{ nope }}"}}]}],
            "actions[0].notify.title: unknown variable nope",
        ),
        (
            [{"name": "n", "actions": [{"notify": {"urls": ["j://h"], "body": "{% for %}"}}]}],
            "actions[0].notify.body: invalid template",
        ),
        (
            [{"name": "n", "actions": [{"notify": {}}]}],
            "actions[0].notify: give urls, an apprise config file",
        ),
        (
            [{"name": "n", "actions": [{"notify": {"urls": ["j://h"], "tags": ["a"]}}]}],
            "actions[0].notify.tags: tags select services of a config file",
        ),
        (
            [{"name": "n", "actions": [{"notify": {"config": "/c", "format": "pdf"}}]}],
            "actions[0].notify.format",
        ),
        (
            [{"name": "n", "actions": [{"notify": {"config": "/c", "attach_max_bytes": 0}}]}],
            "actions[0].notify.attach_max_bytes",
        ),
        ([{"name": "n", "actions": [{"mark_read": False}]}], "actions[0].mark_read: expected true"),
        ([{"name": "n", "actions": [{"beep": True}]}], "actions[0]: unknown action"),
        (
            [{"name": "n", "actions": [{"mqtt": {}, "mark_read": True}]}],
            "actions[0]: expected exactly one of",
        ),
        ([{"name": "n", "actions": []}], "rules[0] (n): actions: a rule needs at least one action"),
        ([{"actions": MARK}], "rules[0]: name: required"),
        ([rule(), rule()], "rules[1] (r): name: duplicate rule name (also rules[0])"),
        ([rule(account=[])], "account: expected an account name or a list"),
        (["not a rule"], "rules[0]: expected a rule"),
        ("rules", "rules: expected a list of rules"),
    ],
)
def test_invalid_rules_are_rejected_naming_rule_and_key(rules: Any, message: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_rules(rules)
    assert message in str(caught.value)
    assert isinstance(caught.value, ConfigError)


def test_no_rules() -> None:
    assert parse_rules(None) == ()
    assert parse_rules([]) == ()


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__ }}",
        "{{ subject.__class__.__mro__ }}",
        "{{ subject['__class__'] }}",
        "{{ subject._private }}",
        "{{ subject|attr('__class__') }}",
        "{{ (subject|attr('__class__')).__subclasses__() }}",
        "{{ attachments.append(1) }}",
        "{{ to.pop() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ self }}",
        "{{ config }}",
        "{{ lipsum.__globals__['os'] }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{{ ''.format.__self__ }}",
    ],
)
def test_sandbox_escapes_are_rejected(template: str) -> None:
    with pytest.raises(RuleError, match=r"rules\[0\] \(n\): actions\[0\]\.notify\.title: "):
        parse_rules(
            [{"name": "n", "actions": [{"notify": {"urls": ["j://h"], "title": template}}]}]
        )


def test_secret_urls_never_appear_in_errors_or_reprs() -> None:
    secret = "json://user:tok3n-SECRET@127.0.0.1/hook"
    with pytest.raises(RuleError) as caught:
        parse_rules([{"name": "n", "actions": [{"notify": {"urls": [secret], "bogus": 1}}]}])
    assert "tok3n" not in str(caught.value)
    with pytest.raises(RuleError) as caught:
        parse_rules([{"name": "n", "actions": MARK, secret: 1}])
    assert "tok3n" not in str(caught.value)
    (parsed,) = parse_rules([{"name": "n", "actions": [{"notify": {"urls": [secret]}}]}])
    assert "tok3n" not in repr(parsed)
    assert "tok3n" not in repr(parsed.actions[0])
