"""The integration's files against what hassfest, HACS and the frontend require.

The test harness does not run hassfest, so its rules that apply to a custom integration are
checked here: manifest schema and key order, quality-scale file, typed config entries,
``PARALLEL_UPDATES``; and what the frontend needs: translations it can parse (ICU messages),
complete German texts, icons and action descriptions for everything the integration offers.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
import yaml
from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.const import __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.selector import SelectSelector
from homeassistant.loader import async_get_integration
from packaging.requirements import Requirement

from custom_components.pop3_mail import issues, rules_form
from custom_components.pop3_mail.button import BUTTONS
from custom_components.pop3_mail.const import DOMAIN, SUBENTRY_RULE
from custom_components.pop3_mail.event import MAIL_EVENT
from custom_components.pop3_mail.flows.connection import reconfigure_schema, user_schema
from custom_components.pop3_mail.flows.settings import options_schema
from custom_components.pop3_mail.login import ERROR_KEYS, error_key
from custom_components.pop3_mail.oauth_flow import TENANT_SCHEMA, _mailbox_schema
from custom_components.pop3_mail.sensor import OUTBOX, SENSORS
from pop3_mail.errors import (
    AuthError,
    ConnectError,
    Failure,
    LoginDelayError,
    MailboxInUseError,
    PermanentServerError,
    Pop3Error,
    Pop3TimeoutError,
    ProtocolError,
    TlsError,
    TokenUnavailableError,
    TransientServerError,
)
from tests.support.icu import MessageError, parse

ROOT = Path(__file__).parents[2]
INTEGRATION = ROOT / "custom_components" / DOMAIN
PLATFORMS = ("button", "event", "sensor")


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


STRINGS: dict[str, Any] = load_json(INTEGRATION / "strings.json")
MANIFEST: dict[str, Any] = load_json(INTEGRATION / "manifest.json")


def texts(tree: Mapping[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a translation tree with its dotted path."""
    for key, value in tree.items():
        if isinstance(value, Mapping):
            yield from texts(value, f"{path}{key}.")
        else:
            yield f"{path}{key}", value


def placeholders(text: str) -> set[str]:
    """The arguments of ``text`` read as the frontend reads it (an ICU message)."""
    return parse(text)


# Manifest and HACS


def test_manifest_keys_are_in_hassfest_order() -> None:
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def _valid_version(value: str) -> str:
    version = AwesomeVersion(
        value,
        ensure_strategy=[
            AwesomeVersionStrategy.CALVER,
            AwesomeVersionStrategy.SEMVER,
            AwesomeVersionStrategy.SIMPLEVER,
            AwesomeVersionStrategy.BUILDVER,
            AwesomeVersionStrategy.PEP440,
        ],
    )
    return str(version)


# hassfest's schema for custom integrations, restricted to the keys this integration may use.
MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("domain"): DOMAIN,
        vol.Required("name"): "POP3 Mail",
        vol.Required("after_dependencies"): ["mqtt"],
        vol.Required("codeowners"): [vol.Match(r"^@[\w-]+$")],
        vol.Required("config_flow"): True,
        vol.Required("dependencies"): ["application_credentials"],
        vol.Required("documentation"): vol.All(vol.Url(), vol.Match(r"^https://")),
        vol.Required("integration_type"): "service",
        vol.Required("iot_class"): "cloud_polling",
        vol.Required("issue_tracker"): vol.All(vol.Url(), vol.Match(r"^https://")),
        vol.Required("loggers"): [str],
        vol.Required("requirements"): [str],
        vol.Required("version"): vol.All(str, _valid_version),
    }
)


def test_manifest_schema() -> None:
    MANIFEST_SCHEMA(MANIFEST)
    assert INTEGRATION.name == MANIFEST["domain"]


