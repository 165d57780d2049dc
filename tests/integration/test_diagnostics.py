"""Diagnostics: no credentials, no mail content."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry  # type: ignore[import-untyped]
from pytest_homeassistant_custom_component.components.diagnostics import (  # type: ignore[import-untyped]
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator  # type: ignore[import-untyped]
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from tests.integration.conftest import make_message
from tests.support.dovecot import MailUser


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mail_user: MailUser,
    loaded_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    mail_user.deliver(make_message("Secret subject", body="Secret body"))
    await loaded_entry.runtime_data.async_check_now()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)

    assert diagnostics == snapshot(exclude=props("port", "cafile", "checked_at", "timings"))
    text = str(diagnostics)
    assert mail_user.password not in text
    assert mail_user.username not in text
    assert "Secret" not in text
    assert set(diagnostics["last_poll"]["timings"]) >= {"connect", "total", "round_trips"}
