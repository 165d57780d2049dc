"""Rules in Home Assistant: the options-flow UI, apprise to a local endpoint, HA's MQTT."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import mqtt
from homeassistant.components.mqtt import config_flow as _mqtt_config_flow  # noqa: F401
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
    SubentryFlowResult,
)
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.pop3_mail.const import (
    CONF_RULES,
    CONFIG_VERSION,
    DOMAIN,
    EVENT_RECEIVED,
    OUTBOX_REFRESH_SECONDS,
    SUBENTRY_RULE,
)
from custom_components.pop3_mail.mqtt_publisher import HomeAssistantMqttPublisher
from pop3_mail.dispatch.publisher import DeliveryError
from tests.integration.conftest import assert_placeholders_supplied, make_message
from tests.support.dovecot import MailUser
from tests.support.http import serve_on_loopback
from tests.support.mosquitto import MosquittoBroker

SECRET = "s3cret-token"
# (MQTT's config flow is imported above, not during a test: its dependencies cannot be
# imported while a test has frozen the clock.)


@dataclass
class Webhook:
    """A local HTTP endpoint apprise's json:// plugin posts to."""

    port: int = 0
    status: int = 200
    received: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0

    def url(self, path: str = "hook") -> str:
        """An apprise URL with a password, which must never be shown."""
        return f"json://user:{SECRET}@127.0.0.1:{self.port}/{path}"


@pytest.fixture
async def webhook() -> AsyncIterator[Webhook]:
    hook = Webhook()

    async def handle(request: web.Request) -> web.Response:
        hook.attempts += 1
        if hook.status == 200:
            hook.received.append(await request.json())
        return web.Response(status=hook.status)

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    async with serve_on_loopback(app) as port:
        hook.port = port
        yield hook


def notify_rule(hook: Webhook, **changes: Any) -> dict[str, Any]:
    """A stored rule: mail whose subject mentions a parcel goes to the webhook."""
    rule: dict[str, Any] = {
        "name": "parcels",
        "match": {"subject": "parcel"},
        "actions": [{"notify": {"urls": [hook.url()], "title": "Parcel: {{ subject }}"}}],
    }
    rule.update(changes)
    return rule


def rule_form(**sections: Any) -> dict[str, Any]:
    """A filled-in rule form (sections as the frontend sends them)."""
    form: dict[str, Any] = {
        "name": "parcels",
        "match": {"subject": "parcel", "has_attachment": "any"},
        "mqtt": {"enabled": False, "qos": "1", "retain": False},
        "notify": {"enabled": False, "format": "text", "attach": False},
        "mark_read": False,
        "delete_from_server": False,
        "stop": False,
    }
    form.update(sections)
    return form


def notify_form(**options: Any) -> dict[str, Any]:
    """The form's push-notification section, switched on."""
    return {"enabled": True, "format": "text", "attach": False, **options}


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def check_now(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await hass.services.async_call(
        DOMAIN, "check_now", {"config_entry_id": entry.entry_id}, blocking=True
    )


RULE_TEXTS = f"config_subentries.{SUBENTRY_RULE}"


async def add_rule(hass: HomeAssistant, entry: MockConfigEntry) -> SubentryFlowResult:
    """The *Add rule* form of the entry (Home Assistant's subentry UI)."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_RULE), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert_placeholders_supplied(result, RULE_TEXTS)
    return result


async def change_rule(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str
) -> SubentryFlowResult:
    """The form that changes one rule (the rule's *Configure* button)."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_RULE),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert_placeholders_supplied(result, RULE_TEXTS)
    return result


async def submit(
    hass: HomeAssistant, result: SubentryFlowResult, values: dict[str, Any]
) -> SubentryFlowResult:
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], values)
    if result["type"] is FlowResultType.FORM:
        assert_placeholders_supplied(result, RULE_TEXTS)
    return result


def stored_rules(entry: MockConfigEntry) -> list[dict[str, Any]]:
    return [dict(subentry.data) for subentry in entry.subentries.values()]


def subentry_id(entry: MockConfigEntry, name: str) -> str:
    return str(next(key for key, sub in entry.subentries.items() if sub.title == name))


def suggested(result: SubentryFlowResult) -> dict[str, Any]:
    """The suggested values of a form, sections included."""
    schema = result["data_schema"]
    assert schema is not None
    values: dict[str, Any] = {}
    for key, value in schema.schema.items():
        inner = getattr(value, "schema", None)
        if inner is not None:
            values[str(key)] = {
                str(k): (k.description or {}).get("suggested_value") for k in inner.schema
            }
        else:
            values[str(key)] = (key.description or {}).get("suggested_value")
    return values