def test_requirements_cannot_conflict_with_home_assistant() -> None:
    requirements = [Requirement(line) for line in MANIFEST["requirements"]]
    # dnspython: discovery's resolver; Home Assistant core does not declare it (only its DHCP
    # integration pulls it in), so the manifest must.
    assert {requirement.name for requirement in requirements} == {"apprise", "dnspython"}
    for requirement in requirements:
        # Lower bounds only: pip can always pick a release that fits core's pins.
        assert requirement.specifier, requirement
        assert {spec.operator for spec in requirement.specifier} == {">="}, requirement
    # Home Assistant ships paho-mqtt with its MQTT integration.
    assert not any("paho" in line.lower() for line in MANIFEST["requirements"])
    # The engine logs under its import name (bundled_engine.py); debug logging must reach it.
    assert set(MANIFEST["loggers"]) >= {"apprise", "pop3_mail"}


async def test_home_assistant_loads_the_manifest(hass: HomeAssistant) -> None:
    integration = await async_get_integration(hass, DOMAIN)
    assert integration.version == AwesomeVersion(MANIFEST["version"])
    assert integration.config_flow
    assert integration.iot_class == "cloud_polling"
    assert integration.integration_type == "service"
    assert integration.after_dependencies == ["mqtt"]


def test_hacs_minimum_version_is_the_tested_release() -> None:
    hacs = load_json(ROOT / "hacs.json")
    assert hacs["name"] == MANIFEST["name"]
    minimum = AwesomeVersion(hacs["homeassistant"])
    tested = AwesomeVersion(ha_version)
    assert minimum <= tested
    # The same release line as the test harness: nothing older is claimed.
    assert (minimum.section(0), minimum.section(1)) == (tested.section(0), tested.section(1))


# Quality scale

QUALITY_SCALE_RULES = {
    # Bronze
    "action-setup",
    "appropriate-polling",
    "brands",
    "common-modules",
    "config-flow",
    "config-flow-test-coverage",
    "dependency-transparency",
    "docs-actions",
    "docs-high-level-description",
    "docs-installation-instructions",
    "docs-removal-instructions",
    "entity-event-setup",
    "entity-unique-id",
    "has-entity-name",
    "runtime-data",
    "test-before-configure",
    "test-before-setup",
    "unique-config-entry",
    # Silver
    "action-exceptions",
    "config-entry-unloading",
    "docs-configuration-parameters",
    "docs-installation-parameters",
    "entity-unavailable",
    "integration-owner",
    "log-when-unavailable",
    "parallel-updates",
    "reauthentication-flow",
    "test-coverage",
    # Gold
    "devices",
    "diagnostics",
    "discovery",
    "discovery-update-info",
    "docs-data-update",
    "docs-examples",
    "docs-known-limitations",
    "docs-supported-devices",
    "docs-supported-functions",
    "docs-troubleshooting",
    "docs-use-cases",
    "dynamic-devices",
    "entity-category",
    "entity-device-class",
    "entity-disabled-by-default",
    "entity-translations",
    "exception-translations",
    "icon-translations",
    "reconfiguration-flow",
    "repair-issues",
    "stale-devices",
    # Platinum
    "async-dependency",
    "inject-websession",
    "strict-typing",
}
"""The rules of Home Assistant 2025.4's quality scale (``script/hassfest/quality_scale.py``)."""

QUALITY_SCALE_SCHEMA = vol.Schema(
    {
        vol.Required("rules"): {
            vol.Required(rule): vol.Any(
                vol.In(["todo", "done"]),
                {vol.Required("status"): vol.In(["todo", "done"]), vol.Required("comment"): str},
                {vol.Required("status"): "exempt", vol.Required("comment"): str},
            )
            for rule in QUALITY_SCALE_RULES
        }
    }
)


def test_quality_scale_names_every_rule_once() -> None:
    QUALITY_SCALE_SCHEMA(load_yaml(INTEGRATION / "quality_scale.yaml"))


def test_quality_scale_todos_are_explained() -> None:
    rules = load_yaml(INTEGRATION / "quality_scale.yaml")["rules"]
    for name, value in rules.items():
        if value == "todo":
            pytest.fail(f"{name}: a rule left to do needs a comment that says why")


