"""The actions check_now and mark_read, and the buttons that run them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from homeassistant.components.button.const import SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events  # type: ignore[import-untyped]

from custom_components.pop3_mail.const import DOMAIN, EVENT_RECEIVED
from tests.integration.conftest import USER_PASS_CAPA, fault_entry_data, make_message
from tests.support.dovecot import MailUser
from tests.support.fault_server import FaultServer, reply_and_close


def unread(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    state = hass.states.get(f"sensor.{entry.title}_unread")
    assert state is not None
    return state.state


async def check_now(hass: HomeAssistant, entry_id: str) -> dict[str, object]:
    response = await hass.services.async_call(
        DOMAIN,
        "check_now",
        {"config_entry_id": entry_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


async def mark_read(
    hass: HomeAssistant, entry_id: str, uid: str | None = None
) -> dict[str, object]:
    data = {"config_entry_id": entry_id} | ({"uid": uid} if uid is not None else {})
    response = await hass.services.async_call(
        DOMAIN, "mark_read", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def test_check_now_polls_at_once(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    events = async_capture_events(hass, EVENT_RECEIVED)
    mail_user.deliver(make_message("Right now"))
    response = await check_now(hass, loaded_entry.entry_id)
    assert response == {"unread": 1, "messages": 1, "new_messages": 1}
    await hass.async_block_till_done()
    assert [event.data["subject"] for event in events] == ["Right now"]
    assert unread(hass, loaded_entry) == "1"


async def test_check_now_button(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    mail_user.deliver(make_message("Pressed"))
    await hass.services.async_call(
        Platform.BUTTON,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: f"button.{loaded_entry.title}_check_now"},
        blocking=True,
    )
    assert unread(hass, loaded_entry) == "1"


async def test_mark_read_one_and_all(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    events = async_capture_events(hass, EVENT_RECEIVED)
    for n in range(3):
        mail_user.deliver(make_message(f"Message {n}"))
    await check_now(hass, loaded_entry.entry_id)
    assert unread(hass, loaded_entry) == "3"

    assert await mark_read(hass, loaded_entry.entry_id, events[0].data["uid"]) == {"unread": 2}
    assert unread(hass, loaded_entry) == "2"

    await hass.services.async_call(
        Platform.BUTTON,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: f"button.{loaded_entry.title}_mark_all_read"},
        blocking=True,
    )
    assert unread(hass, loaded_entry) == "0"
    assert await mark_read(hass, loaded_entry.entry_id) == {"unread": 0}

    # Acknowledged stays acknowledged across checks; the mailbox itself is untouched.
    await check_now(hass, loaded_entry.entry_id)
    assert unread(hass, loaded_entry) == "0"
    assert not any(mail_user.seen_flags().values())
    assert len(mail_user.message_files()) == 3


async def test_mark_read_unknown_uid(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await mark_read(hass, loaded_entry.entry_id, "nope")
    assert caught.value.translation_key == "unknown_uid"
    assert str(caught.value) == "No message with UID nope was on the server at the last check"


async def test_actions_need_a_loaded_entry_of_this_integration(
    hass: HomeAssistant, make_entry: Callable[..., MockConfigEntry], loaded_entry: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await check_now(hass, "no-such-entry")
    assert caught.value.translation_key == "unknown_entry"
    assert str(caught.value) == "no-such-entry is not a POP3 Mail entry"

    other_domain = MockConfigEntry(domain="demo")
    other_domain.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as caught:
        await check_now(hass, other_domain.entry_id)
    assert caught.value.translation_key == "unknown_entry"

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    with pytest.raises(ServiceValidationError) as caught:
        await mark_read(hass, loaded_entry.entry_id)
    assert caught.value.translation_key == "entry_not_loaded"
    assert str(caught.value) == f"The mailbox {loaded_entry.title} is not loaded"


async def test_check_now_reports_a_failure(
    hass: HomeAssistant,
    fault_server: FaultServer,
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    entry = make_entry(fault_entry_data(fault_server))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    fault_server.script.handlers["GREETING"] = reply_and_close(b"")
    with pytest.raises(HomeAssistantError) as caught:
        await check_now(hass, entry.entry_id)
    assert caught.value.translation_key == "cannot_connect"
    assert caught.value.translation_placeholders is not None
    assert caught.value.translation_placeholders["error"]
    assert str(caught.value).startswith("Cannot reach the server: ")


async def test_check_now_respects_the_login_delay(
    hass: HomeAssistant,
    fault_server: FaultServer,
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    fault_server.script.capa = (*USER_PASS_CAPA, "LOGIN-DELAY 900")
    entry = make_entry(fault_entry_data(fault_server))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    connections = fault_server.connections
    with pytest.raises(ServiceValidationError) as caught:
        await check_now(hass, entry.entry_id)
    assert caught.value.translation_key == "too_soon"
    assert str(caught.value).startswith("The server allows only one login every few minutes")
    assert caught.value.translation_placeholders is not None
    assert 890 <= int(caught.value.translation_placeholders["seconds"]) <= 900
    assert fault_server.connections == connections  # the server was not bothered
