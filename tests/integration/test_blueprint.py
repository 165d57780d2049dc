"""The notification blueprint, run by Home Assistant's automation integration."""

from __future__ import annotations

import shutil
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_mock_service,
)

from tests.integration.conftest import advance, make_message
from tests.support.dovecot import MailUser

BLUEPRINT = Path(__file__).parents[2] / "blueprints/automation/pop3_mail/notify_on_mail.yaml"


async def test_blueprint_notifies_about_matching_mail_only(
    hass: HomeAssistant, mail_user: MailUser, loaded_entry: MockConfigEntry
) -> None:
    target = Path(hass.config.path("blueprints/automation/pop3_mail"))
    await hass.async_add_executor_job(lambda: target.mkdir(parents=True, exist_ok=True))
    await hass.async_add_executor_job(shutil.copy, BLUEPRINT, target)
    calls = async_mock_service(hass, "notify", "my_phone")
    other_mailbox = MockConfigEntry(domain="pop3_mail", title="other")
    other_mailbox.add_to_hass(hass)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "use_blueprint": {
                        "path": "pop3_mail/notify_on_mail.yaml",
                        "input": {
                            "mailbox": loaded_entry.entry_id,
                            "sender_filter": "DHL",
                            "subject_filter": "parcel",
                            "notify_action": "notify.my_phone",
                        },
                    }
                },
                {
                    "use_blueprint": {
                        "path": "pop3_mail/notify_on_mail.yaml",
                        "input": {
                            "mailbox": other_mailbox.entry_id,
                            "notify_action": "notify.my_phone",
                        },
                    }
                },
            ]
        },
    )
    await hass.async_block_till_done()

    mail_user.deliver(make_message("Your parcel is on its way", sender="DHL <noreply@dhl.de>"))
    mail_user.deliver(make_message("Your parcel is late", sender="Other <x@example.com>"))
    mail_user.deliver(make_message("Invoice", sender="DHL <billing@dhl.de>"))
    mail_user.deliver(make_message("Second PARCEL", sender="dhl <news@dhl.de>", body="Track it"))
    await advance(hass, 300)
    await hass.async_block_till_done()

    assert [call.data["title"] for call in calls] == [
        "New mail from DHL",
        "New mail from dhl",
    ]
    assert calls[0].data["message"].startswith("Your parcel is on its way")
    assert "Hello from the test suite." in calls[0].data["message"]
    assert calls[1].data["message"].splitlines()[0] == "Second PARCEL"
    assert "Track it" in calls[1].data["message"]