def _module(name: str) -> ast.Module:
    return ast.parse((INTEGRATION / f"{name}.py").read_text(encoding="utf-8"))


def _async_function(module: ast.Module, name: str) -> ast.AsyncFunctionDef | None:
    return next(
        (
            node
            for node in module.body
            if isinstance(node, ast.AsyncFunctionDef) and node.name == name
        ),
        None,
    )


def _is_typed_entry(argument: ast.arg) -> bool:
    annotation = argument.annotation
    return isinstance(annotation, ast.Name) and bool(
        re.fullmatch(r"[A-Za-z][A-Za-z0-9]+ConfigEntry", annotation.id)
    )


def test_config_entries_are_typed_where_hassfest_looks() -> None:
    """hassfest's runtime-data check (with strict-typing done): ``XyzConfigEntry`` everywhere."""
    functions = {
        "__init__": ("async_setup_entry", "async_unload_entry", "async_remove_entry"),
        "diagnostics": ("async_get_config_entry_diagnostics",),
        **dict.fromkeys(PLATFORMS, ("async_setup_entry",)),
    }
    for module_name, names in functions.items():
        module = _module(module_name)
        for name in names:
            function = _async_function(module, name)
            assert function is not None, f"{module_name}.{name}"
            assert _is_typed_entry(function.args.args[1]), f"{module_name}.{name}"
    init_setup = _async_function(_module("__init__"), "async_setup_entry")
    assert init_setup is not None
    assert any(
        isinstance(node, ast.Attribute)
        and node.attr == "runtime_data"
        and isinstance(node.ctx, ast.Store)
        for node in ast.walk(init_setup)
    )
    options_flow_factories = [
        node
        for node in ast.walk(_module("config_flow"))
        if isinstance(node, ast.FunctionDef) and node.name == "async_get_options_flow"
    ]
    assert len(options_flow_factories) == 1
    assert _is_typed_entry(options_flow_factories[0].args.args[0])


@pytest.mark.parametrize("platform", PLATFORMS)
def test_platforms_set_parallel_updates(platform: str) -> None:
    assert any(
        isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "PARALLEL_UPDATES"
        for node in _module(platform).body
    )


# Translations


TRANSLATION_FILES = [INTEGRATION / "strings.json", *sorted(INTEGRATION.glob("translations/*.json"))]


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=lambda path: path.name)
def test_translations_are_valid_icu_messages(path: Path) -> None:
    """The frontend formats every text as an ICU message; a text it cannot parse shows
    "Translation error" (``<account>`` is an unclosed tag, ``{{`` a malformed argument)."""
    for key, text in texts(load_json(path)):
        assert isinstance(text, str), key
        try:
            parse(text)
        except MessageError as err:
            pytest.fail(f"{path.name}: {key}: {err}")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Template; empty for `pop3_mail/<account>/message`.", "UNCLOSED_TAG"),
        ("Default: {{ subject }}", "MALFORMED_ARGUMENT"),
        ("{count, plural, one {one message}}", "MISSING_OTHER_CLAUSE"),
        ("Stored: {urls", "MALFORMED_ARGUMENT"),
        ("{error, bogus}", "INVALID_ARGUMENT_TYPE"),
        ("a </b> b", "UNMATCHED_CLOSING_TAG"),
    ],
)
def test_the_message_checker_refuses_what_the_frontend_refuses(text: str, kind: str) -> None:
    with pytest.raises(MessageError) as caught:
        parse(text)
    assert caught.value.kind == kind


@pytest.mark.parametrize(
    ("text", "arguments"),
    [
        ("It''s {name}'s turn; a } alone is text", {"name"}),
        ("'{quoted}' and '<b>' stay text", set()),
        ("{n, plural, =0 {no limit} other {every # seconds}}", {"n"}),
        ("<b>bold</b> <br/> a < b", set()),
    ],
)
def test_the_message_checker_accepts_what_the_frontend_accepts(
    text: str, arguments: set[str]
) -> None:
    assert parse(text) == arguments


