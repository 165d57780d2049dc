"""Polling faults: back-off, availability, logging, repair issues, reauth, LOGIN-DELAY."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed  # type: ignore[import-untyped]

from custom_components.pop3_mail.const import CONF_SCAN_INTERVAL, DOMAIN, MIN_SCAN_INTERVAL
from pop3_mail.errors import (
    MailboxInUseError,
    Pop3TimeoutError,
    TlsError,
)
from pop3_mail.mailbox import Mailbox
from tests.integration.conftest import (
    USER_PASS_CAPA,
    advance,
    fault_entry_data,
    make_message,
)
from tests.support.fault_server import FaultServer, Handler, hang, reply, reply_and_close

IN_USE = b"-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n"
SYS_PERM = b"-ERR [SYS/PERM] Your account is not enabled for POP access.\r\n"


@pytest.fixture
async def fault_entry(
    hass: HomeAssistant, fault_server: FaultServer, make_entry: Callable[..., MockConfigEntry]
) -> MockConfigEntry:
    """An entry on the scripted server, set up."""
    fault_server.script.messages = [make_message("Hello")]
    entry = make_entry(fault_entry_data(fault_server))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


def unread_state(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    state = hass.states.get(f"sensor.{entry.title}_unread")
    assert state is not None
    return state.state


def interval(entry: MockConfigEntry) -> float:
    update_interval = entry.runtime_data.update_interval
    assert update_interval is not None
    return float(update_interval.total_seconds())


@pytest.mark.parametrize(
    ("answer", "error"),
    [(reply(IN_USE), MailboxInUseError), (hang(), Pop3TimeoutError)],
    ids=["in_use", "timeout"],
)
async def test_busy_server_keeps_values_then_goes_unavailable(
    hass: HomeAssistant,
    fault_server: FaultServer,
    fault_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    answer: Handler,
    error: type[Exception],
) -> None:
    mailbox = fault_entry.runtime_data.mailbox
    # Fault injection: a short wait for the server's answer (the real one is 30 s).
    mailbox.settings = replace(mailbox.settings, command_timeout=0.5)
    assert unread_state(hass, fault_entry) == "0"
    fault_server.script.handlers["PASS"] = answer

    # A busy or slow server says nothing about the mailbox's content: the last values stay.
    waits = []
    for _ in range(3):
        await advance(hass, interval(fault_entry))
        assert unread_state(hass, fault_entry) == "0"
        waits.append(interval(fault_entry))
    assert waits == [300, 600, 1200]  # the engine's back-off: the interval, then doubled
    assert isinstance(fault_entry.runtime_data.poll_error, error)
    assert "Error fetching" not in caplog.text

    await advance(hass, interval(fault_entry))
    assert unread_state(hass, fault_entry) == STATE_UNAVAILABLE
    assert interval(fault_entry) == 2400
    await advance(hass, interval(fault_entry))
    assert interval(fault_entry) == 3600  # capped
    await advance(hass, interval(fault_entry))
    assert caplog.text.count("Error fetching") == 1  # logged once when it went down

    del fault_server.script.handlers["PASS"]
    await advance(hass, interval(fault_entry))
    assert unread_state(hass, fault_entry) == "0"
    assert interval(fault_entry) == 300
    assert caplog.text.count("recovered") == 1


async def test_lost_connection_goes_unavailable_at_once(
    hass: HomeAssistant,
    fault_server: FaultServer,
    fault_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fault_server.script.handlers["GREETING"] = reply_and_close(b"")
    await advance(hass, 300)
    assert unread_state(hass, fault_entry) == STATE_UNAVAILABLE
    assert interval(fault_entry) == 300  # a first failure is retried at the next regular poll
    assert fault_entry.runtime_data.poll_error is not None

    del fault_server.script.handlers["GREETING"]
    await advance(hass, 300)
    assert unread_state(hass, fault_entry) == "0"
    assert fault_entry.runtime_data.poll_error is None
    assert "recovered" in caplog.text


async def test_pop_access_disabled_raises_a_repair_issue(
    hass: HomeAssistant,
    fault_server: FaultServer,
    fault_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    issue_id = f"pop_disabled_{fault_entry.entry_id}"
    fault_server.script.handlers["PASS"] = reply(SYS_PERM)
    await advance(hass, 300)
    assert unread_state(hass, fault_entry) == STATE_UNAVAILABLE
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "pop_disabled"
    assert issue.translation_placeholders is not None
    assert "not enabled for POP" in issue.translation_placeholders["error"]

    del fault_server.script.handlers["PASS"]
    await advance(hass, interval(fault_entry))
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_repair_issue_goes_with_the_entry(
    hass: HomeAssistant,
    fault_server: FaultServer,
    fault_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    fault_server.script.handlers["PASS"] = reply(SYS_PERM)
    await advance(hass, 300)
    assert issue_registry.async_get_issue(DOMAIN, f"pop_disabled_{fault_entry.entry_id}")
    assert await hass.config_entries.async_unload(fault_entry.entry_id)
    assert not issue_registry.async_get_issue(DOMAIN, f"pop_disabled_{fault_entry.entry_id}")


async def test_pop_disabled_at_startup_keeps_its_issue(
    hass: HomeAssistant,
    fault_server: FaultServer,
    make_entry: Callable[..., MockConfigEntry],
    issue_registry: ir.IssueRegistry,
) -> None:
    fault_server.script.handlers["PASS"] = reply(SYS_PERM)
    entry = make_entry(fault_entry_data(fault_server))
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert issue_registry.async_get_issue(DOMAIN, f"pop_disabled_{entry.entry_id}")
    assert await hass.config_entries.async_remove(entry.entry_id)
    assert not issue_registry.async_get_issue(DOMAIN, f"pop_disabled_{entry.entry_id}")


async def test_certificate_failure_raises_a_repair_issue(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, issue_registry: ir.IssueRegistry
) -> None:
    failure = TlsError("certificate verify failed: unable to get local issuer certificate")
    failure.certificate_error = True
    with patch.object(Mailbox, "poll", side_effect=failure):
        await advance(hass, 300)
    issue = issue_registry.async_get_issue(DOMAIN, f"certificate_{loaded_entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "certificate"


async def test_rejected_login_starts_reauth(
    hass: HomeAssistant, fault_server: FaultServer, fault_entry: MockConfigEntry
) -> None:
    fault_server.script.handlers["PASS"] = reply(b"-ERR [AUTH] Authentication failed.\r\n")
    await advance(hass, 300)
    assert unread_state(hass, fault_entry) == STATE_UNAVAILABLE
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == fault_entry.entry_id


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move the frozen clock (wall and loop time) and run what became due."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_login_delay_sets_the_pace(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fault_server: FaultServer,
    make_entry: Callable[..., MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fault_server.script.capa = (*USER_PASS_CAPA, "LOGIN-DELAY 900")
    entry = make_entry(fault_entry_data(fault_server))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data
    assert coordinator.configured_interval == 300
    assert coordinator.interval == 900
    assert interval(entry) == 900
    assert caplog.text.count("allows one login every 900 s") == 1

    connections = fault_server.connections
    await tick(hass, freezer, 300)
    assert fault_server.connections == connections  # not yet
    await tick(hass, freezer, 601)
    assert fault_server.connections == connections + 1
    assert caplog.text.count("allows one login every 900 s") == 1  # said once


async def test_login_delay_answer_waits_as_told(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fault_server: FaultServer,
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    fault_server.script.capa = (*USER_PASS_CAPA, "LOGIN-DELAY 120")
    entry = make_entry(fault_entry_data(fault_server))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    fault_server.script.handlers["PASS"] = reply(b"-ERR [LOGIN-DELAY] wait a bit\r\n")
    await tick(hass, freezer, 301)
    assert interval(entry) == 121
    assert entry.runtime_data.poll_error is not None


async def test_next_poll_time_follows_the_update_interval(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fault_server: FaultServer,
    fault_entry: MockConfigEntry,
) -> None:
    connections = fault_server.connections
    await tick(hass, freezer, 298)
    assert fault_server.connections == connections
    await tick(hass, freezer, 3)
    assert fault_server.connections == connections + 1
    assert fault_entry.runtime_data.update_interval == timedelta(seconds=300)


async def test_scan_interval_is_never_below_the_minimum(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fault_server: FaultServer,
    make_entry: Callable[..., MockConfigEntry],
) -> None:
    # A hand-edited entry: the options form does not accept less than 30 s.
    entry = make_entry(fault_entry_data(fault_server), options={CONF_SCAN_INTERVAL: 5})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.configured_interval == MIN_SCAN_INTERVAL == 30
    connections = fault_server.connections
    # The coordinator polls 29.05 to 30.5 s after setup; the harness fires timers 0.5 s early.
    await tick(hass, freezer, 28)
    assert fault_server.connections == connections
    await tick(hass, freezer, 3)
    assert fault_server.connections == connections + 1
