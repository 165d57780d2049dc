"""The daemon's mailbox appears in a real Home Assistant through a real broker (MQTT discovery)."""

from __future__ import annotations

import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from types import MappingProxyType
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.template import Template

from pop3_mail.mail.model import summary_record
from pop3_mail_daemon.config.loader import build_config
from pop3_mail_daemon.mqtt.discovery import (
    ACCOUNT_AVAILABLE_TEMPLATE,
    EVENT_TEMPLATE,
    LATEST_ATTRIBUTES_TEMPLATE,
    LATEST_SUBJECT_TEMPLATE,
    device_config,
)
from tests.daemon.conftest import Launch
from tests.daemon.helpers import account, eventually, mail
from tests.engine.dispatch.helpers import make_summary
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.mosquitto import MosquittoBroker

pytestmark = [pytest.mark.dovecot, pytest.mark.mosquitto]


@pytest.fixture
async def mqtt_entry(hass: HomeAssistant, mosquitto: MosquittoBroker) -> AsyncIterator[ConfigEntry]:
    """Home Assistant's own MQTT integration, connected to the test broker."""
    entry = ConfigEntry(
        domain="mqtt",
        title="Test broker",
        data={"broker": "127.0.0.1", "port": mosquitto.port},
        options=None,
        source="user",
        unique_id=None,
        discovery_keys=MappingProxyType({}),
        subentries_data=None,
        version=1,
        minor_version=2,
    )
    # MQTT reads configuration.yaml for YAML-configured entities; the test harness has none.
    with patch(
        "homeassistant.components.mqtt.conf_util.async_hass_config_yaml", AsyncMock(return_value={})
    ):
        await hass.config_entries.async_add(entry)
        await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    yield entry
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


def entity_id(hass: HomeAssistant, unique_id: str, domain: str = "sensor") -> str | None:
    return er.async_get(hass).async_get_entity_id(domain, "mqtt", unique_id)


async def test_mailbox_appears_in_home_assistant(
    hass: HomeAssistant,
    mqtt_entry: ConfigEntry,
    tmp_path: Path,
    dovecot: DovecotServer,
    mail_user: MailUser,
    mosquitto: MosquittoBroker,
    launch: Launch,
) -> None:
    mail_user.deliver(mail("Old news"))
    daemon = await launch([account("home", dovecot, mail_user)])
    await daemon.polled("home")

    def state(unique_id: str, domain: str = "sensor") -> Any:
        found = entity_id(hass, unique_id, domain)
        return hass.states.get(found) if found else None

    def has(unique_id: str, value: str) -> bool:
        current = state(unique_id)
        return current is not None and current.state == value

    await eventually(lambda: has("pop3_mail_mqtt_home_status", "ok"), timeout=30)
    await eventually(lambda: has("pop3_mail_mqtt_home_messages", "1"))
    assert has("pop3_mail_mqtt_home_unread", "0")
    latest = state("pop3_mail_mqtt_home_latest_subject")
    assert latest.state == "Old news"
    assert latest.attributes["sender"] == "Alice Example"
    assert latest.attributes["from_address"] == "alice@example.com"
    assert latest.attributes["uid"]
    assert latest.attributes["date"]
    assert state("pop3_mail_mqtt_home_last_checked").state.startswith("20")

    device = dr.async_get(hass).async_get_device(identifiers={("mqtt", "pop3_mail_mqtt_home")})
    assert device is not None
    assert device.name == "Mailbox home"
    entities = er.async_entries_for_device(er.async_get(hass), device.id)
    assert {entity.unique_id for entity in entities} == {
        "pop3_mail_mqtt_home_unread",
        "pop3_mail_mqtt_home_messages",
        "pop3_mail_mqtt_home_latest_subject",
        "pop3_mail_mqtt_home_last_checked",
        "pop3_mail_mqtt_home_status",
        "pop3_mail_mqtt_home_new_mail",
    }

    # New mail: counters change and the event entity fires with the message's details.
    event_id = entity_id(hass, "pop3_mail_mqtt_home_new_mail", "event")
    assert event_id is not None
    mail_user.deliver(mail("Parcel <delivered>", sender="DHL <noreply@dhl.de>"))
    await daemon.check("home")
    await eventually(lambda: has("pop3_mail_mqtt_home_unread", "1"))
    assert has("pop3_mail_mqtt_home_messages", "2")

    def event_state() -> State:
        found = hass.states.get(event_id)
        assert found is not None
        return found

    await eventually(lambda: event_state().attributes.get("subject") is not None)
    event = event_state()
    assert event.attributes["event_type"] == "new_mail"
    assert event.attributes["subject"] == "Parcel <delivered>"
    assert event.attributes["sender"] == "DHL"
    assert event.attributes["from_address"] == "noreply@dhl.de"

    # The daemon stops: its availability topic says offline, the entities become unavailable.
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(timeout=15) == 0
    await eventually(lambda: has("pop3_mail_mqtt_home_unread", STATE_UNAVAILABLE))
    assert has("pop3_mail_mqtt_home_status", STATE_UNAVAILABLE)


@pytest.mark.parametrize(
    ("payload", "subject", "attributes"),
    [
        pytest.param(
            make_summary(subject="S" * 300, from_name="", from_address="a@b.c"),
            "S" * 255,
            {"sender": "a@b.c", "from_address": "a@b.c", "subject": "S" * 300},
            id="long-subject",
        ),
        pytest.param(None, "", {"sender": "", "subject": "", "uid": None}, id="empty-mailbox"),
    ],
)
async def test_templates_render_in_home_assistant(
    hass: HomeAssistant, payload: Any, subject: str, attributes: dict[str, Any]
) -> None:
    raw = json.dumps(summary_record(payload, "home")) if payload is not None else "{}"
    variables = {"value": raw, "value_json": json.loads(raw)}
    assert Template(LATEST_SUBJECT_TEMPLATE, hass).async_render(variables, parse_result=False) == (
        subject
    )
    rendered = json.loads(
        Template(LATEST_ATTRIBUTES_TEMPLATE, hass).async_render(variables, parse_result=False)
    )
    assert attributes.items() <= rendered.items()
    event = json.loads(Template(EVENT_TEMPLATE, hass).async_render(variables, parse_result=False))
    assert event["event_type"] == "new_mail"


@pytest.mark.parametrize(
    ("status", "available"),
    [
        ("ok", "online"),
        ("busy", "online"),
        ("auth_failed", "offline"),
        ("connection_failed", "offline"),
    ],
)
async def test_account_availability_template(
    hass: HomeAssistant, status: str, available: str
) -> None:
    rendered = Template(ACCOUNT_AVAILABLE_TEMPLATE, hass).async_render(
        {"value": status}, parse_result=False
    )
    assert rendered == available


def test_discovery_without_message_publication_has_no_event(tmp_path: Path) -> None:
    config = build_config(
        {
            "mqtt": {"host": "127.0.0.1", "publish_messages": False, "base_topic": "mail/pop"},
            "accounts": [
                {"name": "home", "host": "pop.example", "username": "me-user", "password": "pw-9"}
            ],
        },
        base_dir=tmp_path,
    )
    assert config.mqtt is not None
    payload = device_config(config.mqtt, config.accounts[0], poll_interval=300)
    assert "new_mail" not in payload["cmps"]
    assert payload["cmps"]["unread"]["state_topic"] == "mail/pop/home/unread"
    assert payload["cmps"]["unread"]["unique_id"] == "mail_pop_mqtt_home_unread"
    assert payload["cmps"]["unread"]["expire_after"] == 960
    text = json.dumps(payload)
    assert "pw-9" not in text
    assert "me-user" not in text