def _section_descriptions(tree: Mapping[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    for key, value in tree.items():
        if not isinstance(value, Mapping):
            continue
        if key == "sections":
            for name, section_texts in value.items():
                if "description" in section_texts:
                    yield f"{path}sections.{name}", section_texts["description"]
        yield from _section_descriptions(value, f"{path}{key}.")


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=lambda path: path.name)
def test_section_descriptions_have_no_placeholders(path: Path) -> None:
    """Home Assistant 2025.4's frontend formats section descriptions without the step's
    placeholders: a ``{name}`` there shows "Translation error … was not provided"."""
    found = list(_section_descriptions(load_json(path)))
    assert found  # the forms do have sections
    for key, text in found:
        assert not placeholders(text), f"{path.name}: {key}: {text!r}"


def test_no_provider_without_pop3_is_named() -> None:
    """iCloud Mail offers IMAP only: naming it in the password help misleads."""
    for path in TRANSLATION_FILES:
        for key, text in texts(load_json(path)):
            assert "icloud" not in text.lower(), f"{path.name}: {key}"


def test_advanced_mode_is_not_read() -> None:
    """``show_advanced_options`` is deprecated (always true on new releases, removed in 2027.6):
    every field must be reachable without it."""
    for path in sorted(INTEGRATION.rglob("*.py")):
        if "engine" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)} | {
            node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
        }
        assert "show_advanced_options" not in names, path.name


def test_english_translation_is_strings_json() -> None:
    assert load_json(INTEGRATION / "translations" / "en.json") == STRINGS


def test_german_translation_is_complete() -> None:
    english = dict(texts(STRINGS))
    german = dict(texts(load_json(INTEGRATION / "translations" / "de.json")))
    assert german.keys() == english.keys()
    for key, text in english.items():
        assert placeholders(german[key]) == placeholders(text), key
        assert german[key].strip(), key


