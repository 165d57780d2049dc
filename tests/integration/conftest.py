"""Fixtures for the Home Assistant integration: entries pointing at the test Dovecot."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed  # type: ignore[import-untyped]
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension  # type: ignore[import-untyped]
from syrupy.assertion import SnapshotAssertion

from custom_components.pop3_mail.const import (
    CONF_CAFILE,
    CONF_INSECURE_CONFIRMED,
    CONF_SECURITY,
    CONFIG_VERSION,
    DOMAIN,
    SUBENTRY_RULE,
)
from tests.support.dovecot import DovecotServer, MailUser
from tests.support.fault_server import FaultServer, Script
from tests.support.icu import parse

STRINGS: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "custom_components/pop3_mail/strings.json").read_text(
        encoding="utf-8"
    )
)


def _texts(tree: Mapping[str, Any]) -> Iterator[str]:
    for value in tree.values():
        if isinstance(value, Mapping):
            yield from _texts(value)
        else:
            yield value


def assert_placeholders_supplied(result: Mapping[str, Any], category: str) -> None:
    """Every placeholder of the texts shown with ``result`` has a value.

    ``category`` is ``config``, ``options`` or ``config_subentries.rule``. The frontend shows
    "Translation error" in place of a text whose placeholder is missing.
    """
    tree: Mapping[str, Any] = STRINGS
    for part in category.split("."):
        tree = tree[part]
    shown = list(_texts(tree["step"][result["step_id"]]))
    errors = result.get("errors") or {}
    shown += [tree["error"][error] for error in errors.values()]
    wanted = {name for text in shown for name in parse(text)}
    assert wanted <= set(result.get("description_placeholders") or {}), result["step_id"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load ``custom_components/pop3_mail``."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in Home Assistant's format, under ``tests/integration/snapshots``."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


async def advance(hass: HomeAssistant, seconds: float) -> None:
    """Let ``seconds`` pass for Home Assistant's timers and wait for the polls they start."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


def make_message(
    subject: str,
    *,
    sender: str = "Alice Example <alice@example.com>",
    body: str = "Hello from the test suite.",
    to: str = "bob@example.com",
) -> bytes:
    """A small RFC 5322 message."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Tue, 14 Nov 2023 10:00:00 +0100"
    message["Message-ID"] = f"<{re.sub(r'[^a-z0-9]', '', subject.lower()) or 'none'}@example.com>"
    message.set_content(body)
    return bytes(message)


@pytest.fixture
def entry_data(dovecot: DovecotServer, mail_user: MailUser) -> dict[str, Any]:
    """Entry data for the fixture mailbox over implicit TLS, verified with the test CA."""
    return {
        CONF_HOST: dovecot.host,
        CONF_PORT: dovecot.pop3s_port,
        CONF_SECURITY: "ssl",
        CONF_VERIFY_SSL: True,
        CONF_CAFILE: dovecot.cafile,
        CONF_USERNAME: mail_user.username,
        CONF_PASSWORD: mail_user.password,
    }


USER_PASS_CAPA = ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING")
"""No SASL: the engine logs in with USER/PASS, so a test can script the answer to PASS."""


@pytest.fixture
async def fault_server() -> AsyncIterator[FaultServer]:
    """A scripted POP3 server (plain text, USER/PASS) for faults Dovecot will not produce."""
    server = await FaultServer(Script(capa=USER_PASS_CAPA)).start()
    yield server
    await server.stop()


def fault_entry_data(server: FaultServer) -> dict[str, Any]:
    """Entry data for the scripted server."""
    return {
        CONF_HOST: server.host,
        CONF_PORT: server.port,
        CONF_SECURITY: "plain",
        CONF_INSECURE_CONFIRMED: True,
        CONF_VERIFY_SSL: True,
        CONF_USERNAME: server.script.username,
        CONF_PASSWORD: server.script.password,
    }


@pytest.fixture
def make_entry(hass: HomeAssistant, entry_data: dict[str, Any]) -> Callable[..., MockConfigEntry]:
    """Factory: a config entry for the fixture mailbox, added to Home Assistant."""

    def _make(
        data: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
        rules: list[dict[str, Any]] | None = None,
    ) -> MockConfigEntry:
        """An entry; ``rules`` become subentries (entry version 2), ``options`` may hold the
        rules of version 1 (``rules``), migrated at setup."""
        data = data if data is not None else entry_data
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=data[CONF_USERNAME],
            unique_id=f"{data[CONF_USERNAME]}@{data[CONF_HOST]}:{data[CONF_PORT]}",
            data=data,
            options=options or {},
            version=1 if rules is None else CONFIG_VERSION,
            subentries_data=[
                {
                    "data": rule,
                    "subentry_type": SUBENTRY_RULE,
                    "title": rule["name"],
                    "unique_id": rule["name"],
                }
                for rule in rules or ()
            ],
        )
        entry.add_to_hass(hass)
        return entry

    return _make


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, make_entry: Callable[..., MockConfigEntry]
) -> MockConfigEntry:
    """The fixture mailbox, set up (its first poll done)."""
    entry = make_entry()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry
