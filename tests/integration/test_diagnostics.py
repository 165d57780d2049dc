"""Diagnostics: no credentials, no mail content."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry  # type: ignore[import-untyped]
from pytest_homeassistant_custom_component.components.diagnostics import (  # type: ignore[import-untyped]
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator  # type: ignore[import-untyped]
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.pop3_mail.const import CONF_RULES
from tests.integration.conftest import make_message
from tests.support.dovecot import MailUser

RULE = {
    "name": "push",
    "actions": [{"notify": {"urls": ["json://user:Secret-token@127.0.0.1:9/nothing-listens"]}}],
}


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mail_user: MailUser,
    make_entry: Callable[..., MockConfigEntry],
    snapshot: SnapshotAssertion,
) -> None:
    entry = make_entry(options={CONF_RULES: [RULE]})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    mail_user.deliver(make_message("Secret subject", body="Secret body"))
    await entry.runtime_data.async_check_now()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics == snapshot(
        exclude=props("port", "cafile", "checked_at", "timings", "last_error", "next_retry")
    )
    text = str(diagnostics)
    assert mail_user.password not in text
    assert mail_user.username not in text
    assert "Secret" not in text
    assert set(diagnostics["last_poll"]["timings"]) >= {"connect", "total", "round_trips"}