ENTITY_DESCRIPTIONS: dict[str, tuple[EntityDescription, ...]] = {
    "button": BUTTONS,
    "event": (MAIL_EVENT,),
    "sensor": (*SENSORS, OUTBOX),
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_entity_has_a_name_and_an_icon(platform: str) -> None:
    keys = {description.translation_key for description in ENTITY_DESCRIPTIONS[platform]}
    named = {key for key, value in STRINGS["entity"][platform].items() if value.get("name")}
    assert keys == named
    icons = load_json(INTEGRATION / "icons.json")["entity"][platform]
    assert set(icons) == keys
    for icon in icons.values():
        assert re.fullmatch(r"mdi:[a-z0-9-]+", icon["default"])
        assert all(
            re.fullmatch(r"mdi:[a-z0-9-]+", value) for value in icon.get("state", {}).values()
        )


def test_event_types_are_translated() -> None:
    states = STRINGS["entity"]["event"]["mail"]["state_attributes"]["event_type"]["state"]
    assert set(states) == set(MAIL_EVENT.event_types or ())


def test_actions_are_described_and_have_icons() -> None:
    services = load_yaml(INTEGRATION / "services.yaml")
    described = STRINGS["services"]
    assert set(services) == set(described)
    for name, service in services.items():
        assert described[name]["name"]
        assert described[name]["description"]
        assert set(service["fields"]) == set(described[name]["fields"])
        for field in described[name]["fields"].values():
            assert field["name"]
            assert field["description"]
    icons = load_json(INTEGRATION / "icons.json")["services"]
    assert set(icons) == set(services)
    assert all(re.fullmatch(r"mdi:[a-z0-9-]+", icon["service"]) for icon in icons.values())


def _raised_translations() -> Iterator[tuple[str, set[str] | None]]:
    """(key, placeholder names) of every exception raised with a literal translation key."""
    for path in sorted(INTEGRATION.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            keywords = {keyword.arg: keyword.value for keyword in node.keywords}
            key = keywords.get("translation_key")
            if "translation_domain" not in keywords or not isinstance(key, ast.Constant):
                continue
            given = keywords.get("translation_placeholders")
            names = (
                {str(item.value) for item in given.keys if isinstance(item, ast.Constant)}
                if isinstance(given, ast.Dict)
                else None
            )
            yield str(key.value), names


LOGIN_ERRORS: list[Pop3Error] = [
    AuthError("[AUTH] no"),
    Pop3TimeoutError("slow"),
    TlsError("bad certificate", certificate_error=True),
    MailboxInUseError("[IN-USE] locked"),
    LoginDelayError("[LOGIN-DELAY] wait", retry_after=60),
    TransientServerError("[SYS/TEMP] later"),
    PermanentServerError("[SYS/PERM] no POP"),
    ConnectError("refused"),
    ProtocolError("garbage"),
    TokenUnavailableError("the token endpoint is down"),
]
"""One of each kind of failed login (their keys are chosen at run time by ``error_key``)."""


def test_raised_exceptions_are_translated() -> None:
    raised = list(_raised_translations())
    messages = STRINGS["exceptions"]
    # Every text is used, and every key has a text.
    keys = {key for key, _ in raised} | {error_key(error) for error in LOGIN_ERRORS}
    assert keys == set(messages)
    for key, given in raised:
        assert key in messages, key
        wanted = placeholders(messages[key]["message"])
        assert given == wanted if given is not None else not wanted, key


@pytest.mark.parametrize("error", LOGIN_ERRORS, ids=type)
def test_every_login_error_has_texts(error: Pop3Error) -> None:
    """Config-flow errors and action exceptions share the key :func:`error_key` picks."""
    key = error_key(error)
    assert key in STRINGS["config"]["error"]
    assert placeholders(STRINGS["exceptions"][key]["message"]) == {"error"}


def test_every_failure_kind_has_a_translation_key() -> None:
    """The engine classifies; this table only names each kind (none may be missing)."""
    assert set(ERROR_KEYS) == set(Failure)
    assert set(ERROR_KEYS.values()) <= set(STRINGS["config"]["error"])


def test_repair_issues_are_translated() -> None:
    for kind in (issues.POP_DISABLED, issues.CERTIFICATE):
        issue = STRINGS["issues"][kind]
        assert placeholders(issue["title"] + issue["description"]) <= {"account", "error"}


# Forms


def _fields(schema: vol.Schema, path: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted strings path, selector) of every field, sections included."""
    for marker, value in schema.schema.items():
        name = str(marker)
        if isinstance(value, section):
            yield from _fields(value.schema, f"{path}sections.{name}.")
        else:
            yield f"{path}{name}", value


def _lookup(tree: Mapping[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        node = node[part]
    return node


RULE_STEPS = f"config_subentries.{SUBENTRY_RULE}.step"
FORMS = {
    "config.step.password": user_schema(),
    "config.step.tenant": TENANT_SCHEMA,
    "config.step.mailbox": _mailbox_schema(),
    "config.step.reconfigure": reconfigure_schema(),
    "options.step.init": options_schema(None),
    f"{RULE_STEPS}.user": rules_form.rule_schema(),
    f"{RULE_STEPS}.reconfigure": rules_form.rule_schema(),
}


@pytest.mark.parametrize("step", FORMS)
def test_every_form_field_has_a_label_and_a_description(step: str) -> None:
    texts_of_step = _lookup(STRINGS, step)
    for dotted, selector in _fields(FORMS[step]):
        prefix, _, name = dotted.rpartition(".")
        scope = _lookup(texts_of_step, prefix) if prefix else texts_of_step
        assert scope["data"][name], f"{step}.{dotted}"
        assert scope["data_description"][name], f"{step}.{dotted}"
        if isinstance(selector, SelectSelector) and (key := selector.config.get("translation_key")):
            options = {
                option if isinstance(option, str) else option["value"]
                for option in selector.config["options"]
            }
            assert set(STRINGS["selector"][key]["options"]) == options, key