async def test_rules_are_added_changed_and_deleted_in_the_ui(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, webhook: Webhook
) -> None:
    result = await add_rule(hass, loaded_entry)
    result = await submit(
        hass,
        result,
        rule_form(notify=notify_form(urls=[webhook.url()], title="Parcel: {{ subject }}")),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = loaded_entry.subentries.values()
    assert (subentry.title, subentry.unique_id) == ("parcels", "parcels")
    assert stored_rules(loaded_entry) == [
        {
            "name": "parcels",
            "match": {"subject": "parcel"},
            "actions": [
                {
                    "notify": {
                        "format": "text",
                        "attach": False,
                        "urls": [webhook.url()],
                        "title": "Parcel: {{ subject }}",
                    }
                }
            ],
            "stop": False,
        }
    ]
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.runtime_data.dispatcher.rules[0].name == "parcels"

    result = await change_rule(hass, loaded_entry, subentry.subentry_id)
    # The stored URL is shown only in apprise's privacy form, and never sent back as a value.
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert f"127.0.0.1:{webhook.port}" in placeholders["urls"]
    assert SECRET not in placeholders["urls"]
    values = suggested(result)
    assert values["name"] == "parcels"
    assert values["match"]["subject"] == "parcel"
    assert values["notify"]["enabled"] is True
    assert values["notify"]["title"] == "Parcel: {{ subject }}"
    assert values["notify"]["urls"] is None
    assert SECRET not in json.dumps(values)

    # An empty URL field keeps the stored URLs; a new name renames the subentry.
    result = await submit(
        hass,
        result,
        rule_form(
            name="Pakete",
            match={"subject": "paket", "has_attachment": "yes"},
            notify={"enabled": True, "format": "markdown", "attach": False},
            mark_read=True,
            stop=True,
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    (subentry,) = loaded_entry.subentries.values()
    assert (subentry.title, subentry.unique_id) == ("Pakete", "Pakete")
    (rule,) = stored_rules(loaded_entry)
    assert rule["match"] == {"subject": "paket", "has_attachment": True}
    assert rule["actions"] == [
        {"notify": {"format": "markdown", "attach": False, "urls": [webhook.url()]}},
        {"mark_read": True},
    ]
    assert rule["stop"] is True
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data.dispatcher.rules[0].name == "Pakete"

    # Deleting is Home Assistant's own (it asks first); the dispatcher forgets the rule.
    assert hass.config_entries.async_remove_subentry(loaded_entry, subentry.subentry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.runtime_data.dispatcher.rules == ()


async def test_stored_rules_migrate_to_subentries(
    hass: HomeAssistant, make_entry: Callable[..., MockConfigEntry], webhook: Webhook
) -> None:
    """Version 1 kept the rules in the options: each becomes a subentry, in order, unchanged."""
    first = notify_rule(webhook)
    second = {"name": "newsletters", "match": {"from": "news@"}, "actions": [{"mark_read": True}]}
    entry = make_entry(options={CONF_RULES: [first, second], "scan_interval": 120})
    assert entry.version == 1
    await set_up(hass, entry)
    assert entry.version == CONFIG_VERSION
    assert entry.options == {"scan_interval": 120}
    assert [(sub.subentry_type, sub.title, sub.unique_id) for sub in entry.subentries.values()] == [
        (SUBENTRY_RULE, "parcels", "parcels"),
        (SUBENTRY_RULE, "newsletters", "newsletters"),
    ]
    assert stored_rules(entry) == [first, second]
    assert [rule.name for rule in entry.runtime_data.dispatcher.rules] == ["parcels", "newsletters"]


async def test_an_entry_from_a_newer_version_is_not_touched(
    hass: HomeAssistant, entry_data: dict[str, Any]
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=entry_data, version=CONFIG_VERSION + 1)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


async def test_an_mqtt_and_delete_rule_round_trips_through_the_form(
    hass: HomeAssistant, make_entry: Callable[..., MockConfigEntry]
) -> None:
    stored = {
        "name": "bank",
        "match": {"from": "bank.example", "has_attachment": False},
        "actions": [
            {"mqtt": {"topic": "home/bank", "qos": 2, "retain": True}},
            {"delete_from_server": True},
        ],
        "stop": False,
    }
    entry = make_entry(rules=[stored])
    result = await change_rule(hass, entry, subentry_id(entry, "bank"))
    values = suggested(result)
    assert values["match"]["from"] == "bank.example"
    assert values["match"]["has_attachment"] == "no"
    assert values["mqtt"] == {"enabled": True, "topic": "home/bank", "qos": "2", "retain": True}
    assert values["delete_from_server"] is True
    assert values["notify"]["enabled"] is False
    # A section in use is open: its settings are not hidden.
    assert not section_collapsed(result, "mqtt")
    assert section_collapsed(result, "notify")


def section_collapsed(result: SubentryFlowResult, name: str) -> bool:
    schema = result["data_schema"]
    assert schema is not None
    field = next(value for key, value in schema.schema.items() if str(key) == name)
    return bool(field.options["collapsed"])


@pytest.mark.parametrize(
    ("changes", "errors", "mentions"),
    [
        (
            {"match": {"subject": "regex:(unclosed", "has_attachment": "any"}},
            {"match": "invalid_match_subject", "base": "no_action"},  # both at once
            {"match_problem": "invalid regex"},
        ),
        (
            {"notify": notify_form(urls=["json://127.0.0.1:9/x"], title="{{ subject")},
            {"notify": "invalid_notify_title"},
            {"notify_problem": "invalid template"},
        ),
        (
            {"notify": {"enabled": True, "format": "text", "attach": False}},
            {"notify": "notify_needs_target"},
            {},
        ),
        (
            {"notify": notify_form(urls=["json://127.0.0.1:9/x", "nosuchservice://secret@x"])},
            {"notify": "invalid_notify_url"},
            {"bad_urls": "#2"},
        ),
        (
            {"notify": notify_form(config="/nonexistent/apprise.yml")},
            {"notify": "notify_config_unreadable"},
            {"config_file": "/nonexistent/apprise.yml"},
        ),
        ({"mqtt": {"enabled": True, "qos": "1", "retain": False}}, {"mqtt": "mqtt_not_set_up"}, {}),
        ({}, {"base": "no_action"}, {}),  # no action and no stop
        (
            {"mqtt": {"enabled": True, "topic": "a/#", "qos": "1", "retain": False}},
            {"mqtt": "mqtt_not_set_up"},  # MQTT's absence first; the topic below
            {"mqtt_problem": "Topic: "},  # a further problem: named in HA's language
        ),
        (
            # Every problem at once, each on its section.
            {
                "match": {"subject": "regex:(", "has_attachment": "any"},
                "notify": notify_form(urls=["json://127.0.0.1:9/x"], body="{% if %}"),
            },
            {"match": "invalid_match_subject", "notify": "invalid_notify_body"},
            {"match_problem": "invalid regex", "notify_problem": "invalid template"},
        ),
    ],
)
async def test_rule_form_errors(
    hass: HomeAssistant,
    make_entry: Callable[..., MockConfigEntry],
    changes: dict[str, Any],
    errors: dict[str, str],
    mentions: dict[str, str],
) -> None:
    entry = make_entry()
    result = await add_rule(hass, entry)
    result = await submit(hass, result, rule_form(**changes))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    for name, text in mentions.items():
        assert placeholders[name].startswith(text), placeholders[name]
    # In the user's words: no engine paths like "rules[0] (parcels): match.subject".
    for text in placeholders.values():
        assert "rules[" not in text
        assert "match." not in text
        assert "actions[" not in text
    # A section with an error stays open, so its fields are not hidden.
    for name in ("mqtt", "notify"):
        if name in errors:
            assert not section_collapsed(result, name)
    assert "secret@" not in json.dumps(suggested(result))


async def test_duplicate_rule_name(
    hass: HomeAssistant, make_entry: Callable[..., MockConfigEntry], webhook: Webhook
) -> None:
    entry = make_entry(rules=[notify_rule(webhook)])
    result = await add_rule(hass, entry)
    result = await submit(hass, result, rule_form(mark_read=True))
    assert result["errors"] == {"name": "duplicate_name"}
    # Its own name is no duplicate when the rule is changed.
    result = await change_rule(hass, entry, subentry_id(entry, "parcels"))
    result = await submit(hass, result, rule_form(mark_read=True))
    assert result["type"] is FlowResultType.ABORT


async def test_notify_rule_delivers_matching_mail(
    hass: HomeAssistant,
    mail_user: MailUser,
    make_entry: Callable[..., MockConfigEntry],
    webhook: Webhook,
) -> None:
    entry = make_entry(options={CONF_RULES: [notify_rule(webhook)]})
    await set_up(hass, entry)
    events = async_capture_events(hass, EVENT_RECEIVED)
    mail_user.deliver(make_message("Your parcel is on its way", body="Track it here."))
    mail_user.deliver(make_message("Newsletter"))
    await check_now(hass, entry)

    assert len(events) == 2  # every message still fires its event
    assert len(webhook.received) == 1
    posted = webhook.received[0]
    assert posted["title"] == "Parcel: Your parcel is on its way"
    assert posted["message"].startswith("Your parcel is on its way")
    assert "Track it here." in posted["message"]
    outbox = hass.states.get(f"sensor.{entry.title}_outbox")
    assert outbox is not None
    assert outbox.state == "0"
    assert outbox.attributes["delivered"] == 1


async def test_failed_notification_waits_in_the_outbox(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mail_user: MailUser,
    make_entry: Callable[..., MockConfigEntry],
    webhook: Webhook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = make_entry(options={CONF_RULES: [notify_rule(webhook)]})
    await set_up(hass, entry)
    webhook.status = 500
    mail_user.deliver(make_message("A parcel for you"))
    await check_now(hass, entry)
    assert webhook.attempts == 1
    outbox = hass.states.get(f"sensor.{entry.title}_outbox")
    assert outbox is not None
    assert outbox.state == "1"
    assert f"127.0.0.1:{webhook.port}" in outbox.attributes["last_error"]
    assert SECRET not in str(outbox.attributes)
    assert SECRET not in caplog.text

    # The endpoint recovers; the outbox retries on its own schedule (first within 30 s).
    webhook.status = 200
    for _ in range(4):
        freezer.tick(10)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert len(webhook.received) == 1
    assert webhook.received[0]["title"] == "Parcel: A parcel for you"
    outbox = hass.states.get(f"sensor.{entry.title}_outbox")
    assert outbox is not None
    assert outbox.state == "0"
    assert outbox.attributes["last_error"] is None

    # Checks and reloads never deliver it again.
    await check_now(hass, entry)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert len(webhook.received) == 1


@pytest.fixture
async def ha_mqtt(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_hass_config: None,
    mosquitto: MosquittoBroker,
) -> AsyncIterator[MockConfigEntry]:
    """Home Assistant's own MQTT integration, connected to the real test broker.

    The clock is frozen (tests drive reconnects and retries with it); MQTT reads
    configuration.yaml, which the test harness lacks (``mock_hass_config``).
    """
    entry = MockConfigEntry(
        domain="mqtt",
        data={"broker": mosquitto.host, "port": mosquitto.port},
        version=1,
        minor_version=2,
    )
    entry.add_to_hass(hass)
    await set_up(hass, entry)
    await wait_until(hass, lambda: mqtt.is_connected(hass))
    await settle_mqtt(hass, freezer)
    yield entry
    await settle_mqtt(hass, freezer)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def settle_mqtt(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let Home Assistant's MQTT client finish a (re)connect while the broker is there.

    It publishes its birth message after a cooldown of a few seconds (on the frozen clock).
    """
    for _ in range(3):
        freezer.tick(5)
        async_fire_time_changed(hass)
        await wait_until(hass, lambda: False, timeout=0.2, required=False)


async def wait_until(
    hass: HomeAssistant,
    condition: Callable[[], bool],
    *,
    timeout: float = 20.0,
    required: bool = True,
) -> None:
    """Let the event loop run (socket events need no timers) until ``condition`` holds.

    The real clock bounds the wait: tests may freeze the one Home Assistant sees.
    """
    deadline = time.clock_gettime(time.CLOCK_MONOTONIC) + timeout
    while not condition():
        if time.clock_gettime(time.CLOCK_MONOTONIC) > deadline:
            assert not required, "condition never held"
            return
        await hass.async_block_till_done()
        await asyncio.sleep(0)
        await hass.async_add_executor_job(time.sleep, 0.01)


@dataclass
class Subscriber:
    """A subscription through Home Assistant's MQTT client that can wait until it is active.

    Home Assistant sends subscriptions after a short debounce (again after a reconnect); a
    probe message published to the topic shows when the broker has it. Probes are not kept.
    """

    hass: HomeAssistant
    topic: str
    received: list[mqtt.ReceiveMessage] = field(default_factory=list)
    probes: list[mqtt.ReceiveMessage] = field(default_factory=list)

    async def start(self) -> Callable[[], None]:
        unsubscribe = await mqtt.async_subscribe(self.hass, self.topic, self._collect, qos=1)
        await self.ready()
        return unsubscribe

    def _collect(self, message: mqtt.ReceiveMessage) -> None:
        (self.probes if message.payload == "probe" else self.received).append(message)

    async def ready(self) -> None:
        self.probes.clear()
        while not self.probes:
            # (Fires the subscribe debounce also when the test froze Home Assistant's clock.)
            async_fire_time_changed(self.hass, dt_util.utcnow() + timedelta(seconds=1))
            await mqtt.async_publish(self.hass, self.topic, "probe", qos=1, retain=False)
            await wait_until(self.hass, lambda: bool(self.probes), timeout=1.0, required=False)


def mqtt_rule(**changes: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": "all mail", "actions": [{"mqtt": {"qos": 1}}]}
    rule.update(changes)
    return rule


async def test_mqtt_rule_publishes_through_home_assistant(
    hass: HomeAssistant,
    ha_mqtt: MockConfigEntry,
    mail_user: MailUser,
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    entry = make_entry(options={CONF_RULES: [mqtt_rule()]})
    await set_up(hass, entry)
    account = entry.runtime_data.mailbox.account_key
    subscriber = Subscriber(hass, f"pop3_mail/{account}/message")
    unsubscribe = await subscriber.start()
    received = subscriber.received

    mail_user.deliver(make_message("To the broker", sender="Bank <alerts@bank.example>"))
    await check_now(hass, entry)
    await wait_until(hass, lambda: len(received) == 1)
    message = received[0]
    assert message.qos == 1
    assert message.retain is False
    payload = json.loads(message.payload)
    assert payload["schema_version"] == 1
    assert payload["account"] == account
    assert payload["subject"] == "To the broker"
    assert payload["from_address"] == "alerts@bank.example"
    assert len(payload["id"]) == 32
    unsubscribe()


async def test_mqtt_rule_survives_a_broker_outage(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mosquitto: MosquittoBroker,
    ha_mqtt: MockConfigEntry,
    mail_user: MailUser,
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    entry = make_entry(
        options={CONF_RULES: [mqtt_rule(actions=[{"mqtt": {"topic": "home/mail"}}])]}
    )
    await set_up(hass, entry)
    subscriber = Subscriber(hass, "home/mail")
    await subscriber.start()
    received = subscriber.received

    mosquitto.stop()
    await wait_until(hass, lambda: not mqtt.is_connected(hass))
    mail_user.deliver(make_message("During the outage"))
    await check_now(hass, entry)
    outbox = hass.states.get(f"sensor.{entry.title}_outbox")
    assert outbox is not None
    assert outbox.state == "1"
    assert "not connected" in outbox.attributes["last_error"]

    mosquitto.start()
    # Home Assistant tries to reconnect every 10 s ...
    freezer.tick(11)
    async_fire_time_changed(hass)
    await wait_until(hass, lambda: mqtt.is_connected(hass))
    await subscriber.ready()
    assert received == []

    # ... and the outbox retries on its own, the first time within 30 s of the failure.
    for _ in range(5):
        freezer.tick(5)
        async_fire_time_changed(hass)
        await wait_until(hass, lambda: bool(received), timeout=0.5, required=False)
    assert len(received) == 1
    assert json.loads(received[0].payload)["subject"] == "During the outage"
    freezer.tick(OUTBOX_REFRESH_SECONDS)  # the sensor looks at the outbox on its own
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    outbox = hass.states.get(f"sensor.{entry.title}_outbox")
    assert outbox is not None
    assert outbox.state == "0"

    # Nothing is published twice: not by later retries, checks or a reload.
    for _ in range(4):
        freezer.tick(30)
        async_fire_time_changed(hass)
        await wait_until(hass, lambda: True)
    await check_now(hass, entry)
    await wait_until(hass, lambda: True)
    assert len(received) == 1


async def test_config_file_rule_with_tags_and_deletion(
    hass: HomeAssistant,
    tmp_path: Path,
    mail_user: MailUser,
    make_entry: Callable[..., MockConfigEntry],
    webhook: Webhook,
) -> None:
    config = tmp_path / "apprise.txt"
    config.write_text(f"parcel={webhook.url('tagged')}\nother={webhook.url('untagged')}\n")
    entry = make_entry()
    await set_up(hass, entry)
    result = await add_rule(hass, entry)
    result = await submit(
        hass,
        result,
        rule_form(
            notify=notify_form(config=str(config), tags=["parcel", " "]),
            delete_from_server=True,
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (rule,) = stored_rules(entry)
    assert rule["actions"] == [
        {"notify": {"format": "text", "attach": False, "config": str(config), "tags": ["parcel"]}},
        {"delete_from_server": True},
    ]
    await hass.async_block_till_done()

    mail_user.deliver(make_message("A parcel to delete"))
    mail_user.deliver(make_message("Keep me"))
    await check_now(hass, entry)
    assert [request["title"] for request in webhook.received] == ["New mail from Alice Example"]
    assert len(mail_user.message_files()) == 2
    # Deleted by the next session, once its delivery succeeded.
    await check_now(hass, entry)
    assert len(mail_user.message_files()) == 1
    assert hass.states.get(f"sensor.{entry.title}_messages").state == "1"  # type: ignore[union-attr]


async def test_stored_rules_that_cannot_work_stop_the_setup(
    hass: HomeAssistant, make_entry: Callable[..., MockConfigEntry]
) -> None:
    entry = make_entry(options={CONF_RULES: [{"name": "broken", "match": {"subject": "regex:("}}]})
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert "broken" in (entry.reason or "")


async def test_mqtt_rule_without_mqtt_waits_in_the_outbox(
    hass: HomeAssistant, mail_user: MailUser, make_entry: Callable[..., MockConfigEntry]
) -> None:
    entry = make_entry(options={CONF_RULES: [mqtt_rule()]})
    await set_up(hass, entry)
    mail_user.deliver(make_message("Nowhere to go"))
    await check_now(hass, entry)
    outbox = hass.states.get(f"sensor.{entry.title}_outbox")
    assert outbox is not None
    assert outbox.state == "1"
    assert "MQTT integration is not set up" in outbox.attributes["last_error"]


async def test_home_assistant_stop_ends_the_retry_loop(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    def retry_loops() -> list[asyncio.Task[Any]]:
        return [
            task
            for task in asyncio.all_tasks()
            if task.get_name().startswith("pop3_mail dispatch retries") and not task.done()
        ]

    assert len(retry_loops()) == 1
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert retry_loops() == []


@pytest.fixture
def publisher(hass: HomeAssistant) -> HomeAssistantMqttPublisher:
    return HomeAssistantMqttPublisher(hass)


async def test_publisher_reports_a_refused_publish(
    hass: HomeAssistant, ha_mqtt: MockConfigEntry, publisher: HomeAssistantMqttPublisher
) -> None:
    with (
        patch.object(mqtt, "async_publish", side_effect=HomeAssistantError("broker says no")),
        pytest.raises(DeliveryError, match="broker says no"),
    ):
        await publisher.publish("a/b", "{}", qos=1, retain=False)


async def test_publisher_counts_a_lost_connection_as_failure(
    hass: HomeAssistant, ha_mqtt: MockConfigEntry, publisher: HomeAssistantMqttPublisher
) -> None:
    # The connection is gone when the publish returns: the acknowledgement may be missing.
    with (
        patch.object(mqtt, "is_connected", side_effect=[True, False]),
        pytest.raises(DeliveryError, match="did not acknowledge"),
    ):
        await publisher.publish("a/b", "{}", qos=1, retain=False)


async def test_publisher_while_mqtt_is_being_set_up(
    hass: HomeAssistant, publisher: HomeAssistantMqttPublisher
) -> None:
    with (
        patch("custom_components.pop3_mail.mqtt_publisher.mqtt_available", return_value=True),
        pytest.raises(DeliveryError, match="not connected"),
    ):
        await publisher.publish("a/b", "{}", qos=1, retain=False)


async def test_mark_read_rule_keeps_newsletters_out_of_the_unread_count(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    result = await add_rule(hass, loaded_entry)
    result = await submit(
        hass,
        result,
        rule_form(
            name="newsletters",
            match={"from": "newsletter@", "has_attachment": "no"},
            mark_read=True,
            stop=True,
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    events = async_capture_events(hass, EVENT_RECEIVED)
    mail_user.deliver(make_message("Weekly news", sender="News <newsletter@shop.example>"))
    mail_user.deliver(make_message("Hello", sender="Friend <friend@example.org>"))
    await check_now(hass, loaded_entry)
    assert len(events) == 2  # rules do not swallow events
    unread = hass.states.get(f"sensor.{loaded_entry.title}_unread")
    assert unread is not None
    assert unread.state == "1"
