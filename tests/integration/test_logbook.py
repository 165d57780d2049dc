"""The logbook tells what happened: not every check, and no mail that never came.

The logbook lists a state change unless the state stayed the same or the entity is a
"continuous" one (a unit of measurement or a state class; ``logbook/helpers.py``). An event
entity's change to a timestamp reads "detected an event".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry  # type: ignore[import-untyped]

from custom_components.pop3_mail.const import CONF_SCAN_INTERVAL
from tests.integration.conftest import advance, make_message
from tests.support.dovecot import MailUser

NOT_AN_EVENT = (STATE_UNKNOWN, STATE_UNAVAILABLE)


def logged(old: State | None, new: State | None) -> bool:
    """Whether the logbook shows this change (its own rules, for states of an entity)."""
    if old is None or new is None or old.state == new.state:
        return False
    return not (ATTR_UNIT_OF_MEASUREMENT in new.attributes or "state_class" in new.attributes)


@contextmanager
def logbook_lines(hass: HomeAssistant, entry: MockConfigEntry) -> Iterator[list[str]]:
    """The entry's entity changes the logbook would list, as ``entity_id: old -> new``."""
    entity_ids = {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }
    lines: list[str] = []

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        old, new = event.data["old_state"], event.data["new_state"]
        if event.data["entity_id"] in entity_ids and logged(old, new):
            assert old is not None
            assert new is not None
            lines.append(f"{event.data['entity_id']}: {old.state} -> {new.state}")

    remove: Callable[[], None] = hass.bus.async_listen("state_changed", _changed)
    try:
        yield lines
    finally:
        remove()


def event_lines(lines: list[str]) -> list[str]:
    """The lines that read "detected an event": an event entity changed to a timestamp."""
    return [
        line
        for line in lines
        if line.startswith("event.") and line.rpartition(" -> ")[2] not in NOT_AN_EVENT
    ]


async def test_a_check_without_mail_logs_nothing(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    with logbook_lines(hass, loaded_entry) as lines:
        await advance(hass, 300)
        await advance(hass, 300)
    assert loaded_entry.runtime_data.last_update_success
    assert lines == []


async def test_new_mail_is_logged_once(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    mail_user.deliver(make_message("Logged"))
    with logbook_lines(hass, loaded_entry) as lines:
        await advance(hass, 300)
    assert len(event_lines(lines)) == 1  # the test can see events at all


async def test_a_reload_detects_no_event(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    mail_user.deliver(make_message("Came before the reload"))
    await advance(hass, 300)
    with logbook_lines(hass, loaded_entry) as lines:
        assert await hass.config_entries.async_reload(loaded_entry.entry_id)
        await hass.async_block_till_done()
    assert event_lines(lines) == []


async def test_saving_options_logs_nothing(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    mail_user.deliver(make_message("Came before the options changed"))
    await advance(hass, 300)
    with logbook_lines(hass, loaded_entry) as lines:
        hass.config_entries.async_update_entry(
            loaded_entry, options={**loaded_entry.options, CONF_SCAN_INTERVAL: 120}
        )
        await hass.async_block_till_done()
    assert lines == []
