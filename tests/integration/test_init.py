"""Set-up, entities before and after new mail, events, unload, reload and removal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PORT, STATE_UNAVAILABLE, STATE_UNKNOWN, EntityCategory
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_capture_events,
)

from custom_components.pop3_mail.const import (
    CONF_CAFILE,
    CONF_MAX_NEW_PER_POLL,
    CONF_RULES,
    CONF_SCAN_INTERVAL,
    DOMAIN,
    EVENT_RECEIVED,
)
from custom_components.pop3_mail.store import storage_key
from tests.integration.conftest import advance, make_message
from tests.support.dovecot import MailUser
from tests.support.ports import free_port


def entity_id(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    """The entity id of one of an entry's entities, by description key."""
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.unique_id == f"{entry.entry_id}_{key}":
            return entity.entity_id
    raise AssertionError(f"no entity {key}")


def state_of(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> Any:
    state = hass.states.get(entity_id(hass, entry, key))
    assert state is not None
    return state


async def test_existing_mail_is_the_baseline(
    hass: HomeAssistant, mail_user: MailUser, make_entry: Callable[..., MockConfigEntry]
) -> None:
    mail_user.deliver(make_message("Older"))
    mail_user.deliver(make_message("Newest one", sender="Carol <carol@example.org>"))
    events = async_capture_events(hass, EVENT_RECEIVED)
    entry = make_entry()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert events == []  # what was there before setup is not announced
    assert state_of(hass, entry, "unread").state == "0"
    assert state_of(hass, entry, "messages").state == "2"
    assert state_of(hass, entry, "messages").attributes["total_size"] > 0
    latest = state_of(hass, entry, "latest_subject")
    assert latest.state == "Newest one"
    assert latest.attributes["from_name"] == "Carol"
    assert latest.attributes["from_address"] == "carol@example.org"
    assert latest.attributes["message_id"] == "<newestone@example.com>"
    assert latest.attributes["date"].startswith("2023-11-14T10:00:00")
    assert latest.attributes["uid"]
    assert "Hello from the test suite." in latest.attributes["snippet"]
    assert state_of(hass, entry, "mail").state == STATE_UNKNOWN
    # Nothing was downloaded: Dovecot sets \Seen on RETR only.
    assert not any(mail_user.seen_flags().values())


async def test_empty_mailbox(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    assert state_of(hass, loaded_entry, "messages").state == "0"
    assert state_of(hass, loaded_entry, "latest_subject").state == STATE_UNKNOWN


async def test_new_mail_fires_one_event_per_message(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    events = async_capture_events(hass, EVENT_RECEIVED)
    for n in range(3):
        mail_user.deliver(make_message(f"Parcel {n}", body=f"Your parcel number {n}."))
    await advance(hass, 300)

    assert [event.data["subject"] for event in events] == ["Parcel 0", "Parcel 1", "Parcel 2"]
    first = events[0].data
    assert first["entry_id"] == loaded_entry.entry_id
    assert first["account"] == f"{mail_user.username}@127.0.0.1:{loaded_entry.data[CONF_PORT]}"
    assert first["from_address"] == "alice@example.com"
    assert first["from_name"] == "Alice Example"
    assert first["sender"] == "Alice Example"
    assert first["to"] == ["bob@example.com"]
    assert first["schema_version"] == 1
    assert first["truncated"] is False
    assert "Your parcel number 0." in first["snippet"]
    assert len({event.data["id"] for event in events}) == 3
    assert len({event.data["uid"] for event in events}) == 3

    assert state_of(hass, loaded_entry, "unread").state == "3"
    assert state_of(hass, loaded_entry, "messages").state == "3"
    assert state_of(hass, loaded_entry, "latest_subject").state == "Parcel 2"
    mail = state_of(hass, loaded_entry, "mail")
    assert mail.attributes["event_type"] == "received"
    assert mail.attributes["subject"] == "Parcel 2"
    assert mail.attributes["uid"] == events[2].data["uid"]

    # The next check finds nothing new.
    await advance(hass, 300)
    assert len(events) == 3


async def test_no_duplicate_events_after_reload(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    events = async_capture_events(hass, EVENT_RECEIVED)
    mail_user.deliver(make_message("Before reload"))
    await advance(hass, 300)
    assert len(events) == 1

    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert len(events) == 1
    assert state_of(hass, loaded_entry, "unread").state == "1"

    mail_user.deliver(make_message("After reload"))
    await advance(hass, 300)
    assert [event.data["subject"] for event in events] == ["Before reload", "After reload"]


async def test_no_duplicate_events_after_unload_and_setup(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    events = async_capture_events(hass, EVENT_RECEIVED)
    mail_user.deliver(make_message("One"))
    await advance(hass, 300)

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert state_of(hass, loaded_entry, "unread").state == STATE_UNAVAILABLE

    mail_user.deliver(make_message("Two, while unloaded"))
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert [event.data["subject"] for event in events] == ["One", "Two, while unloaded"]


async def test_mail_found_during_startup_is_announced_once_started(
    hass: HomeAssistant, mail_user: MailUser, make_entry: Callable[..., MockConfigEntry]
) -> None:
    # Automations attach their triggers only once Home Assistant has started: events fired
    # during start-up would reach nobody, so they wait.
    entry = make_entry()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    mail_user.deliver(make_message("Arrived while Home Assistant was down"))

    hass.set_state(CoreState.starting)
    events = async_capture_events(hass, EVENT_RECEIVED)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert events == []
    assert state_of(hass, entry, "unread").state == "1"
    # A slow start: another check still waits.
    mail_user.deliver(make_message("Arrived during start-up"))
    await advance(hass, 300)
    assert events == []
    assert state_of(hass, entry, "unread").state == "2"

    await hass.async_start()
    await hass.async_block_till_done()
    await advance(hass, 1)
    assert [event.data["subject"] for event in events] == [
        "Arrived while Home Assistant was down",
        "Arrived during start-up",
    ]
    assert state_of(hass, entry, "unread").state == "2"
    await advance(hass, 300)
    assert len(events) == 2


async def test_burst_beyond_the_per_poll_limit_arrives_over_several_checks(
    hass: HomeAssistant, mail_user: MailUser, make_entry: Callable[..., MockConfigEntry]
) -> None:
    entry = make_entry(options={CONF_MAX_NEW_PER_POLL: 2, CONF_SCAN_INTERVAL: 60})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    events = async_capture_events(hass, EVENT_RECEIVED)
    for n in range(5):
        mail_user.deliver(make_message(f"Burst {n}"))

    await advance(hass, 60)
    assert [event.data["subject"] for event in events] == ["Burst 3", "Burst 4"]
    assert state_of(hass, entry, "unread").state == "5"
    await advance(hass, 60)
    await advance(hass, 60)
    assert sorted(event.data["subject"] for event in events) == [f"Burst {n}" for n in range(5)]


async def test_long_subject_is_cut_for_the_state(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    mail_user.deliver(make_message("Ü" * 400))
    await advance(hass, 300)
    state = state_of(hass, loaded_entry, "latest_subject").state
    assert len(state) == 255
    assert state.endswith("…")
    assert state_of(hass, loaded_entry, "mail").attributes["subject"] == "Ü" * 400


async def test_unusable_ca_file_is_a_setup_error(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    entry = make_entry({**entry_data, CONF_CAFILE: "/nonexistent/ca.pem"})
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert "CA file" in (entry.reason or "")


async def test_server_down_at_startup(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    entry = make_entry({**entry_data, CONF_PORT: free_port()})
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_device_and_entities(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), loaded_entry.entry_id)
    assert device.identifiers == {(DOMAIN, loaded_entry.entry_id)}
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert device.name == loaded_entry.title
    # The device card shows "<model> by <manufacturer>": "127.0.0.1 by POP3" said nothing.
    assert device.manufacturer is None
    assert device.model is None
    registry = er.async_get(hass)
    entities = er.async_entries_for_config_entry(registry, loaded_entry.entry_id)
    by_key = {
        entity.unique_id.removeprefix(f"{loaded_entry.entry_id}_"): entity for entity in entities
    }
    assert set(by_key) == {
        "unread",
        "messages",
        "latest_subject",
        "last_checked",
        "mailbox_size",
        "outbox",
        "mail",
        "check_now",
        "mark_read",
    }
    assert all(entity.device_id == device.id for entity in entities)
    assert by_key["last_checked"].entity_category is EntityCategory.DIAGNOSTIC
    assert by_key["outbox"].entity_category is EntityCategory.DIAGNOSTIC
    assert by_key["mailbox_size"].disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert by_key["last_checked"].disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert by_key["unread"].translation_key == "unread"
    assert by_key["unread"].capabilities == {"state_class": "measurement"}
    assert by_key["last_checked"].original_device_class == "timestamp"
    assert by_key["mail"].capabilities == {"event_types": ["received"]}


async def test_removal_forgets_the_stored_state(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mail_user: MailUser,
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    # A rule whose target is down leaves a delivery waiting in the outbox.
    unreachable = {
        "name": "push",
        "actions": [{"notify": {"urls": ["json://127.0.0.1:9/nothing-listens"]}}],
    }
    entry = make_entry(options={CONF_RULES: [unreachable]})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    mail_user.deliver(make_message("Waits in the outbox"))
    await advance(hass, 300)
    keys = [storage_key(entry.entry_id, purpose) for purpose in ("seen", "outbox")]
    assert all(key in hass_storage for key in keys)
    assert hass_storage[keys[1]]["data"]

    # Unloading keeps both; removing the entry deletes them.
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert all(key in hass_storage for key in keys)
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert not any(key in hass_storage for key in keys)
